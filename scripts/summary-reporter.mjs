// A Node test-runner reporter that writes {passed, failed, skipped} as JSON when the run ends.
// Suites are not counted (their tests are); a file that fails to load counts as one failure.
export default async function* summary(source) {
  const s = { passed: 0, failed: 0, skipped: 0 };
  for await (const event of source) {
    if (event.type !== 'test:pass' && event.type !== 'test:fail') continue;
    const d = event.data;
    if (d.details?.type === 'suite') {
      // A suite fails on its own only when a hook failed; its tests are then reported as failed too.
      continue;
    }
    if (d.skip !== undefined || d.todo !== undefined) s.skipped++;
    else if (event.type === 'test:pass') s.passed++;
    else s.failed++;
  }
  yield JSON.stringify(s);
}
