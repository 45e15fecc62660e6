import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { after, test } from 'node:test';
import { IssuerSigned } from '@owf/mdoc';
import { decodeJwt, decodeProtectedHeader, importJWK, importX509, jwtVerify } from 'jose';
import { FAULTS } from 'issuer-events';
import { mdocContext } from '../../dist/shared/mdoc-context.js';
import { waitFor } from '../helpers/cli.mjs';
import { runInProcess } from '../helpers/in-process.mjs';
import {
  call,
  collectSse,
  collectWebhooks,
  createOffer,
  credentialRequest,
  freshNonce,
  holderKey,
  issue,
  proofJwt,
  startSandbox,
  startSandboxCli,
  tokenRequest,
} from '../helpers/sandbox.mjs';

// Each fault, probed twice: the sandbox without it refuses (or sends) what the spec says, and
// with it departs in exactly that way. A probe returns whether the departure happened and, when
// it did not, what the sandbox did instead (the spec's error code, or what it sent).

/** @typedef {import('issuer-events').SandboxIssuer} Sandbox */
/** @typedef {{ departed: boolean, refusal?: string }} Probe */

const webhooks = await collectWebhooks();
after(() => webhooks.close());

/** @type {Record<string, { refusal: string, probe: (sandbox: Sandbox) => Promise<Probe> }>} */
const PROBES = {
  'accept-reused-pre-authorized-code': {
    refusal: 'invalid_grant',
    async probe(sandbox) {
      const created = await createOffer(sandbox, 'openBadgeCredential');
      assert.equal((await tokenRequest(sandbox, created.code)).status, 200);
      return granted(await tokenRequest(sandbox, created.code));
    },
  },
  'accept-invalid-tx-code': {
    refusal: 'invalid_grant',
    async probe(sandbox) {
      const created = await createOffer(sandbox, 'openBadgeCredential', { txCode: { length: 4 }, txCodeValue: '1234' });
      return granted(await tokenRequest(sandbox, created.code, '9999'));
    },
  },
  'accept-missing-tx-code': {
    refusal: 'invalid_request',
    async probe(sandbox) {
      const created = await createOffer(sandbox, 'openBadgeCredential', { txCode: { length: 4 } });
      return granted(await tokenRequest(sandbox, created.code));
    },
  },
  'accept-invalid-nonce': {
    refusal: 'invalid_nonce',
    async probe(sandbox) {
      const key = await holderKey();
      const { credential } = await issue(sandbox, 'openBadgeCredential', {
        request: async (_proof, id) => ({
          credential_configuration_id: id,
          proofs: { jwt: [await proofJwt(key, { aud: `${sandbox.url}/openid4vci`, nonce: randomUUID(), header: { jwk: key.publicJwk } })] },
        }),
      });
      return granted(credential);
    },
  },
  'accept-invalid-jwt-proof-signature': {
    refusal: 'invalid_proof',
    async probe(sandbox) {
      const key = await holderKey();
      const other = await holderKey();
      const { credential } = await issue(sandbox, 'identityCredentialSdJwt', {
        request: async (_proof, id) => ({
          credential_configuration_id: id,
          // The header names the holder key; another key signed.
          proofs: { jwt: [await proofJwt(key, { aud: `${sandbox.url}/openid4vci`, nonce: await freshNonce(sandbox), signWith: other.privateKey })] },
        }),
      });
      return granted(credential);
    },
  },
  'accept-missing-proof': {
    refusal: 'invalid_proof',
    async probe(sandbox) {
      const { credential } = await issue(sandbox, 'openBadgeCredential', { request: (_proof, id) => ({ credential_configuration_id: id }) });
      if (credential.status === 200) assert.equal(decodeJwt(credential.body.credentials[0].credential).sub, undefined, 'bound to no key');
      return granted(credential);
    },
  },
  'accept-unknown-credential-configuration': {
    refusal: 'unknown_credential_configuration',
    async probe(sandbox) {
      const { credential } = await issue(sandbox, 'openBadgeCredential', { request: (proof) => ({ credential_configuration_id: 'NoSuchCredential', proofs: { jwt: [proof] } }) });
      return granted(credential);
    },
  },
  'accept-access-token-in-query': {
    refusal: 'invalid_token',
    async probe(sandbox) {
      const created = await createOffer(sandbox, 'openBadgeCredential');
      const token = (await tokenRequest(sandbox, created.code)).body.access_token;
      const key = await holderKey();
      const proof = await proofJwt(key, { aud: `${sandbox.url}/openid4vci`, nonce: await freshNonce(sandbox) });
      const answer = await credentialRequest(sandbox, token, { credential_configuration_id: created.configurationId, proofs: { jwt: [proof] } }, { inQuery: true });
      if (answer.status !== 200) assert.equal(answer.status, 401);
      return granted(answer);
    },
  },
  'cacheable-nonce': {
    refusal: 'Cache-Control: no-store',
    async probe(sandbox) {
      const answer = await call(`${sandbox.url}/openid4vci/nonce`, { method: 'POST' });
      assert.equal(answer.status, 200);
      const cacheControl = answer.headers.get('cache-control') ?? '';
      return cacheControl.includes('no-store') ? { departed: false, refusal: 'Cache-Control: no-store' } : { departed: true };
    },
  },
  'wrong-credential-issuer': {
    refusal: 'credential_issuer is the issuer URL',
    async probe(sandbox) {
      const metadata = (await call(`${sandbox.url}/.well-known/openid-credential-issuer/openid4vci`)).body;
      return metadata.credential_issuer === `${sandbox.url}/openid4vci` ? { departed: false, refusal: 'credential_issuer is the issuer URL' } : { departed: true };
    },
  },
  'unpublished-signing-key': {
    refusal: 'signed with the published key',
    async probe(sandbox) {
      const jwks = (await call(`${sandbox.url}/openid4vci/jwks`)).body;
      const verdicts = [];
      for (const profileId of ['openBadgeCredential', 'identityCredentialSdJwt', 'isoMdl']) {
        const raw = (await issue(sandbox, profileId)).credential.body.credentials[0].credential;
        verdicts.push(await verifiesWithPublishedKey(profileId, raw, jwks));
      }
      assert.equal(new Set(verdicts).size, 1, `every format alike: ${verdicts}`);
      return verdicts[0] ? { departed: false, refusal: 'signed with the published key' } : { departed: true };
    },
  },
  'bound-to-other-key': {
    refusal: "bound to the proof's key",
    async probe(sandbox) {
      const key = await holderKey();
      const bindings = [];
      for (const profileId of ['openBadgeCredential', 'identityCredentialSdJwt', 'isoMdl']) {
        const raw = (await issue(sandbox, profileId, { key })).credential.body.credentials[0].credential;
        bindings.push(boundTo(profileId, raw).x === key.publicJwk.x);
      }
      assert.equal(new Set(bindings).size, 1, `every format alike: ${bindings}`);
      return bindings[0] ? { departed: false, refusal: "bound to the proof's key" } : { departed: true };
    },
  },
  'no-sse-events': {
    refusal: 'the events are on the stream',
    async probe(sandbox) {
      const { stream, credential } = await followedIssuance(sandbox);
      assert.equal(credential.status, 200);
      // The stream's frames are written before the credential response is (walt.id saves, emits, then answers).
      await call(`${sandbox.url}/issuer2/sessions`);
      await stream.close();
      return stream.events.some((e) => e.event === 'issuance_status_changed') ? { departed: false, refusal: 'the events are on the stream' } : { departed: true };
    },
  },
  'no-webhooks': {
    refusal: 'the webhooks are sent',
    async probe(sandbox) {
      const { stream, credential, sessionId } = await followedIssuance(sandbox);
      await stream.close();
      assert.equal(credential.status, 200);
      // Each webhook is awaited before the credential response goes out, as walt.id awaits them.
      return webhooks.bodies.some((b) => b.target === sessionId && b.event === 'issuance_status_changed')
        ? { departed: false, refusal: 'the webhooks are sent' }
        : { departed: true };
    },
  },
};

/** A token or credential answer as a probe: 200 is the departure, else the OAuth error. */
function granted(answer) {
  return answer.status === 200 ? { departed: true } : { departed: false, refusal: answer.body?.error };
}

/** An issuance followed on its session stream (subscribed first) with the webhook receiver set. */
async function followedIssuance(sandbox) {
  const sessionId = randomUUID();
  // A first subscriber must exist before the events (walt.id keeps nothing for later ones): the
  // session is created, followed, then claimed.
  const created = await createOffer(sandbox, 'openBadgeCredential', { sessionId, runtimeOverrides: { notifications: { webhook: { url: webhooks.url } } } });
  const stream = await collectSse(`${sandbox.url}/issuer2/sessions/${sessionId}/events`);
  const token = await tokenRequest(sandbox, created.code);
  const key = await holderKey();
  const proof = await proofJwt(key, { aud: `${sandbox.url}/openid4vci`, nonce: await freshNonce(sandbox) });
  const credential = await credentialRequest(sandbox, token.body.access_token, { credential_configuration_id: created.configurationId, proofs: { jwt: [proof] } });
  return { stream, credential, sessionId };
}

/** Whether the issuer signature verifies with what the sandbox publishes: its JWKS (by kid) or its certificate. */
async function verifiesWithPublishedKey(profileId, raw, jwks) {
  try {
    if (profileId === 'isoMdl') {
      const signed = IssuerSigned.fromEncodedForOid4Vci(raw);
      await signed.verify({ trustedCertificates: [signed.issuerAuth.certificate] }, mdocContext);
      return true;
    }
    const issuerJwt = raw.split('~')[0];
    const header = decodeProtectedHeader(issuerJwt);
    const published = jwks.keys.find((k) => k.kid === header.kid);
    assert.ok(published, 'the kid names a published key');
    await jwtVerify(issuerJwt, await importJWK(published, 'ES256'));
    if (header.x5c) await jwtVerify(issuerJwt, await importX509(`-----BEGIN CERTIFICATE-----\n${header.x5c[0]}\n-----END CERTIFICATE-----`, 'ES256'));
    return true;
  } catch {
    return false;
  }
}

/** The key a credential is bound to: W3C sub (did:jwk), SD-JWT cnf.jwk, mdoc device key. */
function boundTo(profileId, raw) {
  if (profileId === 'isoMdl') return IssuerSigned.fromEncodedForOid4Vci(raw).issuerAuth.mobileSecurityObject.deviceKeyInfo.deviceKey.jwk;
  const payload = decodeJwt(raw.split('~')[0]);
  if (payload.cnf) return /** @type {any} */ (payload.cnf).jwk;
  return JSON.parse(Buffer.from(String(payload.sub).slice('did:jwk:'.length).split('#')[0], 'base64url').toString());
}

const spec = await startSandbox();
after(() => spec.close());

test('every fault has a probe here (and nothing else does)', () => {
  assert.deepEqual(Object.keys(PROBES).sort(), FAULTS.map((f) => f.name).sort());
});

for (const fault of FAULTS) {
  test(`--fault ${fault.name}: ${fault.description} (without it: ${PROBES[fault.name]?.refusal})`, async () => {
    const { probe, refusal } = PROBES[fault.name];
    assert.deepEqual(await probe(spec), { departed: false, refusal }, 'without the fault');
    const faulty = await startSandbox({ faults: [fault.name] });
    try {
      assert.deepEqual(await probe(faulty), { departed: true }, 'with the fault');
    } finally {
      await faulty.close();
    }
  });
}

test('docs/providers.md lists every fault with what it does and the check module that must catch it', () => {
  const doc = readFileSync(new URL('../../docs/providers.md', import.meta.url), 'utf8');
  const rows = [...doc.matchAll(/^\| `--fault ([a-z-]+)` \| (.*) \| `([a-z0-9_-]+)` \|$/gm)].map((m) => ({ name: m[1], description: m[2], check: m[3] }));
  assert.deepEqual(
    rows,
    FAULTS.map(({ name, description, check }) => ({ name, description, check })),
  );
});

test('sandbox --fault: each fault one line in --help; names comma-separated or repeated; an unknown one exits 2 with the list', async () => {
  const help = await runInProcess(['sandbox', '--help']);
  for (const fault of FAULTS) assert.match(help.stdout, new RegExp(`^ {2}${fault.name} +${fault.description.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`, 'm'));
  const r = await runInProcess(['sandbox', '--port', '0', '--fault', 'accept-missing-proof,no-such-fault']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /unknown --fault "no-such-fault": use accept-reused-pre-authorized-code, .*no-webhooks/);
  assert.equal(r.stderr.trim().split('\n').length, 1, 'one line, no stack');
  assert.equal(r.stdout, '');
});

test("sandbox --fault: the Ready banner names the faults, and the faulty behaviour is the CLI's", async () => {
  const cli = await startSandboxCli(['--fault', 'accept-missing-proof', '--fault', 'cacheable-nonce']);
  try {
    // The banner's lines follow the Ready line.
    await waitFor(() => /faults: /.test(cli.stderr()));
    assert.match(cli.stderr(), /faults: accept-missing-proof, cacheable-nonce — this sandbox departs from the spec on purpose/);
    const nonce = await call(`${cli.url}/openid4vci/nonce`, { method: 'POST' });
    assert.doesNotMatch(nonce.headers.get('cache-control') ?? '', /no-store/);
  } finally {
    cli.result.child.kill('SIGTERM');
    assert.equal((await cli.result).code, 0);
  }
});
