/**
 * Regenerates the screenshots in docs/explorer/ (embedded by docs/explorer.md): a real service
 * with the explorer test data, Debian's Chromium, each main view in light and dark, and a phone.
 * Run: `npm run explorer:screenshots` (OUT=dir to write elsewhere, e.g. as test artifacts).
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { launchChromium } from '../support/browser.js';
import { startExplorerLedger } from '../support/explorer-data.js';

const out = process.env.OUT ?? join(process.cwd(), 'docs', 'explorer');
mkdirSync(out, { recursive: true });

const data = await startExplorerLedger();
const shots: { name: string; hash: string; wait: string; theme: 'light' | 'dark'; phone?: boolean; before?: (p: import('playwright-core').Page) => Promise<void>; setup?: (p: import('playwright-core').Page) => Promise<void> }[] = [
  { name: 'overview', hash: '#/', wait: '[data-testid="as-of"] [data-verify="ok"]', theme: 'light' },
  {
    name: 'overview-consistency-dark',
    hash: '#/',
    wait: '[data-testid="as-of"] [data-verify="ok"]',
    theme: 'dark',
    before: async (p) => {
      await p.fill('#cons-from', '2');
      await p.click('#cons-run');
      await p.waitForSelector('[data-testid="consistency-result"] .badge');
    },
  },
  { name: 'search', hash: `#/search?q=${encodeURIComponent(data.app)}`, wait: '[data-testid="result-subject"] [data-verify="ok"]', theme: 'light' },
  { name: 'collection', hash: `#/collection/${encodeURIComponent(data.app)}`, wait: '[data-state="revoked"]', theme: 'light' },
  { name: 'entry', hash: `#/entry/${data.ids.web}`, wait: 'svg.tree .node.root', theme: 'light' },
  {
    // a receipt with one byte flipped in transit (as the browser test does)
    name: 'entry-tampered',
    hash: `#/entry/${data.ids.provenance}`,
    wait: '[data-testid="entry-verification"] [data-verify="fail"]',
    theme: 'light',
    setup: async (p) => {
      await p.route(`**/entries/${data.ids.provenance}`, async (route) => {
        const res = await route.fetch();
        const body = Buffer.from(await res.body());
        body[body.length - 1]! ^= 0x01;
        await route.fulfill({ response: res, body });
      });
    },
  },
  { name: 'entry-dark', hash: `#/entry/${data.ids.sbom2}`, wait: 'svg.tree .node.root', theme: 'dark' },
  { name: 'issuer', hash: `#/issuer/${encodeURIComponent(data.issuers.alice.iss)}`, wait: '[data-verify="ok"]', theme: 'light' },
  { name: 'phone-entry', hash: `#/entry/${data.ids.sbom1}`, wait: 'svg.tree .node.root', theme: 'light', phone: true },
];
try {
  for (const shot of shots) {
    const browser = await launchChromium({ viewport: shot.phone ? { width: 390, height: 844 } : { width: 1280, height: 900 }, colorScheme: shot.theme, deviceScaleFactor: shot.phone ? 2 : 1 });
    try {
      const page = await browser.context.newPage();
      await shot.setup?.(page);
      await page.goto(`${data.ledger.url}/explorer/${shot.hash}`);
      await page.waitForSelector(shot.wait, { timeout: 60_000 });
      await page.waitForFunction('document.querySelectorAll(\'[data-verify="pending"]\').length === 0', null, { timeout: 60_000 });
      await shot.before?.(page);
      const file = join(out, `${shot.name}.png`);
      await page.screenshot({ path: file, fullPage: !shot.phone, animations: 'disabled' });
      console.log(`wrote ${file}`);
    } finally {
      await browser.close();
    }
  }
} finally {
  await data.destroy();
}
