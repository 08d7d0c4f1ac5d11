// (g) Online-status subscriptions: the SDK subscribes (its WsSubUserOnlineStatus, 2005) to --target, reports the
// answer, then reports each OnUserStatusChanged until it has seen the target come online and go offline again (the
// test logs the target in and out once it sees the subscription).
// Usage: node --experimental-websocket status.mjs --ws … --api … --user … --token … --platform … --target <userID>
import { CbEvents } from '@openim/client-sdk';
import { deadline, emit, event, fail, finish, login, parseArgs, waitFor } from './lib/harness.mjs';

const args = parseArgs();
deadline(40_000);
try {
  const sdk = await login(args);
  sdk.on(CbEvents.OnUserStatusChanged, (e) => {
    const data = e?.data ?? e;
    emit({ type: 'status', userID: data.userID, status: data.status, platformIDs: data.platformIDs });
  });
  await waitFor(event('OnConnectSuccess'), 10_000, 'OnConnectSuccess');
  const subscribed = await sdk.subscribeUsersStatus([args.target]);
  emit({ type: 'subscribed', data: subscribed?.data ?? subscribed });
  await waitFor((r) => r.type === 'status' && r.userID === args.target && r.status === 1, 15_000, 'the target online');
  await waitFor((r) => r.type === 'status' && r.userID === args.target && r.status === 0, 15_000, 'the target offline');
  await sdk.logout();
  finish(0);
} catch (error) {
  fail(error);
}
