import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseNdjson, runCli } from '../helpers/cli.mjs';
import { runInProcess } from '../helpers/in-process.mjs';

// A check that cannot fail is not a check: for every `sandbox --fault`, check exits 1 with a fail
// in the module that fault breaks (the fault table names it) and no fail anywhere else.
const FAULTS_MODULE = new URL('../../dist/sandbox/faults.js', import.meta.url);

test('every sandbox fault fails its module and no other (engine, in process, one profile each)', async () => {
  const { FAULTS } = await import(FAULTS_MODULE.href);
  const { SandboxIssuer } = await import('../../dist/sandbox/server.js');
  const { loadProfiles } = await import('../../dist/sandbox/profiles.js');
  const { runCheck, checkExitCode } = await import('../../dist/check/engine.js');
  const { MODULE_NAMES } = await import('../../dist/check/modules.js');
  const missed = [];
  /** One fault against its own sandbox: what check failed, when that is not what the table says. */
  const checkFault = async (fault) => {
    // The profile whose credential the fault shows best: SD-JWT (x5c, cnf, disclosures).
    const options = { host: '127.0.0.1', port: 0, profiles: loadProfiles(), eventNames: 'current', faults: [fault.name] };
    const sandbox = new SandboxIssuer(/** @type {any} */ (options));
    await sandbox.start();
    try {
      const outcome = await runCheck({
        source: { kind: 'management', connection: { baseUrl: sandbox.url } },
        profiles: ['identityCredentialSdJwt'],
        modules: new Set(MODULE_NAMES),
        events: { sse: true, webhook: true },
        receiver: { host: '127.0.0.1', port: 0, path: '/hooks' },
        // Faults that drop events are seen when this passes; generous, as a busy machine delivers late.
        eventTimeoutMs: 8000,
        allowUnverified: false,
        insecure: false,
        // Every scenario at once: the ones whose events a fault drops wait out eventTimeoutMs together.
        concurrency: 16,
      });
      const failing = [...new Set(outcome.results.filter((r) => r.status === 'fail').map((r) => r.module))];
      const expected = [fault.check, ...(fault.also ?? [])];
      if (checkExitCode(outcome) !== 1 || failing.length !== expected.length || !expected.every((module) => failing.includes(module))) {
        missed.push({
          fault: fault.name,
          expected,
          failing,
          fails: outcome.results.filter((r) => r.status === 'fail').map((r) => `${r.module} / ${r.check}: ${r.detail}`),
        });
      }
    } finally {
      await sandbox.close();
    }
  };
  // Four sandboxes at a time: the faults that drop events each wait out the event timeout, and
  // those waits overlap instead of adding up (16 faults: 62 s one after the other).
  const queue = [...FAULTS];
  await Promise.all(
    Array.from({ length: 4 }, async () => {
      for (let fault = queue.shift(); fault; fault = queue.shift()) await checkFault(fault);
    }),
  );
  assert.deepEqual(missed, []);
});

test('sandbox --fault in its own process: check exits 1 with the fail in that module', async () => {
  let url;
  let err = '';
  const ready = new Promise((resolve) => (url = resolve));
  const sandbox = runCli(['sandbox', '--port', '0', '--fault', 'accept-reused-pre-authorized-code'], {
    timeoutMs: 60_000,
    onStderr(d) {
      err += d;
      const m = /Ready! Sandbox issuer on (\S+)/.exec(err);
      if (m) url(m[1]);
    },
  });
  try {
    const base = await Promise.race([ready, sandbox.then((r) => Promise.reject(new Error(`sandbox exited ${r.code}: ${r.stderr}`)))]);
    const r = await runInProcess(['check', '--base-url', base, '--profile', 'openBadgeCredential', '--json', '--events', 'none']);
    assert.equal(r.code, 1, r.stderr);
    const fails = parseNdjson(r.stdout).filter((rec) => rec.status === 'fail');
    assert.deepEqual([...new Set(fails.map((rec) => rec.module))], ['issuer-events-fail-reused-pre-authorized-code']);
  } finally {
    sandbox.child.kill('SIGTERM');
    await sandbox;
  }
});
