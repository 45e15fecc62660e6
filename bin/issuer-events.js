#!/usr/bin/env node
import { readFileSync } from 'node:fs';

const argv = process.argv.slice(2);
const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
// `--version` alone is answered before anything else is loaded (start-up time matters in CI scripts).
if (argv.length === 1 && argv[0] === '--version') {
  process.stdout.write(`${version}\n`);
} else {
  const { main } = await import('../dist/cli.js');
  const code = await main(argv, version);
  // Pending stdout data is flushed before exit; open sockets must not keep the process alive.
  if (process.stdout.writableNeedDrain) process.stdout.once('drain', () => process.exit(code));
  else process.exit(code);
}
