import { byModule, type CheckResult, type RunReport, tally } from './checks.js';

/**
 * JUnit XML, the report format CI systems display natively (GitHub test reporters, GitLab,
 * Jenkins, Azure): one `testsuite` per module, one `testcase` per check, `failure` for `fail`,
 * `skipped` for `skip`. JUnit has no "warning": a `warn` is a passing testcase whose
 * `system-out` starts with `warn:`.
 */
export function junitXml(report: RunReport): string {
  const totals = tally(report.results);
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites${attributes({ name: `issuer-events ${report.title}`, tests: report.results.length, failures: totals.failed, errors: 0, skipped: totals.skipped, time: seconds(report.ms) })}>`,
  ];
  for (const [module, results] of byModule(report.results)) {
    const t = tally(results);
    const suite = attributes({
      name: module,
      tests: results.length,
      failures: t.failed,
      errors: 0,
      skipped: t.skipped,
      time: seconds(results.reduce((sum, r) => sum + r.ms, 0)),
      // xs:dateTime without a zone, as the JUnit schema has it; the time is UTC.
      timestamp: report.startedAt.slice(0, 19),
    });
    lines.push(`  <testsuite${suite}>`);
    for (const result of results) lines.push(...testcase(result));
    lines.push('  </testsuite>');
  }
  lines.push('</testsuites>', '');
  return lines.join('\n');
}

function testcase(r: CheckResult): string[] {
  const open = `    <testcase${attributes({ name: r.profile ? `${r.profile}: ${r.check}` : r.check, classname: r.module, time: seconds(r.ms) })}`;
  const detail = [r.detail, r.spec ? `spec: ${r.spec}` : null].filter((x) => x !== null).join('\n');
  if (r.status === 'fail') {
    return [`${open}>`, `      <failure${attributes({ message: r.detail ?? 'failed', type: 'fail' })}>${text(detail)}</failure>`, '    </testcase>'];
  }
  if (r.status === 'skip') return [`${open}>`, `      <skipped${attributes({ message: r.detail ?? 'skipped' })}/>`, '    </testcase>'];
  const out = r.status === 'warn' ? `warn: ${detail || 'warning'}` : detail;
  return out ? [`${open}>`, `      <system-out>${text(out)}</system-out>`, '    </testcase>'] : [`${open}/>`];
}

/**
 * Merges JUnit documents that `junitXml` wrote (one run each, e.g. one per profile) into one:
 * suites of the same module become one suite, as `check` writes them, and the counts are summed.
 */
export function mergeJunit(documents: readonly string[], title: string): string {
  const suites = new Map<string, { attrs: Record<string, string>; cases: string[] }>();
  for (const doc of documents) {
    const body = /^<\?xml [^>]*\?>\n<testsuites [^>]*>\n([\s\S]*)<\/testsuites>\n?$/.exec(doc)?.[1];
    if (body === undefined) throw new Error('not a JUnit report written by issuer-events');
    // junitXml escapes every <, > and " in names and texts, so these are the elements and
    // attributes themselves; values are kept as written (already escaped).
    for (const [, open, cases] of body.matchAll(/^ {2}<testsuite ([^>]*)>\n([\s\S]*?)^ {2}<\/testsuite>\n/gm)) {
      const attrs = Object.fromEntries([...open!.matchAll(/([\w-]+)="([^"]*)"/g)].map(([, key, value]) => [key!, value!]));
      const suite = suites.get(attrs.name ?? '');
      if (!suite) {
        suites.set(attrs.name ?? '', { attrs, cases: [cases!] });
        continue;
      }
      for (const key of COUNTS) suite.attrs[key] = String(Number(suite.attrs[key] ?? 0) + Number(attrs[key] ?? 0));
      suite.attrs.time = (Number(suite.attrs.time ?? 0) + Number(attrs.time ?? 0)).toFixed(3);
      suite.cases.push(cases!);
    }
  }
  const sum = (key: string): number => [...suites.values()].reduce((total, s) => total + Number(s.attrs[key] ?? 0), 0);
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites${attributes({ name: `issuer-events ${title}`, tests: sum('tests'), failures: sum('failures'), errors: sum('errors'), skipped: sum('skipped'), time: sum('time').toFixed(3) })}>`,
  ];
  for (const { attrs, cases } of suites.values()) {
    const open = Object.entries(attrs)
      .map(([key, value]) => ` ${key}="${value}"`)
      .join('');
    lines.push(`  <testsuite${open}>\n${cases.join('')}  </testsuite>`);
  }
  lines.push('</testsuites>', '');
  return lines.join('\n');
}

const COUNTS = ['tests', 'failures', 'errors', 'skipped'] as const;

function seconds(ms: number): string {
  return (Math.max(0, ms) / 1000).toFixed(3);
}

function attributes(values: Record<string, string | number>): string {
  return Object.entries(values)
    .map(([key, value]) => ` ${key}="${attribute(String(value))}"`)
    .join('');
}

// What XML 1.0 cannot carry at all, not even as a character reference (§2.2 Char): C0 controls
// other than tab, LF and CR, U+FFFE, U+FFFF, and UTF-16 surrogates that are not a pair. They are
// shown as \uXXXX instead, so that a report of a misbehaving issuer still parses.
const FORBIDDEN = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

function visible(ch: string): string {
  return `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`;
}

/** Longest text kept per element: a report stays readable when an issuer answers with megabytes. */
const MAX_TEXT = 32_768;

function clip(value: string): string {
  return value.length <= MAX_TEXT ? value : `${value.slice(0, MAX_TEXT)}… (${value.length - MAX_TEXT} more characters)`;
}

/** Element text: markup characters as entities; CR as a reference, which parsers would otherwise turn into LF. */
function text(value: string): string {
  return clip(value)
    .replace(FORBIDDEN, visible)
    .replace(/[&<>\r]/g, (ch) => (ch === '&' ? '&amp;' : ch === '<' ? '&lt;' : ch === '>' ? '&gt;' : '&#13;'));
}

/** Attribute value (double-quoted): also quotes, and tab, LF and CR as references, which attribute-value normalisation would turn into spaces. */
function attribute(value: string): string {
  return text(value).replace(/["'\t\n]/g, (ch) => (ch === '"' ? '&quot;' : ch === "'" ? '&apos;' : ch === '\t' ? '&#9;' : '&#10;'));
}
