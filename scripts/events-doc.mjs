// Writes docs/events.md from the event catalog (src/issuer/event-types.ts): `npm run docs:events`.
// test/issuer/catalog.test.mjs fails when the page and the catalog disagree.
import { writeFileSync } from 'node:fs';
import { EVENT_TYPES, SESSION_STATUSES } from '../dist/issuer/event-types.js';
import { describeType } from '../dist/issuer/catalog.js';

export function eventsPage() {
  const lines = [
    '# Event types',
    '',
    'Generated from the event catalog (`src/issuer/event-types.ts`) by `npm run docs:events`. `tail` and',
    '`listen` accept any type for `--until` and `--events` (new names appear), but warn, with the closest',
    'known name, about a type no provider is known to send.',
    '',
  ];
  for (const [provider, types] of Object.entries(EVENT_TYPES)) {
    lines.push(`## ${provider}`, '', '| type | meaning |', '|---|---|');
    for (const type of types) lines.push(`| \`${type}\` | ${describeType(type) ?? ''} |`);
    lines.push('');
  }
  lines.push('## Session statuses (`--until status:<STATUS>`)', '', SESSION_STATUSES.map((s) => `\`${s}\``).join(', '), '');
  return lines.join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) writeFileSync(new URL('../docs/events.md', import.meta.url), eventsPage());
