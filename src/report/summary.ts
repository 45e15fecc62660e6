import { escapeLine } from '../shared/escape.js';
import { formatDuration } from '../shared/duration.js';
import { byModule, type CheckStatus, type RunReport, tallyLine } from './checks.js';

const MARK: Record<CheckStatus, string> = { pass: '✅', fail: '❌', warn: '⚠️', skip: '⏭️' };

/**
 * A GitHub Actions job summary (GitHub-flavoured Markdown, appended to `GITHUB_STEP_SUMMARY`):
 * a heading with the verdict and the exit code, the tally, then a table of checks per module.
 */
export function summaryMarkdown(report: RunReport): string {
  const ok = report.exitCode === 0;
  const lines = [`### ${ok ? '✅' : '❌'} issuer-events ${cell(report.title)}: ${ok ? 'passed' : `failed (exit ${report.exitCode})`}`, ''];
  lines.push([report.subject ? `Issuer ${cell(report.subject)}` : undefined, tallyLine(report.results, report.ms)].filter(Boolean).join(' · '), '');
  const modules = byModule(report.results);
  for (const [module, results] of modules) {
    // One module (the smoke test) needs no heading of its own: the title says what ran.
    if (modules.size > 1) lines.push(`#### ${cell(module)}`, '');
    lines.push('| | check | profile | time | detail |', '|:-:|---|---|--:|---|');
    for (const r of results) {
      const detail = [r.detail, r.spec ? `(spec: ${r.spec})` : null].filter(Boolean).join(' ');
      lines.push(`| ${MARK[r.status]} ${r.status} | ${cell(r.check)} | ${cell(r.profile ?? '')} | ${formatDuration(r.ms)} | ${cell(detail, MAX_DETAIL)} |`);
    }
    lines.push('');
  }
  return lines.join('\n');
}

/** A detail longer than this is cut in the summary (the JUnit report keeps it): GitHub takes at most 1 MiB per step. */
const MAX_DETAIL = 500;

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/**
 * One table cell of text that may come from the network: it must stay in its cell (no newline,
 * no `|`) and stay text (no HTML, links, images or emphasis an issuer could inject).
 */
function cell(value: string, max = 200): string {
  const short = value.length > max ? `${value.slice(0, max)}…` : value;
  // A UTF-16 surrogate without its pair cannot be written as UTF-8: U+FFFD, as the file would get anyway.
  return escapeLine(short.replace(/\r\n|[\r\n]/g, ' ').replace(LONE_SURROGATE, '\ufffd'))
    .replace(/[&<>]/g, (ch) => (ch === '&' ? '&amp;' : ch === '<' ? '&lt;' : '&gt;'))
    .replace(/[\\`*_[\]|~!]/g, '\\$&');
}
