// (b, c, d, h) A token the gateway refuses: the SDK reports OnConnectFailed and the event mapped from the code
// (OnKickedOffline, OnUserTokenExpired, OnUserTokenInvalid). The SDK would retry every 5 s forever; the scenario
// stops it once both events are out.
// Usage: node --experimental-websocket rejected.mjs --ws <wsAddr> --api <apiAddr> --user <id> --token <jwt> --platform <id>
import { deadline, event, fail, finish, login, parseArgs, waitFor } from './lib/harness.mjs';

const args = parseArgs();
deadline(20_000);
try {
  const sdk = await login(args);
  await waitFor(event('OnConnectFailed'), 10_000, 'OnConnectFailed');
  // The SDK fires the mapped token event right after OnConnectFailed, in the same turn; let that turn finish.
  await new Promise((resolve) => setImmediate(resolve));
  sdk.wsManager?.close();
  finish(0);
} catch (error) {
  fail(error);
}
