/**
 * Search, one box: an entry id, a subject (OCI reference or bare digest), an issuer, or an OCI
 * repository. The component purl and CVE fields are shown disabled: the component index that
 * answers them comes with "Claims with content" (docs/explorer.md).
 */
import { ApiError, claimsQuery, getJson, type ClaimsPage, type EntryStatus } from '../api.js';
import { enc, h, link, replace } from '../dom.js';
import { claimsTable, errorBox, loading, type Column } from './common.js';

const HEX64 = /^[0-9a-f]{64}$/;
const DIGEST = /^sha256:[0-9a-f]{64}$/;
const LIMIT = 20;

export function searchForm(q = ''): HTMLElement {
  const input = h('input', { type: 'search', id: 'q', name: 'q', value: q, placeholder: 'entry id, sha256:… digest, registry/repo@sha256:…, or issuer', autocomplete: 'off', spellcheck: 'false', required: true });
  const go = (ev: Event): void => {
    ev.preventDefault();
    const v = input.value.trim();
    if (v) location.hash = `#/search?q=${enc(v)}`;
  };
  return h('form', { class: 'search', role: 'search', onsubmit: go },
    h('label', { for: 'q' }, 'Search the log'),
    h('div', { class: 'search-row' }, input, h('button', { type: 'submit' }, 'Search')),
    h('div', { class: 'later' },
      h('div', null, h('label', { for: 'purl' }, 'Component (purl)'), h('input', { id: 'purl', type: 'text', disabled: true, placeholder: 'pkg:npm/lodash@4.17.21', 'aria-describedby': 'later-note' })),
      h('div', null, h('label', { for: 'cve' }, 'Vulnerability (CVE id)'), h('input', { id: 'cve', type: 'text', disabled: true, placeholder: 'CVE-2024-…', 'aria-describedby': 'later-note' })),
      h('p', { id: 'later-note', class: 'muted' }, 'Component and CVE search need the component index (SBOM and VEX contents), which is not built yet.')));
}

async function claims(params: Record<string, string>): Promise<ClaimsPage | null> {
  try {
    return await getJson<ClaimsPage>(claimsQuery({ ...params, limit: String(LIMIT) }));
  } catch (e) {
    if (e instanceof ApiError && e.status === 400) return null; // not a valid value for this filter
    throw e;
  }
}

function group(title: string, open: HTMLElement | null, page: ClaimsPage, testid: string, columns: Column[]): HTMLElement {
  return h('section', { class: 'card', 'data-testid': testid },
    h('h2', { class: 'wrap' }, title), open,
    claimsTable(page.items, columns),
    page.next ? h('p', { class: 'muted' }, `First ${LIMIT} shown.`) : null);
}

export async function searchView(main: HTMLElement, q: string): Promise<void> {
  const form = searchForm(q);
  replace(main, h('h1', null, 'Search'), form, q ? loading('Searching') : null);
  if (!q) {
    form.querySelector('input')?.focus();
    return;
  }
  const results: HTMLElement[] = [];
  try {
    if (HEX64.test(q)) {
      try {
        const st = await getJson<EntryStatus>(`/entries/${q}/status`);
        results.push(h('section', { class: 'card', 'data-testid': 'result-entry' }, h('h2', null, 'Entry'),
          h('p', null, link(`/entry/${q}`, `Entry ${st.index}`), ` — ${st.sub}, by ${st.iss}`)));
      } catch (e) {
        if (!(e instanceof ApiError && e.status === 404)) throw e;
      }
    }
    const subject = HEX64.test(q) ? `sha256:${q}` : q;
    const bySubject = await claims({ subject });
    if (bySubject?.items.length) {
      results.push(group(`Collection ${subject}`, h('p', null, link(`/collection/${enc(subject)}`, 'Open the collection »')), bySubject, 'result-subject', ['index', 'entry', 'issuer', 'type', 'time', 'state', 'receipt']));
    }
    if (!HEX64.test(q) && !DIGEST.test(q)) {
      const byIssuer = await claims({ issuer: q });
      if (byIssuer?.items.length) results.push(group(`Issuer ${q}`, h('p', null, link(`/issuer/${enc(q)}`, 'Open the issuer »')), byIssuer, 'result-issuer', ['index', 'entry', 'subject', 'type', 'time', 'state', 'receipt']));
      if (!q.includes('@') && q.includes('/')) {
        const byRepo = await claims({ repository: q });
        if (byRepo?.items.length) results.push(group(`Repository ${q}`, null, byRepo, 'result-repository', ['index', 'entry', 'subject', 'issuer', 'type', 'time', 'state', 'receipt']));
      }
    }
  } catch (e) {
    results.push(errorBox(e));
  }
  replace(main, h('h1', null, 'Search'), searchForm(q),
    results.length ? results : h('p', { class: 'empty', 'data-testid': 'no-results' }, `No entry, collection, issuer or repository matches “${q}”.`));
}
