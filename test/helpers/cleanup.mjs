import { after } from 'node:test';

// What a test started and did not release (it failed before its `close()` or `kill()`) is released
// when the file's tests have ended: a leaked server or child would keep the file's process, and so
// the whole `node --test` run, waiting forever. Only under the test runner: a script importing a
// helper (bench/) must not get a test report.
const pending = new Set();
const underTest = process.env.NODE_TEST_CONTEXT !== undefined || /\.test\.[cm]?js$/.test(process.argv[1] ?? '');
if (underTest) after(() => Promise.all([...pending].map((release) => release())));

/**
 * Registers `release` to run at the end of the file unless the returned function is called first.
 * @param {() => unknown} release
 * @returns {() => void} call once the resource is released
 */
export function releaseAtEnd(release) {
  pending.add(release);
  return () => pending.delete(release);
}
