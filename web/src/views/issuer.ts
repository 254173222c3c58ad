/** An issuer: its claims by key and over time, newest first, receipts verified in the browser. */
import { claimsQuery, getJson, type ClaimsPage } from '../api.js';
import { enc, fmtTime, h, link, replace, shortHex } from '../dom.js';
import { registrationsChart } from './chart.js';
import { asOf, claimsTable, errorBox, loading, pager, section } from './common.js';

const PAGE = 50;

export async function issuerView(main: HTMLElement, iss: string, params: URLSearchParams): Promise<void> {
  const kid = params.get('kid') ?? undefined;
  const title = h('h1', null, 'Issuer ', h('code', null, iss), kid ? [' key ', shortHex(kid, 10)] : null);
  replace(main, title, loading());
  try {
    const page = await getJson<ClaimsPage>(claimsQuery({ issuer: iss, kid, limit: String(PAGE), cursor: params.get('cursor') ?? undefined }));
    const route = `/issuer/${enc(iss)}`;
    const keys = new Map<string, { n: number; first: string; last: string }>();
    for (const c of page.items) {
      const k = keys.get(c.kid) ?? { n: 0, first: c.registeredAt, last: c.registeredAt };
      k.n++;
      if (c.registeredAt < k.first) k.first = c.registeredAt;
      if (c.registeredAt > k.last) k.last = c.registeredAt;
      keys.set(c.kid, k);
    }
    // the claims of this page per day over the 14 days up to the newest one: the issuer's activity
    const days = new Map<string, number>();
    for (const c of page.items) days.set(c.registeredAt.slice(0, 10), (days.get(c.registeredAt.slice(0, 10)) ?? 0) + 1);
    const newest = page.items[0] ? Date.parse(page.items[0].registeredAt.slice(0, 10)) : Date.now();
    const window = Array.from({ length: 14 }, (_, i) => new Date(newest - (13 - i) * 86_400_000).toISOString().slice(0, 10));
    replace(main, title, asOf(),
      kid ? h('p', null, link(route, '« all keys of this issuer')) : null,
      h('div', { class: 'grid2' },
        section('Keys', h('div', { class: 'table-wrap' }, h('table', null,
          h('thead', null, h('tr', null, ['Key', 'Claims', 'First', 'Last'].map((t) => h('th', { scope: 'col' }, t)))),
          h('tbody', null, [...keys].map(([k, v]) => h('tr', null, h('td', { class: 'nowrap' }, link(`${route}?kid=${enc(k)}`, shortHex(k, 8))), h('td', null, String(v.n)), h('td', null, fmtTime(v.first)), h('td', null, fmtTime(v.last)))))))),
        section('Over time (this page)', page.items.length ? registrationsChart({ bucket: 'day', treeSize: NaN, from: `${window[0]}T00:00:00.000Z`, counts: window.map((d) => ({ start: `${d}T00:00:00.000Z`, count: days.get(d) ?? 0 })) }) : h('p', null, 'No claims.'))),
      section('Claims', claimsTable(page.items, ['index', 'entry', 'subject', 'kid', 'type', 'time', 'state', 'receipt']), pager(route, params, page)));
  } catch (e) {
    replace(main, title, errorBox(e));
  }
}
