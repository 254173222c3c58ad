// Counts a test run as {passed, failed, skipped, timedOut} (`Tally`) and writes it as JSON to the
// file named by TEST_SUMMARY_FILE when the run ends, for scripts/test.mjs's closing line. The
// default export is a reporter that only counts (with TEST_REPORT=spec); scripts/compact-reporter.mjs
// counts with the same `Tally` (a third reporter on one run makes Node warn about its listeners).
// Suites are not counted (their tests are); a file that fails to load counts as one failure.
// timedOut names each test file the runner killed at --test-timeout, with the test it had started
// last and whether that test ended (if it did, the file's process stayed alive on an open handle).
// The spec report never names a test that hung: the runner only reports tests that end.
import { writeFileSync } from 'node:fs';

export class Tally {
  passed = 0;
  failed = 0;
  skipped = 0;
  timedOut = [];
  #lastStarted = new Map(); // file -> name of the test it dequeued last (these events arrive live)
  #ended = new Set(); // files whose last-started test has been reported

  /** Counts one runner event. */
  add(event) {
    const d = event.data;
    if (event.type === 'test:dequeue' && d.file && d.name !== d.file) {
      this.#lastStarted.set(d.file, d.name);
      this.#ended.delete(d.file);
    }
    if (event.type !== 'test:pass' && event.type !== 'test:fail') return;
    if (d.file && d.name !== d.file && this.#lastStarted.get(d.file) === d.name) this.#ended.add(d.file);
    // A suite fails on its own only when a hook failed; its tests are then reported as failed too.
    if (d.details?.type === 'suite') return;
    if (event.type === 'test:fail' && d.name === d.file && d.details?.error?.failureType === 'testTimeoutFailure') {
      this.timedOut.push({ file: d.file, lastStarted: this.#lastStarted.get(d.file) ?? null, lastEnded: this.#ended.has(d.file) });
    }
    if (d.skip !== undefined || d.todo !== undefined) this.skipped++;
    else if (event.type === 'test:pass') this.passed++;
    else this.failed++;
  }

  /** Writes the count to TEST_SUMMARY_FILE (when set). */
  save() {
    if (process.env.TEST_SUMMARY_FILE) writeFileSync(process.env.TEST_SUMMARY_FILE, JSON.stringify(this));
  }

  toJSON() {
    return { passed: this.passed, failed: this.failed, skipped: this.skipped, timedOut: this.timedOut };
  }
}

export default async function* summary(source) {
  const tally = new Tally();
  for await (const event of source) tally.add(event);
  tally.save();
  yield ''; // a reporter is a generator; this one prints nothing
}
