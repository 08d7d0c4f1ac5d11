// A user's page: profile (editable), online status per platform, and every session with the actions on them.
import { call } from './api.js';
import { alertBox, announce, confirmAction, field, h, pager, table, time } from './ui.js';

const SESSION_PAGE = 50;
const REFRESH_MS = 5000;

export async function userView(main, userID) {
  const heading = h('h1', { tabindex: -1 }, userID);
  const profile = h('div', { class: 'card' }, h('p', { class: 'empty' }, 'Loading…'));
  const platforms = h('div', { class: 'card' });
  const sessions = h('div', { class: 'card' });
  main.append(h('section', {},
    h('p', { class: 'crumbs' }, h('a', { href: '#/users' }, 'Users'), ' / ', userID),
    heading, profile, platforms, sessions));
  heading.focus();

  let sessionPage = 1;
  let shown = '';
  const loadSessionsCard = async () => {
    shown = await loadSessions(userID, sessionPage, platforms, sessions, shown, page => {
      sessionPage = page;
      loadSessionsCard();
    }, loadSessionsCard);
  };
  await Promise.all([loadProfile(userID, profile), loadSessionsCard()]);
  // Sessions come and go while the page is open: look again every few seconds, and redraw only on a change, so
  // keyboard focus stays where it is.
  const timer = setInterval(loadSessionsCard, REFRESH_MS);
  return () => clearInterval(timer);
}

async function loadProfile(userID, card) {
  let user;
  try {
    const data = await call('/user/get_users_info', { userIDs: [userID] });
    user = (data.usersInfo || [])[0];
  } catch (error) {
    card.replaceChildren(alertBox(error.code === 1004 ? `No user ${userID} is registered.` : `Could not read the profile: ${error.message}`));
    return;
  }
  if (!user) {
    card.replaceChildren(alertBox(`No user ${userID} is registered.`));
    return;
  }
  const nickname = h('input', { name: 'nickname', value: user.nickname, autocomplete: 'off' });
  const faceURL = h('input', { name: 'faceURL', value: user.faceURL, inputmode: 'url', autocomplete: 'off', spellcheck: 'false' });
  const error = h('div', { class: 'error-slot' });
  const form = h('form', { class: 'profile' },
    h('h2', {}, 'Profile'),
    h('dl', { class: 'facts' },
      h('dt', {}, 'Registered'), h('dd', {}, time(user.createTime)),
      h('dt', {}, 'Message option'), h('dd', {}, String(user.globalRecvMsgOpt))),
    field('Nickname', nickname),
    field('Face URL', faceURL, 'Shown as text; the console loads nothing from other hosts.'),
    error,
    h('div', { class: 'actions' }, h('button', { type: 'submit' }, 'Save profile')));
  form.addEventListener('submit', async event => {
    event.preventDefault();
    try {
      // update_user_info_ex: "" clears a field, which update_user_info would leave unchanged.
      await call('/user/update_user_info_ex', { userInfo: { userID, nickname: nickname.value, faceURL: faceURL.value } });
      error.replaceChildren();
      announce(`Saved the profile of ${userID}.`);
    } catch (e) {
      error.replaceChildren(alertBox(`Could not save: ${e.message}`));
    }
  });
  card.replaceChildren(form);
}

/** Draws the platforms and sessions unless they are what `shown` describes; returns what is shown now. */
async function loadSessions(userID, page, platformCard, sessionCard, shown, goToPage, refresh) {
  let listing;
  let online;
  try {
    [listing, online] = await Promise.all([
      call('/auth/get_user_sessions', { userID, pagination: { pageNumber: page, showNumber: SESSION_PAGE } }),
      call('/user/get_users_online_status', { userIDs: [userID] }),
    ]);
  } catch (error) {
    platformCard.replaceChildren();
    sessionCard.replaceChildren(alertBox(error.code === 1004 ? 'No sessions: the user is not registered.' : `Could not list sessions: ${error.message}`));
    return '';
  }
  const list = listing.sessions || [];
  const connections = (online || []).flatMap(entry => (entry.detailPlatformStatus || []).map(c => [c.platformID, c.platform]));
  const now = JSON.stringify([page, listing, connections]);
  if (now === shown) {
    return shown;
  }
  platformCard.replaceChildren(...platformSection(userID, list, connections, refresh));
  sessionCard.replaceChildren(
    h('div', { class: 'title-row' }, h('h2', {}, 'Sessions'),
      h('button', { type: 'button', class: 'danger', disabled: listing.total === 0, onclick: () => revokeAll(userID, refresh) }, 'Revoke all sessions')),
    table('Sessions', ['Platform', 'Issued', 'Expires', 'Status', 'Connections', 'Last seen', ''],
      list.map(s => [
        s.platform,
        time(s.issuedAt),
        time(s.expiresAt),
        h('span', { class: `badge ${s.status}` }, s.status),
        String(s.connections),
        s.lastSeenAt ? `${time(s.lastSeenAt)} from ${s.lastSeenAddress}` : 'never',
        s.status === 'active'
          ? h('button', { type: 'button', class: 'quiet', onclick: () => logOut(userID, s, refresh) }, 'Log out')
          : '',
      ]),
      'No sessions: the store holds no token of this user.'),
    listing.total > SESSION_PAGE ? pager(page, SESSION_PAGE, listing.total, 'sessions', goToPage) : '');
  return now;
}

/** One row per platform that has a live session or connection: its connections, and Force logout. */
function platformSection(userID, sessions, online, refresh) {
  // online: [platformID, platform name] per live connection (get_users_online_status; its tokens are not kept).
  const connections = new Map();
  for (const [id, name] of online) {
    connections.set(id, { name, count: (connections.get(id)?.count || 0) + 1 });
  }
  const platforms = new Map();
  for (const s of sessions.filter(s => s.status === 'active')) {
    const p = platforms.get(s.platformID) || { name: s.platform, active: 0 };
    p.active += 1;
    platforms.set(s.platformID, p);
  }
  for (const [id, c] of connections) {
    if (!platforms.has(id)) {
      platforms.set(id, { name: c.name, active: 0 });
    }
  }
  const rows = [...platforms.entries()].sort(([a], [b]) => a - b).map(([id, p]) => {
    const live = connections.get(id)?.count || 0;
    return [
      `${p.name} (${id})`,
      live > 0 ? h('span', { class: 'badge online' }, 'online') : h('span', { class: 'badge' }, 'offline'),
      String(live),
      String(p.active),
      h('button', { type: 'button', class: 'danger', onclick: () => forceLogout(userID, id, p.name, refresh) }, 'Force logout'),
    ];
  });
  return [
    h('h2', {}, 'Platforms'),
    table('Platforms', ['Platform', 'Status', 'Connections', 'Active sessions', ''], rows,
      'Offline on every platform, with no active session.'),
  ];
}

async function forceLogout(userID, platformID, name, refresh) {
  if (!await confirmAction(`Log ${userID} out of every session on ${name}? Its connections are closed and its tokens refused from now on.`, 'Force logout')) {
    return;
  }
  await act(() => call('/auth/force_logout', { userID, platformID }), `Logged ${userID} out on ${name}.`, refresh);
}

async function logOut(userID, session, refresh) {
  if (!await confirmAction(`Log out the ${session.platform} session of ${userID} issued ${time(session.issuedAt)}?`, 'Log out')) {
    return;
  }
  await act(() => call('/auth/revoke_session', { userID, sessionID: session.sessionID }), `Logged out one session of ${userID}.`, refresh);
}

async function revokeAll(userID, refresh) {
  if (!await confirmAction(`Revoke every session of ${userID}, on every platform? Each token issued until now is refused from now on.`, 'Revoke all sessions')) {
    return;
  }
  await act(() => call('/auth/revoke_tokens', { userID }), `Revoked every session of ${userID}.`, refresh);
}

async function act(request, done, refresh) {
  try {
    await request();
    announce(done);
  } catch (error) {
    announce(`Failed: ${error.message}`);
  }
  await refresh();
}
