/** Pieces every view uses: verification badges, claim tables, pagination, "as of tree size N". */
import { getJson, type CheckpointJson, type Claim, type ClaimsPage, type EntryStatus } from '../api.js';
import { ago, enc, h, link, replace, shortHex } from '../dom.js';
import { verifiedCheckpoint, verifyClaim, type Check } from '../trust.js';
import { toHex } from '../../../libs/cose/src/index.js';

export const messageOf = (e: unknown): string => (e instanceof Error ? e.message : String(e));

export function errorBox(e: unknown): HTMLElement {
  return h('div', { class: 'error', role: 'alert' }, h('strong', null, 'Error: '), messageOf(e));
}

export function loading(what = 'Loading'): HTMLElement {
  return h('p', { class: 'muted', 'aria-live': 'polite' }, `${what}…`);
}

/** ✓ verified / ✗ verification failed / … verifying: never green until checked. */
export function badge(state: 'pending' | 'ok' | 'fail', text?: string): HTMLElement {
  const label = text ?? (state === 'ok' ? 'verified' : state === 'fail' ? 'verification failed' : 'verifying…');
  const icon = state === 'ok' ? '✓ ' : state === 'fail' ? '✗ ' : '';
  return h('span', { class: `badge ${state}`, 'data-verify': state }, icon + label);
}

/** A badge that verifies a listed claim's receipt in the browser. */
export function claimBadge(entryId: string): HTMLElement {
  const holder = h('span', { class: 'verify-cell' }, badge('pending'));
  void verifyClaim(entryId).then((v) => {
    const reason = v.checks.find((c) => !c.ok)?.detail;
    const b = badge(v.ok ? 'ok' : 'fail');
    if (reason) b.title = reason;
    replace(holder, b);
  });
  return holder;
}

/** `registry/repo@sha256:3f9a3f9a…3f9a` for a long digest reference (the full one as the link title). */
export function shortSubject(sub: string): string {
  const m = /^(.*?)(sha256:)([0-9a-f]{64})$/.exec(sub);
  return m ? `${m[1]}${m[2]}${m[3]!.slice(0, 8)}…${m[3]!.slice(-4)}` : sub;
}

/** current / superseded / revoked, with what superseded or revoked it. */
export function claimState(c: Pick<Claim, 'revoked' | 'revocation' | 'supersededBy'>): HTMLElement {
  if (c.revoked) {
    const r = c.revocation;
    return h('span', { class: 'state revoked', 'data-state': 'revoked' }, 'revoked', r && [' by ', link(`/entry/${r.byEntryId}`, shortHex(r.byEntryId, 6)), r.reason ? ` (${r.reason})` : '']);
  }
  if (c.supersededBy) return h('span', { class: 'state superseded', 'data-state': 'superseded' }, 'superseded by ', link(`/entry/${c.supersededBy}`, shortHex(c.supersededBy, 6)));
  return h('span', { class: 'state current', 'data-state': 'current' }, 'current');
}

/** The OCI referrer publication of an entry (from its status): state and registry target. */
export function publicationCell(entryId: string): HTMLElement {
  const el = h('span', { class: 'muted' }, '…');
  void getJson<EntryStatus>(`/entries/${entryId}/status`).then(
    (st) => {
      const p = st.publication;
      if (!p) replace(el, h('span', { class: 'muted', title: 'not an OCI collection, publisher disabled, or not reached yet' }, '—'));
      else replace(el, h('span', { class: `pub ${p.state}`, title: p.lastError ?? '' }, p.state, p.target ? ` → ${p.target}` : ''));
    },
    (e) => replace(el, h('span', { class: 'muted', title: messageOf(e) }, '?')),
  );
  return el;
}

export type Column = 'index' | 'entry' | 'issuer' | 'subject' | 'kid' | 'type' | 'time' | 'state' | 'publication' | 'receipt';

/** A table of claims; each row verifies its receipt. */
export function claimsTable(items: readonly Claim[], columns: readonly Column[], caption?: string): HTMLElement {
  const head: Record<Column, string> = { index: '#', entry: 'Entry', issuer: 'Issuer', subject: 'Subject', kid: 'Key', type: 'Content type', time: 'Registered', state: 'Status', publication: 'OCI referrer', receipt: 'Receipt' };
  const cell = (c: Claim, col: Column): Node | string => {
    switch (col) {
      case 'index': return String(c.index);
      case 'entry': return link(`/entry/${c.entryId}`, shortHex(c.entryId, 6));
      case 'issuer': return link(`/issuer/${enc(c.iss)}`, c.iss);
      case 'subject': return h('a', { href: `#/collection/${enc(c.sub)}`, title: c.sub }, shortSubject(c.sub));
      case 'kid': return link(`/issuer/${enc(c.iss)}?kid=${enc(c.kid)}`, shortHex(c.kid, 6));
      case 'type': return h('code', null, c.contentType);
      case 'time': return h('time', { datetime: c.registeredAt, title: c.registeredAt }, ago(c.registeredAt));
      case 'state': return claimState(c);
      case 'publication': return publicationCell(c.entryId);
      case 'receipt': return claimBadge(c.entryId);
    }
  };
  return h('div', { class: 'table-wrap' },
    h('table', { class: 'claims' },
      caption ? h('caption', null, caption) : null,
      h('colgroup', null, columns.map((c) => h('col', { class: `col-${c}` }))),
      h('thead', null, h('tr', null, columns.map((c) => h('th', { scope: 'col' }, head[c])))),
      h('tbody', null, items.map((c) => h('tr', { 'data-entry': c.entryId }, columns.map((col) => h('td', { 'data-col': col }, cell(c, col))))))));
}

/** "as of tree size N": the latest checkpoint, its signature verified in the browser. */
export function asOf(): HTMLElement {
  const el = h('p', { class: 'as-of', 'data-testid': 'as-of' }, 'as of tree size …');
  void (async () => {
    try {
      const json = await getJson<CheckpointJson>('/checkpoints/latest');
      const cp = await verifiedCheckpoint(json.treeSize);
      const same = toHex(cp.root) === json.root;
      replace(el, 'as of tree size ', h('strong', { 'data-tree-size': json.treeSize }, String(json.treeSize)), ` (checkpoint signed ${ago(json.signedAt)}, `,
        same ? badge('ok', 'signature verified') : badge('fail', 'checkpoint root differs'), ')');
    } catch (e) {
      replace(el, 'as of tree size ? ', badge('fail', `checkpoint not verified: ${messageOf(e)}`));
    }
  })();
  return el;
}

/** The "Next page" link for a cursor (the route gets `cursor=`); "First page" when paging. */
export function pager(route: string, params: URLSearchParams, page: ClaimsPage): HTMLElement {
  const next = new URLSearchParams(params);
  const first = new URLSearchParams(params);
  first.delete('cursor');
  const onFirst = !params.has('cursor');
  if (page.next) next.set('cursor', page.next);
  return h('nav', { class: 'pager', 'aria-label': 'Pages' },
    onFirst ? null : link(`${route}${first.size ? `?${first}` : ''}`, '« First page'),
    page.next ? link(`${route}?${next}`, 'Next page »') : h('span', { class: 'muted' }, 'End of list'));
}

export function checksList(checks: readonly Check[]): HTMLElement {
  return h('ul', { class: 'checks' }, checks.map((c) => h('li', { class: c.skipped ? 'skip' : c.ok ? 'ok' : 'fail' }, h('span', { class: 'mark', 'aria-hidden': 'true' }, c.skipped ? '–' : c.ok ? '✓' : '✗'),
    h('strong', null, c.label, ': '), h('span', { class: 'detail' }, c.detail))));
}

export function section(title: string, ...children: (Node | string | null)[]): HTMLElement {
  return h('section', { class: 'card' }, h('h2', null, title), ...children);
}
