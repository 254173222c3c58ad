/** An issuer: its claims by key and over time, newest first, receipts verified in the browser. */
import { claimsQuery, getJson, type ClaimsPage } from '../api.js';
import { enc, h, link, replace, shortHex } from '../dom.js';
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
    // claims of this page per day: the issuer's activity over time
    const days = new Map<string, number>();
    for (const c of page.items) days.set(c.registeredAt.slice(0, 10), (days.get(c.registeredAt.slice(0, 10)) ?? 0) + 1);
    const sorted = [...days].sort();
    replace(main, title, asOf(),
      kid ? h('p', null, link(route, '« all keys of this issuer')) : null,
      h('div', { class: 'grid2' },
        section('Keys', h('div', { class: 'table-wrap' }, h('table', null,
          h('thead', null, h('tr', null, ['Key', 'Claims', 'First', 'Last'].map((t) => h('th', { scope: 'col' }, t)))),
          h('tbody', null, [...keys].map(([k, v]) => h('tr', null, h('td', null, link(`${route}?kid=${enc(k)}`, shortHex(k, 8))), h('td', null, String(v.n)), h('td', null, v.first.slice(0, 19) + 'Z'), h('td', null, v.last.slice(0, 19) + 'Z'))))))),
        section('Over time', sorted.length ? registrationsChart({ bucket: 'day', treeSize: NaN, from: sorted[0]![0], counts: sorted.map(([d, n]) => ({ start: `${d}T00:00:00.000Z`, count: n })) }) : h('p', null, 'No claims.'))),
      section('Claims', claimsTable(page.items, ['index', 'entry', 'subject', 'kid', 'type', 'time', 'state', 'receipt']), pager(route, params, page)));
  } catch (e) {
    replace(main, title, errorBox(e));
  }
}
