// Audit log: /audit/search with its filters (user, action, time range), newest first, paged.
import { call } from './api.js';
import { alertBox, field, h, hashParams, pager, setHash, table, time } from './ui.js';

const PAGE_SIZE = 50;

// The actions the server records (README, Audit log); the field takes any other text too.
const ACTIONS = ['user_token', 'get_admin_token', 'get_user_token', 'force_logout', 'revoke_tokens', 'clear_revocation',
  'revoke_session', 'user_register', 'update_user_info', 'update_user_info_ex', 'multi_login_kick', 'secret_refused',
  'previous_secret_used', 'admin_token_refused'];

export async function auditView(main) {
  const params = hashParams();
  const filters = {
    user: params.get('user') || '',
    action: params.get('action') || '',
    from: params.get('from') || '',
    to: params.get('to') || '',
  };
  const page = Math.max(1, Number.parseInt(params.get('page') || '1', 10) || 1);

  const user = h('input', { name: 'user', value: filters.user, autocomplete: 'off', spellcheck: 'false' });
  const action = h('input', { name: 'action', value: filters.action, list: 'audit-actions', autocomplete: 'off', spellcheck: 'false' });
  const from = h('input', { name: 'from', type: 'datetime-local', step: 1, value: filters.from });
  const to = h('input', { name: 'to', type: 'datetime-local', step: 1, value: filters.to });
  const form = h('form', { role: 'search', class: 'toolbar' },
    field('User ID', user),
    field('Action', action),
    h('datalist', { id: 'audit-actions' }, ACTIONS.map(a => h('option', { value: a }))),
    field('From', from),
    field('To', to),
    h('button', { type: 'submit' }, 'Filter'));
  form.addEventListener('submit', event => {
    event.preventDefault();
    setHash('#/audit', { user: user.value.trim(), action: action.value.trim(), from: from.value, to: to.value, page: '' });
  });
  const results = h('div', { 'aria-live': 'polite', 'aria-busy': 'true' }, h('p', { class: 'empty' }, 'Loading…'));
  const heading = h('h1', { tabindex: -1 }, 'Audit log');
  main.append(h('section', {}, heading, form, results));
  heading.focus();

  const body = { pagination: { pageNumber: page, showNumber: PAGE_SIZE } };
  if (filters.user) {
    body.userID = filters.user;
  }
  if (filters.action) {
    body.action = filters.action;
  }
  // datetime-local is the operator's local time; the route takes Unix ms, inclusive at both ends.
  if (filters.from && !Number.isNaN(Date.parse(filters.from))) {
    body.from = Date.parse(filters.from);
  }
  if (filters.to && !Number.isNaN(Date.parse(filters.to))) {
    body.to = Date.parse(filters.to) + (filters.to.length > 16 ? 999 : 59_999);
  }
  try {
    const data = await call('/audit/search', body);
    const entries = data.entries || [];
    results.replaceChildren(
      table('Audit entries', ['Time', 'Action', 'Result', 'Actor', 'User', 'Platform', 'Address', { label: 'Detail', wrap: true }, 'Operation ID'],
        entries.map(e => [
          time(e.time),
          e.action,
          e.errCode === 0 ? h('span', { class: 'badge active' }, 'ok') : h('span', { class: 'badge kicked' }, `error ${e.errCode}`),
          e.actor,
          e.userID ? h('a', { href: `#/users/${encodeURIComponent(e.userID)}` }, e.userID) : '—',
          e.platformID ? String(e.platformID) : '—',
          e.address,
          e.detail,
          e.operationID,
        ]),
        'No entry matches.'),
      pager(page, PAGE_SIZE, data.total, 'entries', next => setHash('#/audit', { ...filters, page: next })));
  } catch (error) {
    results.replaceChildren(alertBox(`Could not search the audit log: ${error.message}`));
  } finally {
    results.setAttribute('aria-busy', 'false');
  }
}
