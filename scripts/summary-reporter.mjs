// Counts a test run as {passed, failed, skipped, timedOut}: the default export is a Node
// test-runner reporter that writes it as JSON when the run ends; scripts/compact-reporter.mjs
// keeps the same count with `Tally` (three reporters on one run make Node warn about listeners).
// Suites are not counted (their tests are); a file that fails to load counts as one failure.
// timedOut names each test file the runner killed at --test-timeout, with the test it had started
// last and whether that test ended (if it did, the file's process stayed alive on an open handle).
// The spec report never names a test that hung: the runner only reports tests that end.
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

  toJSON() {
    return { passed: this.passed, failed: this.failed, skipped: this.skipped, timedOut: this.timedOut };
  }
}

export default async function* summary(source) {
  const tally = new Tally();
  for await (const event of source) tally.add(event);
  yield JSON.stringify(tally);
}
