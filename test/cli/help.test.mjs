import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { runInProcess } from '../helpers/in-process.mjs';

// Every command's --help is pinned: a change to flags or wording shows up in review.
// Regenerate with UPDATE_HELP=1 npm test after an intended change.
const COMMANDS = [
  [],
  ['offer', 'create'],
  ['claim'],
  ['check'],
  ['context'],
  ['tail'],
  ['listen'],
  ['trigger'],
  ['verify'],
  ['replay'],
  ['inspect'],
  ['sandbox'],
  ['demo'],
  ['completion'],
];

for (const command of COMMANDS) {
  const name = command.length ? command.join('-') : 'program';
  test(`--help of ${name} is pinned`, async () => {
    const r = await runInProcess([...command, '--help'], { env: { NO_COLOR: '1', COLUMNS: '100' } });
    assert.equal(r.code, 0, r.stderr);
    const file = fileURLToPath(new URL(`../fixtures/help/${name}.txt`, import.meta.url));
    if (process.env.UPDATE_HELP) writeFileSync(file, r.stdout);
    assert.equal(r.stdout, readFileSync(file, 'utf8'));
  });
}

test('help offer create shows offer create\'s help; a subcommand typed as a command gets "did you mean offer create"', async () => {
  const env = { NO_COLOR: '1', COLUMNS: '100' };
  const direct = await runInProcess(['offer', 'create', '--help'], { env });
  const viaHelp = await runInProcess(['help', 'offer', 'create'], { env });
  assert.equal(viaHelp.code, 0, viaHelp.stderr);
  assert.equal(viaHelp.stdout, direct.stdout);
  const offer = await runInProcess(['--no-color', 'help', 'offer'], { env });
  assert.equal(offer.code, 0, offer.stderr);
  assert.match(offer.stdout, /^Usage: issuer-events offer \[options\] \[command\]/);
  const unknownSub = await runInProcess(['help', 'offer', 'creat'], { env });
  assert.equal(unknownSub.code, 2);
  assert.equal(unknownSub.stderr, "error: unknown command 'offer creat'\n(Did you mean offer create?)\n");
  for (const word of ['create', 'creat']) {
    const r = await runInProcess([word, '--profile', 'openBadgeCredential'], { env });
    assert.equal(r.code, 2, r.stderr);
    assert.equal(r.stderr, `error: unknown command '${word}'\n(Did you mean offer create?)\n`);
  }
  // context's actions read as subcommands too; a short word like nothing known gets no guess.
  const use = await runInProcess(['use', 'staging'], { env });
  assert.equal(use.stderr, "error: unknown command 'use'\n(Did you mean context use?)\n");
  const xyz = await runInProcess(['xyz'], { env });
  assert.equal(xyz.stderr, "error: unknown command 'xyz'\n");
  const help = await runInProcess(['help', 'create'], { env });
  assert.equal(help.code, 2);
  assert.match(help.stderr, /^error: unknown command or help topic "create": did you mean offer create\?/);
  // A misspelt command keeps commander's own suggestion.
  const tial = await runInProcess(['tial'], { env });
  assert.equal(tial.stderr, "error: unknown command 'tial'\n(Did you mean tail?)\n");
});
