// (a) A token from /auth/user_token logs in: OnConnectSuccess, then the SDK's first request (1006) is answered.
// Usage: node --experimental-websocket login.mjs --ws <wsAddr> --api <apiAddr> --user <id> --token <jwt> --platform <id>
import { deadline, event, fail, finish, login, parseArgs, waitFor } from './lib/harness.mjs';

const args = parseArgs();
deadline(20_000);
try {
  const sdk = await login(args);
  await waitFor(event('OnConnectSuccess'), 10_000, 'OnConnectSuccess');
  await waitFor((r) => r.type === 'frame' && r.kind === 'binary' && r.json.reqIdentifier === 1006, 10_000, 'a reply to 1006');
  await sdk.logout();
  finish(0);
} catch (error) {
  fail(error);
}
