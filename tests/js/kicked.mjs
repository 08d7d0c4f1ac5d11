// (e, f) A connected client is kicked (force_logout, or a newer login on its platform, done by the test once it
// sees OnConnectSuccess): OnKickedOffline, and no reconnect. The SDK retries a lost connection after 5 s, so the
// scenario watches for a new socket for --observe ms after the kick before it reports how many it opened.
// Usage: node --experimental-websocket kicked.mjs --ws … --api … --user … --token … --platform … [--observe 6000]
import { deadline, emit, event, fail, finish, login, parseArgs, socketCount, waitFor } from './lib/harness.mjs';

const args = parseArgs();
const observe = Number(args.observe ?? 6000);
deadline(30_000 + observe);
try {
  await login(args);
  await waitFor(event('OnConnectSuccess'), 10_000, 'OnConnectSuccess');
  await waitFor(event('OnKickedOffline'), 20_000, 'OnKickedOffline');
  // A second socket within the window would be a reconnect; none is what is expected, so a timeout is fine here.
  await waitFor((r) => r.type === 'socket' && r.n === 2, observe, 'a reconnect').catch(() => {});
  emit({ type: 'summary', sockets: socketCount() });
  finish(0);
} catch (error) {
  fail(error);
}

