// The console's shell: sign-in, sign-out, navigation, and the hash router (#/users, #/users/{id}, #/audit,
// #/dashboard). Views are functions that fill <main> and may return a function that stops what they started.
import { ApiError, currentSession, forget, signIn } from './api.js';
import { alertBox, field, h } from './ui.js';
import { usersView } from './users.js';
import { userView } from './user.js';
import { auditView } from './audit.js';
import { dashboardView, startSampling, stopSampling } from './dashboard.js';

const main = document.getElementById('main');
const nav = document.getElementById('nav');
const who = document.getElementById('who');
const signOutButton = document.getElementById('sign-out');

let stopView = null;
let generation = 0;
let signInMessage = '';

function route() {
  const path = decodeURIComponent((location.hash.slice(1).split('?')[0]) || '');
  if (path.startsWith('/users/') && path.length > '/users/'.length) {
    return { view: userView, arg: path.slice('/users/'.length), nav: '#/users' };
  }
  if (path === '/audit') {
    return { view: auditView, nav: '#/audit' };
  }
  if (path === '/dashboard') {
    return { view: dashboardView, nav: '#/dashboard' };
  }
  return { view: usersView, nav: '#/users' };
}

async function render() {
  const mine = ++generation;
  if (stopView) {
    stopView();
    stopView = null;
  }
  const session = currentSession();
  showChrome(session);
  main.replaceChildren();
  if (!session) {
    renderSignIn();
    return;
  }
  const { view, arg, nav: current } = route();
  for (const link of nav.querySelectorAll('a')) {
    if (link.getAttribute('href') === current) {
      link.setAttribute('aria-current', 'page');
    } else {
      link.removeAttribute('aria-current');
    }
  }
  const stop = (await view(main, arg)) || null;
  // Another render may have started while this view loaded: then this view is already gone from the page.
  if (mine === generation) {
    stopView = stop;
  } else if (stop) {
    stop();
  }
}

function showChrome(session) {
  nav.hidden = !session;
  who.hidden = !session;
  signOutButton.hidden = !session;
  who.textContent = session ? `Signed in as ${session.userID}` : '';
  if (session) {
    startSampling();
  } else {
    stopSampling();
  }
}

function renderSignIn() {
  const user = h('input', { name: 'administrator', autocomplete: 'username', required: true, autocapitalize: 'none', spellcheck: 'false' });
  const secret = h('input', { name: 'secret', type: 'password', autocomplete: 'current-password', required: true });
  const error = h('div', { class: 'error-slot' });
  const button = h('button', { type: 'submit' }, 'Sign in');
  const form = h('form', { class: 'card narrow', method: 'post', novalidate: true },
    h('h1', { tabindex: -1 }, 'Sign in'),
    h('p', {}, 'An administrator\'s user ID and the server\'s secret. The console keeps the admin token for this tab only.'),
    field('Administrator', user),
    field('Secret', secret),
    error,
    h('div', { class: 'actions' }, button));
  if (signInMessage) {
    error.replaceChildren(alertBox(signInMessage));
    signInMessage = '';
  }
  form.addEventListener('submit', async event => {
    event.preventDefault();
    if (!user.value.trim() || !secret.value) {
      error.replaceChildren(alertBox('Enter the administrator\'s user ID and the secret.'));
      return;
    }
    button.disabled = true;
    try {
      await signIn(user.value.trim(), secret.value);
      secret.value = '';
      if (!location.hash.startsWith('#/')) {
        location.hash = '#/users';
      }
      await render();
    } catch (e) {
      secret.value = '';
      const text = e instanceof ApiError && e.code === 1002
        ? 'Sign-in refused: wrong secret, or that user is not an administrator.'
        : `Sign-in failed: ${e.message}`;
      error.replaceChildren(alertBox(text));
      secret.focus();
    } finally {
      button.disabled = false;
    }
  });
  main.append(form);
  user.focus();
}

signOutButton.addEventListener('click', () => {
  forget();
  signInMessage = '';
  render();
});

window.addEventListener('console:signed-out', event => {
  signInMessage = event.detail;
  render();
});

window.addEventListener('hashchange', () => {
  if (location.hash.startsWith('#/')) {
    render();
  }
});

render();
