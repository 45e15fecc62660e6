import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { junitXml, mergeJunit } from '../../dist/report/junit.js';
import { summaryMarkdown } from '../../dist/report/summary.js';
import { tallyLine } from '../../dist/report/checks.js';
import { withReports, writeReports } from '../../dist/report/write.js';
import { CliError } from '../../dist/errors.js';
import { elements, parseXml, parseXmlStrictly, strictXmlTest } from '../helpers/xml.mjs';

// What an issuer could put in an error description: markup, quotes, line breaks, a terminal
// escape, characters XML 1.0 forbids (NUL, a lone surrogate, U+FFFF), an emoji that must survive.
const NASTY = 'a<b>&c "q" \'s\' ]]> tab\tnl\ncr\r nul\u0000 esc\u001b lone\ud800 ffff\uffff ok😀 c1\u0085';
// The same as XML 1.0 can carry it: forbidden characters shown as \uXXXX.
const NASTY_AS_XML = 'a<b>&c "q" \'s\' ]]> tab\tnl\ncr\r nul\\u0000 esc\\u001b lone\\ud800 ffff\\uffff ok😀 c1\u0085';

/** @typedef {import('../../dist/report/checks.js').CheckResult} CheckResult */
/**
 * @param {Partial<CheckResult>} r
 * @returns {CheckResult}
 */
const check = (r) => ({ module: 'm1', check: 'c', profile: 'p', status: 'pass', ms: 1, detail: null, spec: null, ...r });

/** @type {import('../../dist/report/checks.js').RunReport} */
const REPORT = {
  title: 'check',
  subject: 'http://127.0.0.1:7005',
  startedAt: '2026-11-22T10:00:00.000Z',
  ms: 1234,
  exitCode: 1,
  results: [
    check({ module: 'oid4vci-1_0-issuer-metadata-test', check: 'metadata served', profile: null, ms: 12, detail: 'ok' }),
    check({ module: 'oid4vci-1_0-issuer-happy-flow', check: 'credential signature', status: 'fail', ms: 250, detail: NASTY, spec: 'OID4VCI 1.0 §8.3' }),
    check({ module: 'oid4vci-1_0-issuer-happy-flow', check: `name ${NASTY}`, status: 'warn', ms: 3, detail: 'plain http on loopback' }),
    check({ module: 'issuer-events-notification', check: 'notification', status: 'skip', ms: 0, detail: 'no notification endpoint' }),
  ],
};

test('JUnit: one testsuite per module, one testcase per check, failure/skipped elements; parsed back with fast-xml-parser', () => {
  const root = parseXml(junitXml(REPORT));
  assert.equal(root.tag, 'testsuites');
  assert.deepEqual({ ...root.attrs }, { name: 'issuer-events check', tests: '4', failures: '1', errors: '0', skipped: '1', time: '1.234' });
  const suites = elements(root, 'testsuite');
  assert.deepEqual(
    suites.map((s) => [s.attrs.name, s.attrs.tests, s.attrs.failures, s.attrs.skipped, s.attrs.time]),
    [
      ['oid4vci-1_0-issuer-metadata-test', '1', '0', '0', '0.012'],
      ['oid4vci-1_0-issuer-happy-flow', '2', '1', '0', '0.253'],
      ['issuer-events-notification', '1', '0', '1', '0.000'],
    ],
  );
  assert.equal(suites[0].attrs.timestamp, '2026-11-22T10:00:00');
  const cases = elements(root, 'testcase');
  assert.deepEqual(
    cases.map((c) => [c.attrs.classname, c.attrs.name]),
    [
      ['oid4vci-1_0-issuer-metadata-test', 'metadata served'],
      ['oid4vci-1_0-issuer-happy-flow', 'p: credential signature'],
      ['oid4vci-1_0-issuer-happy-flow', `p: name ${NASTY_AS_XML}`],
      ['issuer-events-notification', 'p: notification'],
    ],
    'attribute values come back exactly: tab, LF and CR survive attribute-value normalisation',
  );
  const [failure] = elements(cases[1], 'failure');
  assert.equal(failure.attrs.message, NASTY_AS_XML);
  assert.equal(failure.text, `${NASTY_AS_XML}\nspec: OID4VCI 1.0 §8.3`, 'text keeps CR as CR');
  assert.equal(elements(cases[2], 'system-out')[0].text, 'warn: plain http on loopback', 'a warning passes, and says so');
  assert.equal(elements(cases[2], 'failure').length, 0);
  assert.equal(elements(cases[3], 'skipped')[0].attrs.message, 'no notification endpoint');
  assert.equal(elements(cases[0], 'system-out')[0].text, 'ok', 'a passing check keeps what it saw');
});

test('JUnit: what an issuer sends never ends an element early or adds one', () => {
  const xml = junitXml(REPORT);
  // Outside the markup junitXml writes itself, no < or > at all.
  const tags = xml.match(/<[^>]*>/g) ?? [];
  assert.ok(
    tags.every((t) => /^<(\?xml|\/?testsuites?|\/?testcase|\/?failure|\/?skipped|\/?system-out)[\s/>]/.test(t)),
    tags.join('\n'),
  );
  assert.doesNotMatch(xml, /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/);
  assert.doesNotMatch(xml, /]]>/);
  // A raw tab, LF or CR in an attribute value would come back as a space (attribute-value normalisation).
  assert.ok(tags.every((t) => !/[\t\n\r]/.test(t)));
});

test('JUnit: a strictly conforming XML 1.0 parser (expat) accepts the reports and reads every attribute and text back exactly', strictXmlTest, () => {
  const xml = junitXml(REPORT);
  const strict = parseXmlStrictly(xml);
  const lenient = parseXml(xml);
  const flat = (root) => elements(root, 'testcase').map((c) => [c.attrs, ...c.children.map((k) => [k.tag, k.attrs, k.text])]);
  assert.deepEqual(flat(strict), flat(lenient));
  assert.equal(elements(strict, 'failure')[0].attrs.message, NASTY_AS_XML);
  parseXmlStrictly(mergeJunit([xml, xml], 'x'));
});

test('JUnit: reports of several runs merge into one, a module in one suite, the counts summed', () => {
  /** @type {(profile: string, status: CheckResult['status']) => import('../../dist/report/checks.js').RunReport} */
  const run = (profile, status) => ({
    ...REPORT,
    ms: 1000,
    results: [check({ module: 'issuer-events-issuance', check: 'session outcome', profile, status, ms: 500, detail: status === 'fail' ? 'UNSUCCESSFUL' : null })],
  });
  const merged = parseXml(mergeJunit([junitXml(run('a', 'pass')), junitXml(run('b<&>', 'fail')), junitXml(REPORT)], 'offer create --claim'));
  assert.deepEqual({ ...merged.attrs }, { name: 'issuer-events offer create --claim', tests: '6', failures: '2', errors: '0', skipped: '1', time: '1.265' });
  const suites = elements(merged, 'testsuite');
  assert.deepEqual(
    suites.map((s) => [s.attrs.name, s.attrs.tests, s.attrs.failures]),
    [
      ['issuer-events-issuance', '2', '1'],
      ['oid4vci-1_0-issuer-metadata-test', '1', '0'],
      ['oid4vci-1_0-issuer-happy-flow', '2', '1'],
      ['issuer-events-notification', '1', '0'],
    ],
  );
  assert.deepEqual(
    elements(suites[0], 'testcase').map((c) => c.attrs.name),
    ['a: session outcome', 'b<&>: session outcome'],
  );
  assert.throws(() => mergeJunit(['<testsuites/>'], 'x'), /not a JUnit report written by issuer-events/);
});

test('job summary: verdict, tally, one table per module; text from the network stays text in its cell', () => {
  const md = summaryMarkdown({
    ...REPORT,
    results: [
      ...REPORT.results,
      check({
        module: 'issuer-events-notification',
        check: 'injected',
        status: 'fail',
        detail: 'x | y\n## heading <img src=https://e.example/p.png> [link](https://e.example) ![i](https://e.example/i.png) *b* `c` \u001b[31m',
      }),
    ],
  });
  const lines = md.split('\n');
  assert.equal(lines[0], '### ❌ issuer-events check: failed (exit 1)');
  assert.equal(lines[2], 'Issuer http://127.0.0.1:7005 · 1 passed, 2 failed, 1 warned, 1 skipped (1.2 s)');
  assert.deepEqual(
    lines.filter((l) => l.startsWith('#### ')),
    ['#### oid4vci-1\\_0-issuer-metadata-test', '#### oid4vci-1\\_0-issuer-happy-flow', '#### issuer-events-notification'],
  );
  const rows = lines.filter((l) => l.startsWith('| ') && !l.startsWith('| |'));
  assert.equal(rows.length, 5);
  // Every row has exactly the table's five cells: no | from the network splits one.
  for (const row of rows) assert.equal(row.split(/(?<!\\)\|/).length - 2, 5, row);
  const injected = rows.at(-1);
  assert.match(injected, /^\| ❌ fail \| injected \| p \| 1ms \| /);
  assert.doesNotMatch(injected, /<img|(?<!\\)\]\(|!\[|(?<!\\)\*b|(?<!\\)`|\u001b/);
  assert.match(injected, /&lt;img src=https:\/\/e\.example\/p\.png&gt; \\\[link\\\]\(https:\/\/e\.example\) \\!\\\[i\\\]/);
  assert.match(injected, /\\\\x1b\\\[31m/, 'a terminal escape is shown (its backslash escaped), not sent');
  assert.ok(md.includes('| ⚠️ warn | name a&lt;b&gt;&amp;c "q" \'s\' \\]\\]&gt; tab\\\\tnl cr  nul'), md);
  assert.match(md, /\| ⏭️ skip \| notification \| p \| 0ms \| no notification endpoint \|/);
  assert.match(md, /\| ❌ fail \| credential signature \| p \| 250ms \| .* \(spec: OID4VCI 1\.0 §8\.3\) \|/);
  assert.equal(summaryMarkdown({ ...REPORT, exitCode: 0, results: [check({})] }).split('\n')[0], '### ✅ issuer-events check: passed');
  assert.equal(tallyLine(REPORT.results, 1234), '1 passed, 1 failed, 1 warned, 1 skipped (1.2 s)');
});

test('writing: the JUnit file whole, the summary appended; a report that cannot be written fails a passing run only', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ie-report-'));
  const junit = join(dir, 'junit.xml');
  const stepSummary = join(dir, 'summary.md');
  writeFileSync(stepSummary, 'earlier step\n');
  assert.deepEqual(writeReports(REPORT, { junit, stepSummary }), {});
  assert.equal(readFileSync(junit, 'utf8'), junitXml(REPORT));
  assert.equal(readFileSync(stepSummary, 'utf8'), `earlier step\n${summaryMarkdown(REPORT)}\n`);

  const missing = join(dir, 'no-such-dir', 'junit.xml');
  const problems = writeReports(REPORT, { junit: missing, stepSummary: join(dir, 'no-such-dir', 's.md') });
  assert.match(problems.junit ?? '', /^cannot write the JUnit report .*no-such-dir\/junit\.xml: ENOENT/);
  assert.match(problems.summary ?? '', /^cannot append the job summary to GITHUB_STEP_SUMMARY/);

  const warnings = [];
  const build = (exitCode) => ({ ...REPORT, exitCode });
  await assert.rejects(
    withReports(
      { junit: missing },
      build,
      async () => 0,
      (m) => warnings.push(m),
    ),
    (e) => e instanceof CliError && e.exitCode === 1 && /cannot write the JUnit report/.test(e.message),
  );
  assert.equal(
    await withReports(
      { junit: missing },
      build,
      async () => 3,
      (m) => warnings.push(m),
    ),
    3,
  );
  const refused = new CliError('token: the issuer refused: invalid_grant', 'E_CLAIM_TOKEN', 3);
  await assert.rejects(
    withReports(
      { junit },
      (code, error) => ({ ...REPORT, exitCode: code, results: [check({ status: 'fail', detail: String(/** @type {Error} */ (error)?.message) })] }),
      async () => {
        throw refused;
      },
      (m) => warnings.push(m),
    ),
    (e) => e === refused,
    'the run error is rethrown once the report is written',
  );
  assert.match(readFileSync(junit, 'utf8'), /failures="1"[\s\S]*message="token: the issuer refused: invalid_grant"/);
  assert.equal(warnings.length, 1);
});
