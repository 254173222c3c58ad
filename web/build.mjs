#!/usr/bin/env node
// Builds the explorer (web/src → dist/web/explorer): one esbuild bundle for the browser, the
// static files beside it, and a size budget check. Run by `npm run build`; `--watch` rebuilds.
//
// The pure libraries (libs/cose, libs/merkle, libs/receipt) are bundled from their sources. The
// three modules that use node:crypto (the node signature backend, the node Merkle hasher,
// certificate key import) are replaced by shims that throw: the explorer passes the @noble
// backends explicitly, and esbuild (platform "browser") refuses any other node: import.
import { build, context } from 'esbuild';
import { copyFileSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { gzipSync } from 'node:zlib';

const web = dirname(new URL(import.meta.url).pathname);
const out = join(web, '..', 'dist', 'web', 'explorer');
/** The budget (docs/explorer.md): everything the page loads, gzipped. */
export const BUDGET_GZIP_BYTES = 300 * 1024;

const NODE_ONLY = /(^|\/)(node\.backend|node\.hasher|x509\.keys)\.js$/;
const nodeOnlyShims = {
  name: 'node-only-shims',
  setup(b) {
    b.onResolve({ filter: NODE_ONLY }, (args) => {
      if (!args.importer.includes('/libs/')) return undefined;
      const name = NODE_ONLY.exec(args.path)[2];
      return { path: join(web, 'src', 'shims', `${name}.browser.ts`) };
    });
  },
};

const options = {
  entryPoints: [join(web, 'src', 'main.ts')],
  outfile: join(out, 'explorer.js'),
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: ['es2022'],
  minify: true,
  sourcemap: false,
  legalComments: 'eof',
  logLevel: 'warning',
  metafile: true,
  plugins: [nodeOnlyShims],
};

function copyStatic() {
  for (const f of readdirSync(join(web, 'static'))) copyFileSync(join(web, 'static', f), join(out, f));
}

function report(metafile) {
  let total = 0;
  const rows = [];
  for (const f of readdirSync(out)) {
    const bytes = readFileSync(join(out, f));
    const gz = gzipSync(bytes, { level: 9 }).length;
    total += gz;
    rows.push(`${f} ${(bytes.length / 1024).toFixed(1)} KiB (${(gz / 1024).toFixed(1)} KiB gzipped)`);
  }
  const js = readFileSync(join(out, 'explorer.js'), 'utf8');
  if (/\bfrom\s*["']node:|require\(["']node:|import\(["']node:/.test(js)) throw new Error('the explorer bundle imports a node: module');
  const summary = { files: rows, totalGzipBytes: total, budgetGzipBytes: BUDGET_GZIP_BYTES, inputs: Object.keys(metafile.inputs).length };
  writeFileSync(join(web, '..', 'dist', 'web', 'explorer-size.json'), JSON.stringify(summary, null, 2) + '\n');
  console.log(`explorer: ${rows.join(', ')}; total ${(total / 1024).toFixed(1)} KiB gzipped (budget ${BUDGET_GZIP_BYTES / 1024} KiB)`);
  if (total > BUDGET_GZIP_BYTES) throw new Error(`the explorer is over its size budget: ${total} > ${BUDGET_GZIP_BYTES} bytes gzipped`);
}

rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
if (process.argv.includes('--watch')) {
  const ctx = await context({ ...options, plugins: [...options.plugins, { name: 'static', setup: (b) => b.onEnd(() => copyStatic()) }] });
  await ctx.watch();
  console.log(`explorer: watching web/ → ${out}`);
} else {
  const result = await build(options);
  copyStatic();
  report(result.metafile);
}
