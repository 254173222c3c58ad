#!/usr/bin/env node
// Runs the compiled test files (dist/**/*.spec.js) with Node's built-in test runner.
// Usage: node scripts/test.mjs [--unit] [path-substring ...]
// Prints one line per test file and each failure in full (the whole spec report goes to
// test-results/report.txt), then one line CI can read: "N passed, N failed, N skipped".
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, statSync, existsSync, mkdirSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
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
// A hung test or a file whose process never exits must fail the run, not stall CI: the runner kills
// a file (and fails a test) that runs longer than this. The longest file takes ~75 s on 2 cores.
const timeoutMs = Number(process.env.TEST_TIMEOUT_MS ?? 300_000);
// And the whole run ends by this deadline whatever happens (npm test takes ~10 min on 2 cores).
const runDeadlineMs = Number(process.env.TEST_RUN_DEADLINE_MS ?? 60 * 60_000);
// The console gets one line per file and every failure in full (scripts/compact-reporter.mjs); the
// whole spec report goes to test-results/report.txt. TEST_REPORT=spec prints the spec report instead.
const reportFile = join(root, 'test-results', 'report.txt');
const fullSpec = process.env.TEST_REPORT === 'spec';
if (!fullSpec) mkdirSync(dirname(reportFile), { recursive: true });
const consoleReporters = fullSpec
  ? ['--test-reporter=spec', '--test-reporter-destination=stdout']
  : [`--test-reporter=${join(root, 'scripts/compact-reporter.mjs')}`, '--test-reporter-destination=stdout', '--test-reporter=spec', `--test-reporter-destination=${reportFile}`];
// The count CI reads, saved to TEST_SUMMARY_FILE: the compact reporter keeps it, or beside the spec
// report a reporter that only counts (it prints nothing).
const summaryReporters = fullSpec ? [`--test-reporter=${join(root, 'scripts/summary-reporter.mjs')}`, '--test-reporter-destination=stdout'] : [];
const child = spawn(
  process.execPath,
  [
    '--enable-source-maps',
    '--test',
    `--test-concurrency=${concurrency}`,
    `--test-timeout=${timeoutMs}`,
    ...consoleReporters,
    ...summaryReporters,
    ...files,
  ],
  // Its own process group, so that stopping it stops every process it started (test files, and
  // the registries, brokers and services they run), and none is left holding CI's output open.
  { stdio: 'inherit', cwd: root, detached: true, env: { ...process.env, TEST_SUMMARY_FILE: summaryFile } },
);
const stopAll = (sig) => {
  try {
    process.kill(-child.pid, sig);
  } catch {
    // already gone
  }
};
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(sig, () => stopAll(sig));
let pastDeadline = false;
const deadline = setTimeout(() => {
  pastDeadline = true;
  console.error(`\nthe test run passed its deadline (${runDeadlineMs / 60_000} min, TEST_RUN_DEADLINE_MS): stopping it`);
  stopAll('SIGTERM');
  setTimeout(() => stopAll('SIGKILL'), 10_000).unref();
}, runDeadlineMs);
deadline.unref();
child.on('exit', (code, signal) => {
  clearTimeout(deadline);
  stopAll('SIGKILL'); // whatever a test left running in the group
  let s = { passed: 0, failed: 0, skipped: 0, timedOut: [] };
  try {
    s = JSON.parse(readFileSync(summaryFile, 'utf8'));
  } catch {
    // The reporter did not finish (runner crashed or stopped at the deadline): a failure below.
  }
  for (const t of s.timedOut ?? []) {
    const where = t.lastStarted === null ? 'before its first test' : t.lastEnded
      ? `after its last test ended ("${t.lastStarted}"): its process did not exit, a handle was left open`
      : `in "${t.lastStarted}"`;
    console.log(`\ntimed out after ${timeoutMs / 1000} s (TEST_TIMEOUT_MS): ${relative(root, t.file)}, ${where}`);
  }
  if ((code !== 0 || signal || pastDeadline) && s.failed === 0) s.failed = 1;
  if (!fullSpec) console.log(`\nthe full report (every test, with its output): ${relative(root, reportFile)}`);
  console.log(`\n${s.passed} passed, ${s.failed} failed, ${s.skipped} skipped`);
  process.exit(s.failed > 0 ? 1 : 0);
});
