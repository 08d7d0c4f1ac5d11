// A small line chart in SVG, drawn from numbers only (no library, nothing from another host). Colours come from
// console.css through class names, as the Content-Security-Policy allows no inline style.
const NS = 'http://www.w3.org/2000/svg';
const WIDTH = 300;
const HEIGHT = 90;
const PAD = 4;

function svg(tag, attributes) {
  const element = document.createElementNS(NS, tag);
  for (const [name, value] of Object.entries(attributes)) {
    element.setAttribute(name, String(value));
  }
  return element;
}

/** Redraws `container` with the points (oldest first) of at most `slots` samples; `label` is its accessible text. */
export function drawChart(container, points, slots, label) {
  const max = Math.max(1, ...points);
  const root = svg('svg', { viewBox: `0 0 ${WIDTH} ${HEIGHT}`, role: 'img', 'aria-label': label, class: 'chart', preserveAspectRatio: 'none' });
  for (const fraction of [0, 0.5, 1]) {
    const y = PAD + (HEIGHT - 2 * PAD) * fraction;
    root.append(svg('line', { x1: 0, x2: WIDTH, y1: y, y2: y, class: 'grid' }));
  }
  if (points.length > 0) {
    const step = (WIDTH - 2 * PAD) / Math.max(1, slots - 1);
    const offset = slots - points.length;
    const xy = points.map((value, i) => [
      PAD + (offset + i) * step,
      HEIGHT - PAD - (HEIGHT - 2 * PAD) * (value / max),
    ]);
    const line = xy.map(([x, y]) => `${x.toFixed(1)},${y.toFixed(1)}`).join(' ');
    const [firstX] = xy[0];
    const [lastX] = xy[xy.length - 1];
    root.append(svg('polygon', { points: `${firstX},${HEIGHT - PAD} ${line} ${lastX},${HEIGHT - PAD}`, class: 'area' }));
    root.append(svg('polyline', { points: line, class: 'line' }));
    // The newest sample as a dot: one sample alone draws no line.
    const [x, y] = xy[xy.length - 1];
    root.append(svg('circle', { cx: x, cy: y, r: 2.5, class: 'dot' }));
  }
  const top = svg('text', { x: WIDTH - PAD, y: PAD + 10, class: 'scale', 'text-anchor': 'end' });
  top.textContent = formatNumber(max);
  root.append(top);
  container.replaceChildren(root);
}

export function formatNumber(value) {
  if (value >= 1000) {
    return `${(value / 1000).toFixed(value >= 10_000 ? 0 : 1)}k`;
  }
  return Number.isInteger(value) ? String(value) : value.toFixed(1);
}
