import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { runCli } from '../helpers/cli.mjs';

// Every command's --help is pinned: a change to flags or wording shows up in review.
// Regenerate with UPDATE_HELP=1 npm test after an intended change.
const COMMANDS = [[], ['offer', 'create'], ['claim'], ['check'], ['context'], ['tail'], ['listen'], ['trigger'], ['verify'], ['replay'], ['inspect'], ['sandbox'], ['demo'], ['completion']];

for (const command of COMMANDS) {
  const name = command.length ? command.join('-') : 'program';
  test(`--help of ${name} is pinned`, async () => {
    const r = await runCli([...command, '--help'], { env: { NO_COLOR: '1', COLUMNS: '100' } });
    assert.equal(r.code, 0, r.stderr);
    const file = fileURLToPath(new URL(`../fixtures/help/${name}.txt`, import.meta.url));
    if (process.env.UPDATE_HELP) writeFileSync(file, r.stdout);
    assert.equal(r.stdout, readFileSync(file, 'utf8'));
  });
}
