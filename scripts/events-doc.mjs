// Writes docs/events.md from the event catalog (src/issuer/event-types.ts): `npm run docs:events`.
// test/issuer/catalog.test.mjs fails when the page and the catalog disagree.
import { writeFileSync } from 'node:fs';
import { EVENT_CATALOG, SESSION_STATUSES } from '../dist/issuer/event-types.js';

export function eventsPage() {
  const lines = [
    '# Event types',
    '',
    'Generated from the event catalog (`src/issuer/event-types.ts`) by `npm run docs:events`. `tail` and',
    '`listen` accept any type for `--until` and `--events` (new names appear), but warn, with the closest',
    'known name, about a type no provider is known to send. `issuer-events trigger <type> --to <url>` sends',
    'a provider-faithful sample of any of them.',
    '',
  ];
  let heading;
  for (const entry of EVENT_CATALOG) {
    if (entry.group !== heading) {
      if (heading) lines.push('');
      heading = entry.group;
      lines.push(`## ${heading}`, '', '| type | meaning | status it carries |', '|---|---|---|');
    }
    lines.push(`| \`${entry.type}\` | ${entry.description} | ${entry.status === 'ACTIVE' ? 'ACTIVE' : `**${entry.status}** (terminal)`} |`);
  }
  lines.push('');
  lines.push('## Session statuses (`--until status:<STATUS>`)', '', SESSION_STATUSES.map((s) => `\`${s}\``).join(', '), '');
  return lines.join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) writeFileSync(new URL('../docs/events.md', import.meta.url), eventsPage());
