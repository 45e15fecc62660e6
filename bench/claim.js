// Wall time of `issuer-events claim` for one credential against a local OID4VCI issuer (the test
// double laid out like walt.id), spawned as a user would, against `node -e 0` in the same loop.
// node bench/claim.js [rounds]
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { startOid4vciDouble } from '../test/helpers/oid4vci-double.mjs';

const rounds = Number(process.argv[2] ?? 10);
const bin = fileURLToPath(new URL('../bin/issuer-events.js', import.meta.url));
const issuer = await startOid4vciDouble();
const timeOf = (args) => {
  const started = performance.now();
  const r = spawnSync(process.execPath, args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`exit ${r.status}: ${r.stderr}`);
  return performance.now() - started;
};
const claim = [];
const base = [];
for (let i = 0; i < rounds; i++) {
  // spawnSync blocks this process, so the double runs in a child: start one per measurement.
  base.push(timeOf(['-e', '0']));
  const offer = issuer.createOffer({ configurationIds: ['identity_credential'] });
  claim.push(
    await new Promise((resolve, reject) => {
      const started = performance.now();
      import('node:child_process').then(({ spawn }) => {
        const child = spawn(process.execPath, [bin, 'claim', offer.credentialOffer, '--json'], { stdio: 'ignore' });
        child.on('close', (code) => (code === 0 ? resolve(performance.now() - started) : reject(new Error(`claim exited ${code}`))));
      });
    }),
  );
}
await issuer.close();
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
console.log(JSON.stringify({ rounds, claimMedianMs: Math.round(median(claim)), claimMaxMs: Math.round(Math.max(...claim)), nodeStartupMedianMs: Math.round(median(base)) }));
