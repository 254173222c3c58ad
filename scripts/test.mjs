#!/usr/bin/env node
// Runs the compiled test files (dist/**/*.spec.js) with Node's built-in test runner.
// Usage: node scripts/test.mjs [--unit] [path-substring ...]
// Prints Node's spec report, then one line CI can read: "N passed, N failed, N skipped".
import { spawn } from 'node:child_process';
import { readdirSync, statSync, existsSync } from 'node:fs';
import { join, relative } from 'node:path';
import { availableParallelism, tmpdir } from 'node:os';

const args = process.argv.slice(2);
const unitOnly = args.includes('--unit');
const filters = args.filter((a) => !a.startsWith('--'));
const root = new URL('..', import.meta.url).pathname;
const dist = join(root, 'dist');

function walk(dir, out) {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules') continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (name.endsWith('.spec.js')) out.push(p);
  }
  return out;
}

if (!existsSync(dist)) {
  console.error('dist/ is missing: run `npm run build` first (npm test does it for you).');
  process.exit(2);
}
let files = walk(dist, []).sort();
if (unitOnly) files = files.filter((f) => f.endsWith('.unit.spec.js'));
if (filters.length) files = files.filter((f) => filters.some((s) => relative(root, f).includes(s.replace(/\.ts$/, ''))));
if (files.length === 0) {
  console.error('no test files matched');
  console.log('0 passed, 1 failed, 0 skipped');
  process.exit(1);
}

const summaryFile = join(tmpdir(), `scitt-test-summary-${process.pid}.json`);
const concurrency = process.env.TEST_CONCURRENCY ?? String(Math.max(2, availableParallelism()));
const child = spawn(
  process.execPath,
  [
    '--enable-source-maps',
    '--test',
    `--test-concurrency=${concurrency}`,
    '--test-reporter=spec',
    '--test-reporter-destination=stdout',
    `--test-reporter=${join(root, 'scripts/summary-reporter.mjs')}`,
    `--test-reporter-destination=${summaryFile}`,
    ...files,
  ],
  { stdio: 'inherit', cwd: root },
);
child.on('exit', async (code, signal) => {
  const { readFileSync } = await import('node:fs');
  let s = { passed: 0, failed: 0, skipped: 0 };
  try {
    s = JSON.parse(readFileSync(summaryFile, 'utf8'));
  } catch {
    // The reporter did not finish (runner crashed): count that as a failure below.
  }
  if ((code !== 0 || signal) && s.failed === 0) s.failed = 1;
  console.log(`\n${s.passed} passed, ${s.failed} failed, ${s.skipped} skipped`);
  process.exit(s.failed > 0 ? 1 : 0);
});
