import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runCli, startServer } from '../helpers/cli.mjs';
import { runInProcess } from '../helpers/in-process.mjs';
import { VECTORS, verifyArgs } from '../helpers/vectors.mjs';

// Most command tests run the CLI in-process (test/helpers/in-process.mjs): that is only as good as
// its agreement with the binary. Each command line here runs both ways and must give the same exit
// code, stdout and stderr: help, usage errors from commander and from the tool, suggestions, a
// verification, a refused port, the completion protocol.
const v = VECTORS.standardWebhooks[0];
const LINES = [
  ['--help'],
  ['offer', 'create', '--help'],
  ['help', 'exit-codes'],
  ['help', 'nonsense'],
  ['creat'],
  ['tail', ''],
  ['listen', '--port', 'abc'],
  ['listen', '--no-such-flag'],
  ['claim', 'not an offer'],
  ['trigger', 'no.such.event', '--to', 'http://127.0.0.1:1/'],
  ['--json', 'tail', 'x', '--base-url', 'http://127.0.0.1:1'],
  verifyArgs(v, ['--at', v.timestamp]),
  ['verify', '--scheme', 'standard', '--secret', v.secret, '--body', v.body, '-v'],
  ['complete', '--', 'trigger', 'credential_request_w3'],
];

test('in-process runs agree with the spawned binary: exit code, stdout and stderr', async () => {
  const pick = ({ code, stdout, stderr }) => ({ code, stdout, stderr });
  // All at once: the spawns are what takes time, and they do not share anything.
  const runs = await Promise.all(
    LINES.map(async (args) => {
      const [spawned, inProcess] = await Promise.all([runCli(args, { env: { NO_COLOR: '1' } }), runInProcess(args, { env: { NO_COLOR: '1' } })]);
      return { args, spawned: pick(spawned), inProcess: pick(inProcess) };
    }),
  );
  assert.deepEqual(
    runs.filter((run) => JSON.stringify(run.spawned) !== JSON.stringify(run.inProcess)),
    [],
  );
});

test('the lines above cover success, usage errors (2) and failures', async () => {
  const codes = new Set();
  for (const args of LINES) codes.add((await runInProcess(args)).code);
  for (const code of [0, 2, 6]) assert.ok(codes.has(code), `exit ${code} among ${[...codes]}`);
});

// Servers in the tests are stopped in-process by CliIo.stop, which stands for the process's signal:
// each stop here is sent both ways (a real signal to the binary) and must end the same.
/** @type {{ args: string[], ready: RegExp, signal: 'SIGINT' | 'SIGTERM', code: number }[]} */
const STOPS = [
  { args: ['listen', '--port', '0', '--allow-unsigned'], ready: /Ready! Listening on (\S+)/, signal: 'SIGINT', code: 130 },
  { args: ['listen', '--port', '0', '--allow-unsigned'], ready: /Ready! Listening on (\S+)/, signal: 'SIGTERM', code: 0 },
  { args: ['listen', '--port', '0', '--allow-unsigned', '--count', '1'], ready: /Ready! Listening on (\S+)/, signal: 'SIGTERM', code: 143 },
  { args: ['sandbox', '--port', '0'], ready: /Ready! Sandbox issuer on (\S+)/, signal: 'SIGINT', code: 130 },
];

test('a server stopped in-process ends as the binary does on the real signal: exit code, stdout and stderr', async () => {
  // Ports (and the sandbox's keys and times) differ between two runs; the rest must not.
  const same = (text) => text.replace(/127\.0\.0\.1:\d+/g, '127.0.0.1:PORT');
  const runs = await Promise.all(
    STOPS.flatMap(({ args, ready, signal }) =>
      [true, false].map(async (spawn) => {
        const server = await startServer(args, ready, { spawn, env: { NO_COLOR: '1' } });
        server.child.kill(signal);
        const { code, stdout, stderr } = await server.result;
        return { line: `${args.join(' ')} ${signal}`, spawn, code, stdout: same(stdout), stderr: same(stderr) };
      }),
    ),
  );
  for (const [i, stop] of STOPS.entries()) {
    const [spawned, inProcess] = [runs[2 * i], runs[2 * i + 1]];
    assert.equal(spawned?.code, stop.code, `${spawned?.line}, spawned: ${spawned?.stderr}`);
    assert.deepEqual({ ...inProcess, spawn: true }, spawned);
  }
});
