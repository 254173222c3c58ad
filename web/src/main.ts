/**
 * The explorer: a hash-routed single page (no server routes beyond the static files). Every view
 * verifies what it shows in this browser against the service keys pinned for the session.
 */
import { h, replace, shortHex } from './dom.js';
import { serviceKeys, unpinKeys } from './trust.js';
import { collectionView } from './views/collection.js';
import { entryView } from './views/entry.js';
import { issuerView } from './views/issuer.js';
import { overviewView } from './views/overview.js';
import { searchView } from './views/search.js';
import { errorBox } from './views/common.js';

const THEME_KEY = 'scitt-explorer.theme';

function applyTheme(theme: string | null): void {
  if (theme === 'light' || theme === 'dark') document.documentElement.dataset.theme = theme;
  else delete document.documentElement.dataset.theme;
}

function themeButton(): HTMLElement {
  const label = (): string => {
    const t = document.documentElement.dataset.theme;
    return t === 'dark' ? 'Theme: dark' : t === 'light' ? 'Theme: light' : 'Theme: system';
  };
  const b = h('button', { type: 'button', class: 'toggle', id: 'theme' }, label());
  b.addEventListener('click', () => {
    const order = [undefined, 'light', 'dark'];
    const next = order[(order.indexOf(document.documentElement.dataset.theme) + 1) % order.length];
    if (next) localStorage.setItem(THEME_KEY, next);
    else localStorage.removeItem(THEME_KEY);
    applyTheme(next ?? null);
    b.textContent = label();
  });
  return b;
}

function header(): HTMLElement {
  return h('header', { class: 'top' },
    h('a', { class: 'brand', href: '#/' }, h('span', { class: 'logo', 'aria-hidden': 'true' }, '◆'), ' scitt-ledger ', h('span', { class: 'muted' }, 'explorer')),
    h('nav', { 'aria-label': 'Main' }, h('a', { href: '#/', 'data-nav': 'overview' }, 'Overview'), h('a', { href: '#/search', 'data-nav': 'search' }, 'Search')),
    themeButton());
}

async function keysFooter(footer: HTMLElement): Promise<void> {
  try {
    const k = await serviceKeys();
    replace(footer,
      h('p', null, h('strong', null, 'Service keys pinned for this session'), ` (since ${k.pinnedAt.slice(0, 19)}Z). Every receipt and checkpoint on these pages is verified in this browser with them (@noble/curves, @noble/hashes).`),
      h('ul', { class: 'thumbprints', 'data-testid': 'thumbprints' }, k.thumbprints.map((t) => h('li', null, 'RFC 9679 thumbprint ', shortHex(t, 12)))),
      h('button', { type: 'button', class: 'linkish', onclick: () => { unpinKeys(); location.reload(); } }, 'Re-fetch and re-pin the keys'));
  } catch (e) {
    replace(footer, errorBox(e));
  }
}

async function route(main: HTMLElement): Promise<void> {
  const raw = location.hash.replace(/^#/, '') || '/';
  const [path = '/', query = ''] = raw.split('?', 2) as [string, string?];
  const params = new URLSearchParams(query);
  const [, view = '', arg = ''] = path.split('/');
  const value = decodeURIComponent(arg);
  for (const a of document.querySelectorAll<HTMLAnchorElement>('nav a[data-nav]')) {
    if (a.dataset.nav === (view || 'overview')) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  switch (view) {
    case '': return overviewView(main);
    case 'search': return searchView(main, params.get('q') ?? '');
    case 'entry': return entryView(main, value);
    case 'collection': return collectionView(main, value, params);
    case 'issuer': return issuerView(main, value, params);
    default: replace(main, h('h1', null, 'Not found'), h('p', null, `No view “${view}”. `, h('a', { href: '#/' }, 'Back to the overview')));
  }
}

function start(): void {
  applyTheme(localStorage.getItem(THEME_KEY));
  const main = h('main', { id: 'main', tabindex: -1 });
  const footer = h('footer', { class: 'keys', id: 'keys' });
  document.body.replaceChildren(h('a', { class: 'skip', href: '#main', onclick: (e: Event) => { e.preventDefault(); main.focus(); } }, 'Skip to content'), header(), main, footer);
  let rendering = Promise.resolve();
  const go = (): void => {
    rendering = rendering.then(() => route(main)).catch((e: unknown) => replace(main, errorBox(e))).then(() => {
      document.body.dataset.ready = location.hash || '#/';
    });
  };
  window.addEventListener('hashchange', () => {
    delete document.body.dataset.ready;
    go();
    main.focus({ preventScroll: true });
  });
  document.addEventListener('keydown', (e) => {
    const t = e.target as HTMLElement;
    if (e.key === '/' && !['INPUT', 'TEXTAREA'].includes(t.tagName)) {
      e.preventDefault();
      const q = document.getElementById('q');
      if (q) q.focus();
      else location.hash = '#/search';
    }
  });
  void keysFooter(footer);
  go();
}

start();
