/**
 * The explorer in a real browser (Debian's Chromium via playwright-core) against the real service
 * with real registrations: search, collection after a revocation, entry verified in the browser,
 * a receipt with one byte flipped in transit (Playwright route interception, not a service flag)
 * shown as a failure, and a consistency check between two checkpoints. No request leaves the
 * service's origin.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { chromiumPath, launchChromium, type TestBrowser } from '../support/browser.js';
import { needExternal } from '../support/external.js';
import { BARE_DIGEST, startExplorerLedger, type ExplorerData } from '../support/explorer-data.js';

const skip = needExternal('chromium', chromiumPath() !== undefined, 'install it with `apt-get install chromium` (or set CHROMIUM)');
const TIMEOUT = 60_000;
/** Screenshots of what each test saw (test artifacts): EXPLORER_ARTIFACTS, else a temp directory. */
const ARTIFACTS = process.env.EXPLORER_ARTIFACTS ?? join(tmpdir(), 'scitt-explorer-artifacts');

describe('explorer in Chromium', { skip, timeout: 240_000 }, () => {
  let data: ExplorerData;
  let browser: TestBrowser;
  let page: Page;
  const foreign: string[] = [];
  const pageErrors: string[] = [];

  before(async () => {
    data = await startExplorerLedger();
    browser = await launchChromium();
    page = await browser.context.newPage();
    page.setDefaultTimeout(TIMEOUT);
    page.on('request', (r) => {
      if (!r.url().startsWith(data.ledger.url) && !r.url().startsWith('blob:')) foreign.push(r.url());
    });
    page.on('pageerror', (e) => pageErrors.push(e.message));
  });

  after(async () => {
    console.log(`# explorer screenshots (test artifacts): ${ARTIFACTS}`);
    await browser?.close();
    await data?.destroy();
  });

  const shot = async (name: string): Promise<void> => {
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
  };

  const open = async (hash: string): Promise<void> => {
    await page.goto(`${data.ledger.url}/explorer/${hash}`);
    await page.waitForSelector(`body[data-ready]`);
  };

  it('serves the app with its content types and a CSP that forbids remote loads', async () => {
    const html = await fetch(`${data.ledger.url}/explorer/`);
    assert.equal(html.status, 200);
    assert.equal(html.headers.get('content-type'), 'text/html; charset=utf-8');
    const csp = html.headers.get('content-security-policy') ?? '';
    for (const d of ["default-src 'none'", "script-src 'self'", "connect-src 'self'", "style-src 'self'", "frame-ancestors 'none'"]) assert.ok(csp.includes(d), `${d} in ${csp}`);
    assert.equal(html.headers.get('x-content-type-options'), 'nosniff');
    const js = await fetch(`${data.ledger.url}/explorer/explorer.js`);
    assert.equal(js.headers.get('content-type'), 'text/javascript; charset=utf-8');
    const body = await js.text();
    assert.doesNotMatch(body, /node:crypto/, 'no node:crypto in the bundle');
    assert.doesNotMatch(body, /https?:\/\/(?!www\.w3\.org\/2000\/svg)[a-z0-9.-]+\.[a-z]{2,}\/[^"'\s]*\.(js|css|woff2?)/i, 'no remote script, style or font URL');
    const css = await fetch(`${data.ledger.url}/explorer/explorer.css`, { headers: { 'if-none-match': js.headers.get('etag') ?? '' } });
    assert.equal(css.headers.get('content-type'), 'text/css; charset=utf-8');
    const again = await fetch(`${data.ledger.url}/explorer/explorer.js`, { headers: { 'if-none-match': js.headers.get('etag')! } });
    assert.equal(again.status, 304);
    const missing = await fetch(`${data.ledger.url}/explorer/..%2Fpackage.json`);
    assert.equal(missing.status, 404);
    const redirect = await fetch(`${data.ledger.url}/explorer`, { redirect: 'manual' });
    assert.equal(redirect.status, 301);
    assert.equal(redirect.headers.get('location'), '/explorer/');
  });

  it('overview: tree size, a verified latest checkpoint, the pinned key thumbprints and the chart', async () => {
    await open('#/');
    const size = String(data.ledger.sequencer.size);
    await page.waitForSelector(`[data-stat="tree-size"] .stat-value:text-is("${size}")`);
    await page.waitForSelector('[data-testid="as-of"] [data-verify="ok"]');
    assert.equal(await page.textContent('[data-testid="as-of"] strong'), size);
    await page.waitForSelector('svg.chart');
    assert.ok(await page.$$eval('svg.chart rect.bar', (bars) => bars.some((b) => Number(b.getAttribute('height')) > 0)), 'a bar for this hour');
    assert.equal(await page.textContent('[data-stat="revoked"] .stat-value'), '1');
    const thumbprints = await page.textContent('[data-testid="thumbprints"]');
    assert.match(thumbprints ?? '', /RFC 9679 thumbprint/);
    await shot('overview');
  });

  it('search by bare digest finds the claim about it, receipt verified', async () => {
    await open(`#/search?q=${encodeURIComponent(BARE_DIGEST)}`);
    const row = page.locator(`[data-testid="result-subject"] tr[data-entry="${data.ids.bare}"]`);
    await row.locator('[data-verify="ok"]').waitFor();
    await shot('search-digest');
  });

  it('search by reference finds the collection; the keyboard reaches the search box with "/"', async () => {
    await open('#/');
    await page.keyboard.press('/');
    await page.waitForSelector('#q:focus');
    await page.keyboard.type(data.app);
    await page.keyboard.press('Enter');
    await page.waitForSelector('[data-testid="result-subject"]');
    for (const name of ['sbom1', 'sbom2', 'provenance']) {
      await page.locator(`[data-testid="result-subject"] tr[data-entry="${data.ids[name]}"] [data-verify="ok"]`).waitFor();
    }
    assert.equal(await page.locator('#purl').isDisabled(), true, 'the component field waits for the component index');
    assert.equal(await page.locator('#cve').isDisabled(), true);
    await shot('search-reference');
  });

  it('a collection after a revocation shows the claim revoked, by which entry and why', async () => {
    await open(`#/collection/${encodeURIComponent(data.app)}`);
    const revoked = page.locator(`tr[data-entry="${data.ids.scan}"] [data-state="revoked"]`);
    await revoked.waitFor();
    assert.match((await revoked.textContent()) ?? '', /scanner database was stale/);
    await page.locator(`tr[data-entry="${data.ids.sbom1}"] [data-state="superseded"]`).waitFor();
    await page.locator(`tr[data-entry="${data.ids.sbom2}"] [data-state="current"]`).waitFor();
    await page.locator(`tr[data-entry="${data.ids.scan}"] [data-verify="ok"]`).waitFor();
    await page.waitForSelector('[data-testid="as-of"] strong');
    if (data.registry) {
      const pub = page.locator(`tr[data-entry="${data.ids.sbom2}"] .pub`);
      await pub.waitFor();
      assert.equal(await pub.textContent(), `published → ${data.registry.host}/acme/app`);
    }
    await shot('collection-revoked');
  });

  it('an entry verifies in the browser: receipt, inclusion path to the root, header, downloads', async () => {
    await open(`#/entry/${data.ids.web}`);
    const verdict = page.locator('[data-testid="entry-verification"] .verdict-line [data-verify]');
    await verdict.waitFor();
    assert.equal(await verdict.getAttribute('data-verify'), 'ok');
    assert.match((await verdict.textContent()) ?? '', /verified/);
    assert.match((await page.textContent('[data-testid="entry-verification"]')) ?? '', /Issuer signature: verified with the x5chain leaf key/);
    await page.waitForSelector('svg.tree .node.root.ok');
    assert.match((await page.textContent('[data-testid="entry-verification"]')) ?? '', /Inclusion in the latest checkpoint:\s*leaf 2 of 7/);
    assert.match((await page.textContent('ol.certs')) ?? '', /CN=release\.acme\.example/);
    assert.equal(await page.locator('.downloads a[download]').count(), 3);
    await shot('entry-verified');
  });

  it('a receipt with one byte flipped in transit shows "verification failed", never a green tick', async () => {
    const id = data.ids.sbom2!;
    await page.route(`**/entries/${id}`, async (route) => {
      const res = await route.fetch();
      const body = Buffer.from(await res.body());
      body[body.length - 1]! ^= 0x01; // the last byte of the checkpoint signature
      await route.fulfill({ response: res, body });
    });
    try {
      await open(`#/entry/${id}`);
      const verdict = page.locator('[data-testid="entry-verification"] .verdict-line [data-verify]');
      await verdict.waitFor();
      assert.equal(await verdict.getAttribute('data-verify'), 'fail');
      assert.equal((await verdict.textContent())?.trim(), '✗ verification failed');
      assert.match((await page.textContent('[data-testid="entry-verification"] ul.checks li.fail')) ?? '', /Receipt.*signature/s);
      assert.equal(await page.locator('[data-testid="entry-verification"] [data-verify="ok"]').count(), 0);
      await shot('entry-tampered-receipt');
    } finally {
      await page.unroute(`**/entries/${id}`);
    }
  });

  it('checks consistency between two checkpoints in the browser', async () => {
    await open('#/');
    await page.fill('#cons-from', '2');
    await page.fill('#cons-to', String(data.ledger.sequencer.size));
    await page.click('#cons-run');
    const result = page.locator('[data-testid="consistency-result"] .badge');
    await result.waitFor();
    assert.equal(await result.getAttribute('data-verify'), 'ok', (await page.textContent('[data-testid="consistency-result"]')) ?? '');
    assert.match((await result.textContent()) ?? '', new RegExp(`log at ${data.ledger.sequencer.size} extends the log at 2`));
    await shot('consistency');
  });

  it('a consistency proof with one byte flipped in transit fails the check', async () => {
    await page.route('**/proofs/consistency?*', async (route) => {
      const res = await route.fetch();
      const body = Buffer.from(await res.body());
      body[body.length - 40]! ^= 0x80; // inside the checkpoint signature
      await route.fulfill({ response: res, body });
    });
    try {
      await open('#/');
      await page.fill('#cons-from', '3');
      await page.click('#cons-run');
      const result = page.locator('[data-testid="consistency-result"] .badge');
      await result.waitFor();
      assert.equal(await result.getAttribute('data-verify'), 'fail');
      assert.match((await page.textContent('[data-testid="consistency-result"] li.fail')) ?? '', /Consistency 3 → 7/);
    } finally {
      await page.unroute('**/proofs/consistency?*');
    }
  });

  it('GET /log/stats/registrations counts every registration in its bucket and refuses bad parameters', async () => {
    for (const bucket of ['hour', 'day']) {
      const r = (await (await fetch(`${data.ledger.url}/log/stats/registrations?bucket=${bucket}&buckets=3`)).json()) as { bucket: string; treeSize: number; counts: { start: string; count: number }[] };
      assert.equal(r.bucket, bucket);
      assert.equal(r.counts.length, 3);
      assert.equal(r.counts.reduce((a, c) => a + c.count, 0), data.ledger.sequencer.size, 'all registered within the window');
      assert.equal(r.treeSize, data.ledger.sequencer.size);
      const step = bucket === 'hour' ? 3_600_000 : 86_400_000;
      for (const [i, c] of r.counts.entries()) {
        assert.equal(Date.parse(c.start) % step, 0, 'UTC-aligned');
        if (i > 0) assert.equal(Date.parse(c.start) - Date.parse(r.counts[i - 1]!.start), step);
      }
    }
    const def = (await (await fetch(`${data.ledger.url}/log/stats/registrations`)).json()) as { counts: unknown[] };
    assert.equal(def.counts.length, 48);
    for (const q of ['bucket=week', 'buckets=0', 'buckets=367', 'buckets=1.5', 'bucket=hour&bucket=day', 'limit=3']) {
      const res = await fetch(`${data.ledger.url}/log/stats/registrations?${q}`);
      assert.equal(res.status, 400, q);
      assert.equal(res.headers.get('content-type'), 'application/concise-problem-details+cbor');
      await res.arrayBuffer();
    }
  });

  it('loaded nothing from anywhere but the service, and threw no page errors', () => {
    assert.deepEqual(foreign, []);
    assert.deepEqual(pageErrors, []);
  });
});
