// (g) A connection stays up across at least three heartbeats: the SDK pings every 10 s and closes the socket when a
// ping goes unanswered, so three pongs on the first socket, with no close, mean the gateway kept up.
// Usage: node --experimental-websocket heartbeat.mjs --ws … --api … --user … --token … --platform …
import { all, deadline, emit, event, fail, finish, login, parseArgs, socketCount, waitFor } from './lib/harness.mjs';

const pong = (r) => r.type === 'frame' && r.dir === 'in' && r.kind === 'text' && r.json.type === 'pong';
const args = parseArgs();
deadline(50_000);
try {
  const sdk = await login(args);
  await waitFor(event('OnConnectSuccess'), 10_000, 'OnConnectSuccess');
  for (let i = 1; i <= 3; i++) {
    await waitFor(() => all(pong).length >= i, 12_000, `pong ${i}`);
  }
  emit({ type: 'summary', sockets: socketCount(), pongs: all(pong).length });
  await sdk.logout();
  finish(0);
} catch (error) {
  fail(error);
}
