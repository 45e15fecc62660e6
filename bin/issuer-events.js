#!/usr/bin/env node
import { readFileSync } from 'node:fs';

const argv = process.argv.slice(2);
const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
// `--version` alone is answered before anything else is loaded (start-up time matters in CI scripts).
if (argv.length === 1 && argv[0] === '--version') {
  process.stdout.write(`${version}\n`);
} else {
  let main;
  try {
    ({ main } = await import('../dist/cli.js'));
  } catch (error) {
    // A fresh clone without a build: one line that says what to do, not a module-loader stack.
    if (error?.code !== 'ERR_MODULE_NOT_FOUND' || !String(error.message).includes('dist')) throw error;
    process.stderr.write('error: issuer-events is not built (no dist/): run npm run build, or npm ci (its prepare script builds)\n');
    process.exit(1);
  }
  const code = await main(argv, version);
  // Pending stdout data is flushed before exit; open sockets must not keep the process alive.
  if (process.stdout.writableNeedDrain) process.stdout.once('drain', () => process.exit(code));
  else process.exit(code);
}
