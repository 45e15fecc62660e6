import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { exportJWK, generateKeyPair } from 'jose';
import { didKeyOf, resolveKeyDid } from '../../dist/shared/did.js';
import { parseNdjson } from '../helpers/cli.mjs';
import { runInProcess } from '../helpers/in-process.mjs';
import { startOid4vciDouble } from '../helpers/oid4vci-double.mjs';

// Holder binding as the issuer offers it (OID4VCI 1.0 Appendix F.1, cryptographic_binding_methods_supported):
// a configuration that takes only DIDs gets a proof whose kid is the holder key's did:jwk (or
// did:key) DID URL, and the credential must then be bound to that DID.

/** @type {Awaited<ReturnType<typeof startOid4vciDouble>>} */
let issuer;
before(async () => {
  issuer = await startOid4vciDouble();
});
after(() => issuer.close());

/** Every configuration of the double, binding only with `methods`. */
const bindOnly = (methods) => (configurations) =>
  Object.fromEntries(Object.entries(configurations).map(([id, c]) => [id, { ...c, cryptographic_binding_methods_supported: methods }]));

const BOTH = ['OpenBadgeCredential_jwt_vc_json', 'identity_credential'];

test('a configuration that binds only to DIDs: the proof carries a did:jwk kid (no jwk), the credential is bound to that DID, exit 0', async () => {
  issuer.state.configurations = bindOnly(['did:jwk', 'did:key', 'did:web']);
  try {
    const r = await runInProcess(['claim', issuer.createOffer({ configurationIds: BOTH }).credentialOffer, '--json']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(issuer.proofHeaders.length, 2);
    for (const header of issuer.proofHeaders) {
      assert.match(header.kid, /^did:jwk:[A-Za-z0-9_-]+#0$/);
      assert.equal(header.jwk, undefined, 'a DID-bound proof names its key by kid only');
    }
    const did = issuer.proofHeaders[0].kid.split('#')[0];
    // The DID is the wallet's key: its public members, nothing private.
    const named = JSON.parse(Buffer.from(did.slice('did:jwk:'.length), 'base64url').toString('utf8'));
    assert.equal(named.d, undefined);
    assert.equal(named.kty, 'EC');
    const [vc, sd] = parseNdjson(r.stdout)[0].credentials;
    assert.equal(vc.decoded.subject, did);
    assert.equal(vc.decoded.holderBinding, 'holder-key');
    assert.equal(vc.trust.status, 'trusted');
    assert.equal(sd.decoded.subject, did);
    assert.equal(sd.trust.status, 'trusted');
  } finally {
    issuer.reset();
  }
});

test('a DID-bound credential whose subject is another DID exits 6, naming the wallet DID', async () => {
  const other = await exportJWK((await generateKeyPair('ES256', { extractable: true })).publicKey);
  const otherDid = `did:jwk:${Buffer.from(JSON.stringify(other)).toString('base64url')}`;
  issuer.state.configurations = bindOnly(['did:jwk']);
  issuer.state.issue = ({ tools }) => tools.jwtVc({ ...other, did: otherDid });
  try {
    const r = await runInProcess(['claim', issuer.createOffer().credentialOffer]);
    assert.equal(r.code, 6, r.stderr);
    assert.match(r.stderr, /^error: decode: OpenBadgeCredential_jwt_vc_json \(jwt_vc_json\) cannot be trusted: bound to another DID or key than the wallet's did:jwk:\S+$/m);
  } finally {
    issuer.reset();
  }
  // The same key under another DID of the wallet's (its did:key while the proof named its did:jwk) is not the DID the proof named either.
  issuer.state.configurations = bindOnly(['did:jwk']);
  issuer.state.issue = ({ holder, tools }) => {
    const { did: _did, ...jwk } = holder;
    return tools.jwtVc({ ...jwk, did: didKeyOf(jwk) });
  };
  try {
    const r = await runInProcess(['claim', issuer.createOffer().credentialOffer]);
    assert.equal(r.code, 6, r.stderr);
  } finally {
    issuer.reset();
  }
});

test('a configuration that binds only to DIDs resolved over the network: one line, exit 1, before the pre-authorized code is used', async () => {
  issuer.state.configurations = bindOnly(['did:web', 'did:ebsi']);
  try {
    const r = await runInProcess(['claim', issuer.createOffer().credentialOffer]);
    assert.equal(r.code, 1, r.stderr);
    assert.match(
      r.stderr,
      /^error: proof: OpenBadgeCredential_jwt_vc_json binds only to did:web, did:ebsi: this wallet binds to jwk, cose_key, did:jwk or did:key \(DIDs it resolves offline\)$/m,
    );
    assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
    assert.ok(!issuer.requests.some((q) => q.path === '/openid4vci/token'), 'the code is not spent');
  } finally {
    issuer.reset();
  }
});

test('jwk in the configuration keeps the jwk header, as before', async () => {
  issuer.state.configurations = bindOnly(['did:jwk', 'jwk']);
  try {
    const r = await runInProcess(['claim', issuer.createOffer().credentialOffer]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(issuer.proofHeaders[0].kid, undefined);
    assert.equal(issuer.proofHeaders[0].jwk.kty, 'EC');
  } finally {
    issuer.reset();
  }
});

test('did:key written for the wallet key is read back by the same codec, and matches the W3C CCG vectors', async () => {
  // W3C CCG did:key test vectors (nist-curves.json, ed25519-x25519.json).
  const p256 = { kty: 'EC', crv: 'P-256', x: 'igrFmi0whuihKnj9R3Om1SoMph72wUGeFaBbzG2vzns', y: 'efsX5b10x8yjyrj4ny3pGfLcY7Xby1KzgqOdqnsrJIM' };
  assert.equal(didKeyOf(p256), 'did:key:zDnaerx9CtbPJ1q36T5Ln5wYt3MQYeGRG5ehnPAmxcf5mDZpv');
  assert.equal(didKeyOf({ kty: 'OKP', crv: 'Ed25519', x: 'O2onvM62pC1io6jQKm8Nc2UyFXcd4kOmOsBIoYtZ2ik' }), 'did:key:z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp');
  /** @type {[string, Record<string, string>][]} */
  const kinds = [
    ['ES256', {}],
    ['ES384', {}],
    ['EdDSA', { crv: 'Ed25519' }],
  ];
  for (const [alg, options] of kinds) {
    for (let i = 0; i < 5; i++) {
      const jwk = await exportJWK((await generateKeyPair(alg, { extractable: true, ...options })).publicKey);
      assert.deepEqual(resolveKeyDid(didKeyOf(jwk)), jwk, alg);
    }
  }
  assert.throws(() => didKeyOf({ kty: 'EC', crv: 'P-521', x: 'AA', y: 'AA' }), /not EC P-521/);
});
