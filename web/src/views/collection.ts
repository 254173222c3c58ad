/**
 * A collection (a subject): its claims grouped by kind (content type), each current, superseded
 * or revoked and by what; the issuers; the references it was seen under; the OCI referrer
 * publication per claim; every receipt verified in the browser. Pages follow the API's cursor.
 */
import { claimsQuery, getJson, type Claim, type ClaimsPage } from '../api.js';
import { enc, h, link, replace } from '../dom.js';
import { asOf, claimsTable, errorBox, loading, pager, section } from './common.js';

const PAGE = 50;

function counts<T>(items: readonly T[], key: (t: T) => string): [string, number][] {
  const m = new Map<string, number>();
  for (const i of items) m.set(key(i), (m.get(key(i)) ?? 0) + 1);
  return [...m].sort((a, b) => b[1] - a[1]);
}

const stateOf = (c: Claim): string => (c.revoked ? 'revoked' : c.supersededBy ? 'superseded' : 'current');

export async function collectionView(main: HTMLElement, subject: string, params: URLSearchParams): Promise<void> {
  const title = h('h1', null, 'Collection ', h('code', { class: 'subject' }, subject));
  replace(main, title, loading());
  try {
    const page = await getJson<ClaimsPage>(claimsQuery({ subject, limit: String(PAGE), cursor: params.get('cursor') ?? undefined }));
    const route = `/collection/${enc(subject)}`;
    if (page.items.length === 0) {
      replace(main, title, asOf(), h('p', { class: 'empty' }, 'No claims about this subject.'));
      return;
    }
    const states = counts(page.items, stateOf);
    const kinds = counts(page.items, (c) => c.contentType);
    replace(main, title, asOf(),
      h('div', { class: 'stats' }, states.map(([s, n]) => h('div', { class: `stat ${s}`, 'data-stat': s }, h('div', { class: 'stat-value' }, String(n)), h('div', { class: 'stat-label' }, s)))),
      h('div', { class: 'grid2' },
        section('Issuers', h('ul', { class: 'plain' }, counts(page.items, (c) => c.iss).map(([iss, n]) => h('li', null, link(`/issuer/${enc(iss)}`, iss), h('span', { class: 'count' }, String(n)))))),
        section('Seen under', h('ul', { class: 'plain' }, counts(page.items, (c) => c.sub).map(([sub, n]) => h('li', null, h('code', null, sub), h('span', { class: 'count' }, String(n))))))),
      kinds.map(([kind]) => h('section', { class: 'card', 'data-kind': kind },
        h('h2', null, 'Kind ', h('code', null, kind)),
        claimsTable(page.items.filter((c) => c.contentType === kind), ['index', 'entry', 'issuer', 'time', 'state', 'publication', 'receipt']))),
      pager(route, params, page));
  } catch (e) {
    replace(main, title, errorBox(e));
  }
}
