// A Node test-runner reporter for the console and CI: one line per test file, then every failing
// test in full and every skipped test with its reason. The full spec report goes to a file
// (scripts/test.mjs): the console stays small (≈ 20 KB for the whole suite, against ≈ 180 KB of
// spec output), so a CI log that keeps only part of the output still ends with what matters.
// It also counts the run (summary-reporter.mjs's Tally, saved to TEST_SUMMARY_FILE).
import { relative } from 'node:path';
import { inspect } from 'node:util';
import { Tally } from './summary-reporter.mjs';

const root = process.cwd();
const MAX_ERROR_LINES = 40;

export default async function* compact(source) {
  let cur; // the file being reported: { file, passed, failed, skipped, ms, notes: string[] }
  const names = []; // names[n]: the test at nesting n on the way to the current one
  const finish = () => {
    if (!cur) return '';
    const counts = [`${cur.passed} passed`];
    if (cur.failed) counts.push(`${cur.failed} failed`);
    if (cur.skipped) counts.push(`${cur.skipped} skipped`);
    const mark = cur.failed ? '✖' : '✔';
    const line = `${mark} ${relative(root, cur.file)}  ${counts.join(', ')} (${seconds(cur.ms)})\n${cur.notes.join('')}`;
    cur = undefined;
    return line;
  };
  const tally = new Tally();
  for await (const event of source) {
    tally.add(event);
    const d = event.data;
    if (event.type === 'test:start') names[d.nesting] = d.name;
    if (event.type !== 'test:pass' && event.type !== 'test:fail') continue;
    const file = d.file ?? '(unknown file)';
    if (cur?.file !== file) {
      const line = finish();
      if (line) yield line;
      cur = { file, passed: 0, failed: 0, skipped: 0, ms: 0, notes: [] };
    }
    const isFile = d.name === d.file;
    if (d.nesting === 0 && !isFile) cur.ms += d.details?.duration_ms ?? 0;
    if (isFile) cur.ms = Math.max(cur.ms, d.details?.duration_ms ?? 0);
    const path = isFile ? '(the file itself)' : [...names.slice(0, d.nesting), d.name].join(' › ');
    if (d.details?.type === 'suite') {
      // A suite fails on its own only when a hook failed; say so (its tests are counted themselves).
      if (event.type === 'test:fail' && d.details.error?.failureType !== 'subtestsFailed') cur.notes.push(`    ✖ ${path} (suite)\n${indent(errorText(d.details.error))}`);
      continue;
    }
    if (d.skip !== undefined || d.todo !== undefined) {
      cur.skipped++;
      const why = d.skip ?? d.todo;
      cur.notes.push(`    ﹣ ${path}${typeof why === 'string' ? `: ${why}` : ''}\n`);
    } else if (event.type === 'test:pass') {
      cur.passed++;
    } else {
      cur.failed++;
      cur.notes.push(`    ✖ ${path}\n${indent(errorText(d.details?.error))}`);
    }
  }
  const line = finish();
  if (line) yield line;
  tally.save();
}

function errorText(err) {
  if (!err) return 'failed (no error reported)';
  // the runner wraps a test's error as ERR_TEST_FAILURE with the real one as its cause
  const shown = err.code === 'ERR_TEST_FAILURE' && err.cause !== undefined ? err.cause : err;
  const text = typeof shown === 'string' ? shown : inspect(shown, { depth: 4, breakLength: 100 });
  // the runner's own frames say nothing about the test
  const runnerFrame = /^\s+at (.*\((node:internal\/|node:async_hooks)|(new )?(Safe)?Promise \(|Array\.map \(<anonymous>\)|node:internal\/)/;
  const lines = text.split('\n').flatMap((l) => (!runnerFrame.test(l) ? [l] : l.endsWith(' {') ? ['{'] : []));
  if (lines.length > MAX_ERROR_LINES) lines.splice(MAX_ERROR_LINES, Infinity, `… ${lines.length - MAX_ERROR_LINES} more lines in the full report`);
  return lines.join('\n');
}

const indent = (text) => text.split('\n').map((l) => `        ${l}\n`).join('');
const seconds = (ms) => (ms >= 1000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms)} ms`);
