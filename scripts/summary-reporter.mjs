// A Node test-runner reporter that writes {passed, failed, skipped, timedOut} as JSON when the run ends.
// Suites are not counted (their tests are); a file that fails to load counts as one failure.
// timedOut names each test file the runner killed at --test-timeout, with the test it had started
// last and whether that test ended (if it did, the file's process stayed alive on an open handle).
// The spec report never names a test that hung: the runner only reports tests that end.
export default async function* summary(source) {
  const s = { passed: 0, failed: 0, skipped: 0, timedOut: [] };
  const lastStarted = new Map(); // file -> name of the test it dequeued last (events arrive live)
  const ended = new Set(); // files whose last-started test has been reported
  for await (const event of source) {
    const d = event.data;
    if (event.type === 'test:dequeue' && d.file && d.name !== d.file) {
      lastStarted.set(d.file, d.name);
      ended.delete(d.file);
    }
    if (event.type !== 'test:pass' && event.type !== 'test:fail') continue;
    if (d.file && d.name !== d.file && lastStarted.get(d.file) === d.name) ended.add(d.file);
    if (d.details?.type === 'suite') {
      // A suite fails on its own only when a hook failed; its tests are then reported as failed too.
      continue;
    }
    if (event.type === 'test:fail' && d.name === d.file && d.details?.error?.failureType === 'testTimeoutFailure') {
      s.timedOut.push({ file: d.file, lastStarted: lastStarted.get(d.file) ?? null, lastEnded: ended.has(d.file) });
    }
    if (d.skip !== undefined || d.todo !== undefined) s.skipped++;
    else if (event.type === 'test:pass') s.passed++;
    else s.failed++;
  }
  yield JSON.stringify(s);
}
