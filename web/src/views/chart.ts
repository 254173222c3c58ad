/** Registrations over time as an SVG bar chart (no chart library: ~60 lines), with a data table for screen readers. */
import type { Registrations } from '../api.js';
import { h, s } from '../dom.js';

export function registrationsChart(r: Registrations): HTMLElement {
  const W = 720;
  const H = 200;
  const pad = { l: 40, r: 8, t: 10, b: 28 };
  const n = r.counts.length;
  const max = Math.max(1, ...r.counts.map((c) => c.count));
  const niceMax = max <= 5 ? max : Math.ceil(max / 5) * 5;
  const bw = (W - pad.l - pad.r) / n;
  const y = (v: number): number => pad.t + (H - pad.t - pad.b) * (1 - v / niceMax);
  const label = (iso: string): string => (r.bucket === 'hour' ? iso.slice(11, 16) : iso.slice(5, 10));
  const every = Math.max(1, Math.ceil(n / 8));
  const total = r.counts.reduce((a, c) => a + c.count, 0);
  const svg = s('svg', { viewBox: `0 0 ${W} ${H}`, class: 'chart', role: 'img', 'aria-label': `${total} registrations in the last ${n} ${r.bucket}s` },
    [0, niceMax / 2, niceMax].map((v) => [
      s('line', { x1: pad.l, x2: W - pad.r, y1: y(v), y2: y(v), class: 'grid' }),
      s('text', { x: pad.l - 6, y: y(v) + 4, 'text-anchor': 'end', class: 'axis' }, String(Math.round(v))),
    ]),
    r.counts.map((c, i) => {
      const x = pad.l + i * bw;
      return [
        s('rect', { x: x + bw / 2 - Math.min(bw * 0.38, 22), y: y(c.count), width: Math.max(1, Math.min(bw * 0.76, 44)), height: Math.max(0, H - pad.b - y(c.count)), class: 'bar' },
          s('title', {}, `${c.start}: ${c.count}`)),
        i % every === 0 ? s('text', { x: x + bw / 2, y: H - 8, 'text-anchor': 'middle', class: 'axis' }, label(c.start)) : null,
      ];
    }));
  const table = h('details', { class: 'chart-data' }, h('summary', null, 'Data'),
    h('div', { class: 'table-wrap' }, h('table', null, h('thead', null, h('tr', null, h('th', { scope: 'col' }, `${r.bucket} (UTC)`), h('th', { scope: 'col' }, 'registrations'))),
      h('tbody', null, r.counts.filter((c) => c.count > 0).map((c) => h('tr', null, h('td', null, c.start), h('td', null, String(c.count))))))));
  return h('figure', { class: 'chart-figure' }, svg, h('figcaption', null, `${total} registrations in the last ${n} ${r.bucket}s (UTC)`, Number.isFinite(r.treeSize) ? `, as of tree size ${r.treeSize}` : ''), table);
}
