// Users: search by user ID or nickname (substring, case-insensitive, as /user/get_users matches), paged; register.
import { call } from './api.js';
import { alertBox, announce, field, h, hashParams, pager, setHash, table, time } from './ui.js';

const PAGE_SIZE = 20;

export async function usersView(main) {
  const params = hashParams();
  const query = params.get('q') || '';
  const by = params.get('by') === 'nickname' ? 'nickname' : 'userID';
  const page = Math.max(1, Number.parseInt(params.get('page') || '1', 10) || 1);

  const results = h('div', { 'aria-live': 'polite', 'aria-busy': 'true' }, h('p', { class: 'empty' }, 'Loading…'));
  const search = h('input', { type: 'search', name: 'q', value: query, autocomplete: 'off', spellcheck: 'false' });
  const scope = h('select', { name: 'by' },
    h('option', { value: 'userID', selected: by === 'userID' }, 'User ID'),
    h('option', { value: 'nickname', selected: by === 'nickname' }, 'Nickname'));
  const form = h('form', { role: 'search', class: 'toolbar' },
    field('Search users', search),
    field('Search in', scope),
    h('button', { type: 'submit' }, 'Search'));
  form.addEventListener('submit', event => {
    event.preventDefault();
    setHash('#/users', { q: search.value.trim(), by: scope.value === 'nickname' ? 'nickname' : '', page: '' });
  });

  const heading = h('h1', { tabindex: -1 }, 'Users');
  main.append(h('section', {},
    h('div', { class: 'title-row' }, heading,
      h('button', { type: 'button', onclick: () => openRegister(main) }, 'Register user')),
    form, results));
  heading.focus();

  try {
    const filter = query === '' ? {} : by === 'nickname' ? { nickName: query } : { userID: query };
    const data = await call('/user/get_users', { pagination: { pageNumber: page, showNumber: PAGE_SIZE }, ...filter });
    const users = data.users || [];
    results.replaceChildren(
      table('Users', ['User ID', 'Nickname', 'Registered'],
        users.map(u => [
          h('a', { href: `#/users/${encodeURIComponent(u.userID)}` }, u.userID),
          u.nickname,
          time(u.createTime),
        ]),
        query ? `No user whose ${by === 'nickname' ? 'nickname' : 'user ID'} contains "${query}".` : 'No users yet.'),
      pager(page, PAGE_SIZE, data.total, 'users',
        next => setHash('#/users', { q: query, by: by === 'nickname' ? 'nickname' : '', page: next })));
  } catch (error) {
    results.replaceChildren(alertBox(`Could not list users: ${error.message}`));
  } finally {
    results.setAttribute('aria-busy', 'false');
  }
}

function openRegister(main) {
  const userID = h('input', { name: 'userID', required: true, autocomplete: 'off', spellcheck: 'false' });
  const nickname = h('input', { name: 'nickname', autocomplete: 'off' });
  const faceURL = h('input', { name: 'faceURL', inputmode: 'url', autocomplete: 'off', spellcheck: 'false' });
  const error = h('div', { class: 'error-slot' });
  const dialog = h('dialog', { 'aria-labelledby': 'register-title' });
  const form = h('form', {},
    h('h2', { id: 'register-title' }, 'Register user'),
    field('User ID', userID),
    field('Nickname', nickname),
    field('Face URL', faceURL, 'Optional; shown as text, never loaded by the console.'),
    error,
    h('div', { class: 'actions' },
      h('button', { type: 'button', class: 'quiet', onclick: () => dialog.close() }, 'Cancel'),
      h('button', { type: 'submit' }, 'Register')));
  form.addEventListener('submit', async event => {
    event.preventDefault();
    const id = userID.value.trim();
    if (!id) {
      error.replaceChildren(alertBox('A user ID is required.'));
      userID.focus();
      return;
    }
    try {
      await call('/user/user_register', { users: [{ userID: id, nickname: nickname.value, faceURL: faceURL.value }] });
      dialog.close();
      announce(`Registered ${id}.`);
      location.hash = `#/users/${encodeURIComponent(id)}`;
    } catch (e) {
      error.replaceChildren(alertBox(e.code === 1102 ? `${id} is already registered.` : `Could not register: ${e.message}`));
    }
  });
  dialog.append(form);
  dialog.addEventListener('close', () => dialog.remove());
  main.append(dialog);
  dialog.showModal();
  userID.focus();
}
