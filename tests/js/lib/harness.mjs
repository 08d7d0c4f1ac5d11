// Shared by the scenarios: arguments, one JSON object per stdout line, a WebSocket that reports what the SDK's socket
// does, the SDK's events, and a hard deadline, so that no scenario outlives its test. The .NET test
// (NodeSdkTests) reads the lines and asserts on them; the scenarios themselves only drive and report.
import { getSDK, CbEvents } from '@openim/client-sdk';

const started = Date.now();
const records = [];
const waiters = [];

// The SDK logs through the console; stdout carries our JSON lines only.
for (const level of ['log', 'info', 'debug', 'warn', 'error', 'trace']) {
  console[level] = (...args) => process.stderr.write(args.map(String).join(' ') + '\n');
}

/** Prints one record as a JSON line and wakes whoever waits for it. */
export function emit(record) {
  const line = { t: Date.now() - started, ...record };
  records.push(line);
  process.stdout.write(JSON.stringify(line) + '\n');
  for (const waiter of [...waiters]) {
    if (waiter.match(line)) {
      waiters.splice(waiters.indexOf(waiter), 1);
      clearTimeout(waiter.timer);
      waiter.resolve(line);
    }
  }
}

/** The first record (already printed or still to come) that matches, or a rejection after timeoutMs. */
export function waitFor(match, timeoutMs, what) {
  const seen = records.find(match);
  if (seen) {
    return Promise.resolve(seen);
  }
  return new Promise((resolve, reject) => {
    const waiter = { match, resolve };
    waiter.timer = setTimeout(() => {
      waiters.splice(waiters.indexOf(waiter), 1);
      reject(new Error(`no ${what} within ${timeoutMs} ms`));
    }, timeoutMs);
    waiters.push(waiter);
  });
}

export const event = (name) => (r) => r.type === 'event' && r.name === name;

/** Every record printed so far that matches. */
export const all = (match) => records.filter(match);

/** `--key value` pairs. */
export function parseArgs(argv = process.argv.slice(2)) {
  const args = {};
  for (let i = 0; i + 1 < argv.length; i += 2) {
    args[argv[i].replace(/^--/, '')] = argv[i + 1];
  }
  for (const key of ['ws', 'api', 'user', 'token', 'platform']) {
    if (!(key in args)) {
      fail(new Error(`missing --${key}`));
    }
  }
  return args;
}

/** Ends the process whatever it is doing (the SDK's timers would keep it alive forever). */
export function finish(code = 0) {
  emit({ type: 'done', code });
  process.exit(code);
}

export function fail(error) {
  emit({ type: 'error', message: String(error?.message ?? error) });
  finish(1);
}

// A hard limit on the whole scenario, whatever the SDK or the server do.
export function deadline(ms) {
  setTimeout(() => fail(new Error(`scenario deadline of ${ms} ms passed`)), ms);
}

// Observes the sockets the SDK opens: how many, their TEXT frames, the BINARY replies and the close codes. A subclass
// of Node's own WebSocket, so the SDK's handlers and behaviour stay as they are.
const sockets = [];
const NativeWebSocket = globalThis.WebSocket;
if (!NativeWebSocket) {
  fail(new Error('no global WebSocket: run node with --experimental-websocket (Node 20)'));
}
globalThis.WebSocket = class ObservedWebSocket extends NativeWebSocket {
  constructor(url, protocols) {
    super(url, protocols);
    const n = sockets.push(this);
    emit({ type: 'socket', n, state: 'connecting' });
    this.addEventListener('open', () => emit({ type: 'socket', n, state: 'open' }));
    this.addEventListener('close', (e) => emit({ type: 'socket', n, state: 'closed', code: e.code }));
    this.addEventListener('message', (e) => {
      if (typeof e.data === 'string') {
        emit({ type: 'frame', n, dir: 'in', kind: 'text', json: JSON.parse(e.data) });
      } else {
        const text = e.data instanceof ArrayBuffer ? Promise.resolve(new TextDecoder().decode(e.data)) : e.data.text();
        text.then((t) => emit({ type: 'frame', n, dir: 'in', kind: 'binary', json: JSON.parse(t) }));
      }
    });
  }

  send(data) {
    if (typeof data === 'string') {
      emit({ type: 'frame', n: sockets.indexOf(this) + 1, dir: 'out', kind: 'text', json: JSON.parse(data) });
    }
    return super.send(data);
  }
};

export const socketCount = () => sockets.length;

const reported = [
  CbEvents.OnConnecting, CbEvents.OnConnectSuccess, CbEvents.OnConnectFailed, CbEvents.OnKickedOffline,
  CbEvents.OnUserTokenExpired, CbEvents.OnUserTokenInvalid, CbEvents.OnSyncServerStart, CbEvents.OnSyncServerFinish,
  CbEvents.OnSyncServerFailed,
];

/** A fresh SDK instance whose events are printed, logged in with the arguments; prints the login call's outcome. */
export async function login(args) {
  const sdk = getSDK();
  for (const name of reported) {
    sdk.on(name, (data) => emit({ type: 'event', name, errCode: data?.errCode ?? 0, errMsg: data?.errMsg ?? '' }));
  }
  try {
    const result = await sdk.login({
      userID: args.user,
      token: args.token,
      platformID: Number(args.platform),
      wsAddr: args.ws,
      apiAddr: args.api,
      logLevel: 5, // silent
    });
    emit({ type: 'login', errCode: result?.errCode ?? 0 });
  } catch (error) {
    emit({ type: 'login', errCode: error?.errCode ?? -1, errMsg: String(error?.errMsg ?? error?.message ?? error) });
  }
  return sdk;
}
