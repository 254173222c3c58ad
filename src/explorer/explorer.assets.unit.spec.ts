import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { DEFAULT_EXPLORER_DIR, EXPLORER_CSP, loadExplorerAssets } from './explorer.assets.js';

/** The explorer's size budget (docs/explorer.md): everything the page loads, gzipped. */
const BUDGET_GZIP_BYTES = 300 * 1024;

describe('explorer assets', () => {
  it('loads known file types by name with their content type and a strong ETag; skips the rest', () => {
    const dir = mkdtempSync(join(tmpdir(), 'explorer-assets-'));
    try {
      writeFileSync(join(dir, 'index.html'), '<!doctype html>');
      writeFileSync(join(dir, 'app.js'), 'export {}');
      writeFileSync(join(dir, 'app.css'), 'body{}');
      writeFileSync(join(dir, 'notes.md'), '# not served');
      mkdirSync(join(dir, 'sub.js'));
      const assets = loadExplorerAssets(dir)!;
      assert.deepEqual([...assets.keys()].sort(), ['app.css', 'app.js', 'index.html']);
      assert.equal(assets.get('index.html')!.contentType, 'text/html; charset=utf-8');
      assert.equal(assets.get('app.js')!.contentType, 'text/javascript; charset=utf-8');
      assert.equal(assets.get('app.css')!.contentType, 'text/css; charset=utf-8');
      assert.match(assets.get('app.js')!.etag, /^"[A-Za-z0-9_-]{27}"$/);
      assert.notEqual(assets.get('app.js')!.etag, assets.get('app.css')!.etag);
      rmSync(join(dir, 'index.html'));
      assert.equal(loadExplorerAssets(dir), null, 'not built: no index.html');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('the CSP allows this origin only and nothing inline', () => {
    assert.match(EXPLORER_CSP, /default-src 'none'/);
    for (const d of EXPLORER_CSP.split('; ')) {
      assert.doesNotMatch(d, /https?:|\*|'unsafe-inline'|'unsafe-eval'|data:|blob:/, d);
    }
  });

  it(`the built bundle stays under its budget (${BUDGET_GZIP_BYTES / 1024} KiB gzipped), imports no node: module and names no remote URL to load`, () => {
    const files = readdirSync(DEFAULT_EXPLORER_DIR);
    assert.ok(files.includes('index.html') && files.includes('explorer.js'), 'run `npm run build` first');
    let total = 0;
    for (const f of files) total += gzipSync(readFileSync(join(DEFAULT_EXPLORER_DIR, f)), { level: 9 }).length;
    assert.ok(total <= BUDGET_GZIP_BYTES, `${total} bytes gzipped > ${BUDGET_GZIP_BYTES}`);
    const js = readFileSync(join(DEFAULT_EXPLORER_DIR, 'explorer.js'), 'utf8');
    assert.doesNotMatch(js, /node:crypto|from\s*["']node:|import\(["']node:|require\(/);
    const html = readFileSync(join(DEFAULT_EXPLORER_DIR, 'index.html'), 'utf8');
    for (const m of html.matchAll(/(?:src|href)="([^"]+)"/g)) assert.doesNotMatch(m[1]!, /^(https?:)?\/\//, `index.html loads ${m[1]}`);
  });
});
