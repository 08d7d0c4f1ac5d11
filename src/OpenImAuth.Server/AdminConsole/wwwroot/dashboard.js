// Dashboard: /metrics scraped every few seconds while signed in; counters become rates per minute from the change
// between two scrapes, the connection gauge is shown as it is. Five minutes of history, kept while the tab is open.
import { scrapeMetrics } from './api.js';
import { drawChart, formatNumber } from './chart.js';
import { h } from './ui.js';

const INTERVAL_MS = 5000;
const SLOTS = 60;

const SERIES = [
  { key: 'issued', title: 'Tokens issued', unit: 'per minute', metric: 'openimauth_tokens_issued_total', rate: true },
  { key: 'kicked', title: 'Kicks', unit: 'per minute', metric: 'openimauth_tokens_kicked_total', rate: true },
  { key: 'refused', title: 'Refused secrets', unit: 'per minute', metric: 'openimauth_secret_failures_total', rate: true },
  { key: 'connections', title: 'Live connections', unit: 'now', metric: 'openimauth_gateway_connections', rate: false },
];

const history = Object.fromEntries(SERIES.map(s => [s.key, []]));
const listeners = new Set();
let previous = null;
let timer = 0;
let state = 'waiting'; // waiting | ok | unavailable

/** Sums every series of each metric (all labels), from Prometheus text. */
export function parseMetrics(text) {
  const totals = Object.fromEntries(SERIES.map(s => [s.metric, 0]));
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) {
      continue;
    }
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{.*\})?\s+(\S+)/.exec(line);
    if (match && match[1] in totals) {
      const value = Number(match[3]);
      if (Number.isFinite(value)) {
        totals[match[1]] += value;
      }
    }
  }
  return totals;
}

async function sample() {
  let text;
  try {
    text = await scrapeMetrics();
  } catch {
    text = null;
  }
  if (text === null) {
    state = 'unavailable';
    notify();
    return;
  }
  const now = { at: performance.now(), values: parseMetrics(text) };
  state = 'ok';
  for (const series of SERIES) {
    const value = now.values[series.metric];
    if (!series.rate) {
      push(series.key, value);
    } else if (previous) {
      const minutes = (now.at - previous.at) / 60_000;
      const before = previous.values[series.metric];
      // A restarted server counts from 0 again: the whole count is what happened since.
      const delta = value >= before ? value - before : value;
      push(series.key, minutes > 0 ? delta / minutes : 0);
    }
  }
  previous = now;
  notify();
}

function push(key, value) {
  const points = history[key];
  points.push(value);
  if (points.length > SLOTS) {
    points.shift();
  }
}

function notify() {
  for (const listener of listeners) {
    listener();
  }
}

export function startSampling() {
  if (!timer) {
    sample();
    timer = setInterval(sample, INTERVAL_MS);
  }
}

export function stopSampling() {
  clearInterval(timer);
  timer = 0;
  previous = null;
  for (const points of Object.values(history)) {
    points.length = 0;
  }
}

export function dashboardView(main) {
  const heading = h('h1', { tabindex: -1 }, 'Dashboard');
  const note = h('p', { class: 'empty' });
  const cards = SERIES.map(series => {
    const value = h('p', { class: 'metric-value' });
    const chart = h('div', { class: 'chart-box' });
    const card = h('article', { class: 'card metric', 'aria-label': series.title },
      h('h2', {}, series.title), value, chart);
    return { series, value, chart, card };
  });
  main.append(h('section', {}, heading, note, h('div', { class: 'metrics' }, cards.map(c => c.card))));
  heading.focus();

  const draw = () => {
    note.textContent = state === 'unavailable'
      ? 'This port does not serve /metrics (prometheus.enable is false, or prometheus.port moves it elsewhere).'
      : `Sampled every ${INTERVAL_MS / 1000} s from /metrics of this server; the last ${SLOTS * INTERVAL_MS / 60_000} minutes.`;
    for (const { series, value, chart } of cards) {
      const points = history[series.key];
      const last = points.length ? points[points.length - 1] : null;
      value.textContent = last === null ? '…' : `${formatNumber(last)} ${series.unit}`;
      const peak = points.length ? Math.max(...points) : 0;
      drawChart(chart, points, SLOTS, last === null ? `${series.title}: no sample yet`
        : `${series.title}: ${formatNumber(last)} ${series.unit}, peak ${formatNumber(peak)} in the last ${points.length} samples`);
    }
  };
  listeners.add(draw);
  draw();
  return () => listeners.delete(draw);
}
