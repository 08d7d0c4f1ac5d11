// DOM helpers. Text from the server only ever goes in as text nodes or attribute values, never as HTML.

/** h('a', { href: '#/users', class: 'x', onclick: fn }, 'text', child…) */
export function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) {
      continue;
    }
    if (name.startsWith('on')) {
      element.addEventListener(name.slice(2), value);
    } else if (name === 'class') {
      element.className = value;
    } else if (name === 'value') {
      element.value = value;
    } else {
      element.setAttribute(name, value === true ? '' : String(value));
    }
  }
  append(element, children);
  return element;
}

function append(element, children) {
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) {
      continue;
    }
    element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** A labelled field: the label names the control, so people and tests find it by the same words. */
export function field(label, control, hint) {
  const id = control.id || `f-${Math.random().toString(36).slice(2, 9)}`;
  control.id = id;
  const hintId = hint ? `${id}-hint` : null;
  if (hintId) {
    control.setAttribute('aria-describedby', hintId);
  }
  return h('div', { class: 'field' }, h('label', { for: id }, label), control, hint && h('small', { id: hintId }, hint));
}

/**
 * A table in a scrolling wrapper, so narrow screens scroll it sideways instead of squeezing it. A column is its
 * heading, or { label, wrap: true } for long free text that may wrap (cells stay on one line otherwise).
 */
export function table(caption, columns, rows, empty) {
  if (rows.length === 0) {
    return h('p', { class: 'empty' }, empty);
  }
  const heads = columns.map(c => (typeof c === 'string' ? { label: c, wrap: false } : c));
  return h('div', { class: 'table-wrap', tabindex: 0, role: 'region', 'aria-label': caption },
    h('table', {},
      h('caption', { class: 'visually-hidden' }, caption),
      h('thead', {}, h('tr', {}, heads.map(c => h('th', { scope: 'col' }, c.label)))),
      h('tbody', {}, rows.map(cells => h('tr', {}, cells.map((c, i) => h('td', { class: heads[i].wrap ? 'wrap' : undefined }, c)))))));
}

/** Previous / Next with "Page 2 of 7 (130 users)"; go(page) is called with the new page number. */
export function pager(page, size, total, noun, go) {
  const pages = Math.max(1, Math.ceil(total / size));
  return h('nav', { class: 'pager', 'aria-label': `${noun} pages` },
    h('button', { type: 'button', class: 'quiet', disabled: page <= 1, onclick: () => go(page - 1) }, 'Previous page'),
    h('span', {}, `Page ${page} of ${pages} (${total} ${noun})`),
    h('button', { type: 'button', class: 'quiet', disabled: page >= pages, onclick: () => go(page + 1) }, 'Next page'));
}

/** Asks before a destructive action; resolves true only if the operator pressed the action's own button. */
export function confirmAction(text, action) {
  const dialog = document.getElementById('confirm');
  document.getElementById('confirm-text').textContent = text;
  document.getElementById('confirm-ok').textContent = action;
  dialog.returnValue = '';
  dialog.showModal();
  return new Promise(resolve => {
    dialog.addEventListener('close', () => resolve(dialog.returnValue === 'ok'), { once: true });
  });
}

let statusTimer = 0;

/** A short message in the polite live region (screen readers announce it; it fades after a while). */
export function announce(message) {
  const status = document.getElementById('status');
  status.textContent = message;
  status.classList.add('shown');
  clearTimeout(statusTimer);
  statusTimer = setTimeout(() => status.classList.remove('shown'), 6000);
}

/** An error shown where it happened, as an alert. */
export function alertBox(message) {
  return h('p', { class: 'error', role: 'alert' }, message);
}

/** Local time as YYYY-MM-DD HH:MM:SS (sortable, unambiguous); a dash for 0. */
export function time(ms) {
  if (!ms) {
    return '—';
  }
  const d = new Date(ms);
  const two = n => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())} `
    + `${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}`;
}

/** Route parameters of the hash (#/users?q=al&page=2). */
export function hashParams() {
  const query = location.hash.split('?')[1] || '';
  return new URLSearchParams(query);
}

export function setHash(path, params) {
  const query = new URLSearchParams([...Object.entries(params)].filter(([, v]) => v !== '' && v !== null && v !== undefined));
  const next = query.toString() ? `${path}?${query}` : path;
  if (location.hash !== next) {
    location.hash = next;
  }
}
