import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { exportJWK, generateKeyPair } from 'jose';
import { getGlobalConfig } from '@openid4vc/openid4vci';
import { ClaimError, claimOffer } from 'issuer-events';
import { Agent } from 'undici';
import { startOid4vciDouble } from '../helpers/oid4vci-double.mjs';

// The wallet's plain-http rule is its own (the guarded transport), not a process-global switch
// flipped around each claim: concurrent claims — the API's claimOffer, check's flows — must not
// undo each other's setting, whatever the interleaving.

/** @type {Awaited<ReturnType<typeof startOid4vciDouble>>} */
let issuer;
before(async () => {
  issuer = await startOid4vciDouble();
});
after(() => issuer.close());

/** An undici dispatcher that records every connection it is asked to open, and opens none. */
function recordingDispatcher(failAfterMs = 0) {
  /** @type {string[]} */
  const connections = [];
  const agent = new Agent({
    connect: (options, callback) => {
      connections.push(String(options.hostname));
      setTimeout(() => callback(new Error('this test opens no connection beyond loopback'), null), failAfterMs);
    },
  });
  return { agent, connections };
}

const remoteOffer = (where) =>
  where === 'offer'
    ? // The offer itself is fetched from a non-loopback plain-http URL.
      `openid-credential-offer://?credential_offer_uri=${encodeURIComponent('http://10.255.255.1/openid4vci/credential-offer?id=x')}`
    : // By value: the offer is fine, the issuer it names is non-loopback plain http (refused at the metadata step).
      `openid-credential-offer://?credential_offer=${encodeURIComponent(
        JSON.stringify({
          credential_issuer: 'http://10.255.255.1/openid4vci',
          credential_configuration_ids: ['OpenBadgeCredential_jwt_vc_json'],
          grants: { 'urn:ietf:params:oauth:grant-type:pre-authorized_code': { 'pre-authorized_code': 'abc' } },
        }),
      )}`;

test('a claim that ends while another is mid-flight does not change what the other accepts (no switch restored under it)', async () => {
  // First in the file: nothing else has touched the library's setting yet. The failing claim starts first (its holder key is read from a file: no wait) and ends after
  // 100 ms; the loopback claim's offer arrives after 300 ms, when a restored switch would refuse
  // its http credential_issuer.
  const dir = mkdtempSync(join(tmpdir(), 'claim-concurrency-'));
  const keyFile = join(dir, 'holder.jwk');
  writeFileSync(keyFile, JSON.stringify(await exportJWK((await generateKeyPair('ES256', { extractable: true })).privateKey)));
  const { agent, connections } = recordingDispatcher(100);
  issuer.state.route = async (_req, _res, url) => {
    if (url.pathname === '/openid4vci/credential-offer') await delay(300);
    return false;
  };
  try {
    const [early, late] = await Promise.allSettled([
      claimOffer({ offer: remoteOffer('offer'), dispatcher: agent, insecure: true, holderKeyFile: keyFile }),
      claimOffer({ offer: issuer.createOffer().credentialOffer }),
    ]);
    assert.equal(early.status, 'rejected');
    assert.match(early.reason.message, /could not reach/);
    assert.equal(late.status, 'fulfilled', late.status === 'rejected' ? late.reason?.message : '');
    assert.equal(late.value.credentials[0].trust.status, 'trusted');
    assert.deepEqual(connections, ['10.255.255.1']);
  } finally {
    issuer.reset();
    await agent.close();
  }
});

test('concurrent claimOffer calls: a loopback http issuer is claimed while a non-loopback plain-http one is refused before connecting, in any order', async () => {
  const { agent, connections } = recordingDispatcher();
  try {
    for (const where of ['offer', 'metadata']) {
      for (const order of [
        ['remote', 'local'],
        ['local', 'remote'],
        ['remote', 'local', 'remote', 'local', 'remote'],
      ]) {
        const runs = {
          local: () => claimOffer({ offer: issuer.createOffer().credentialOffer }),
          remote: () => claimOffer({ offer: remoteOffer(where), dispatcher: agent }),
        };
        const settled = await Promise.allSettled(order.map((name) => runs[name]()));
        for (const [i, name] of order.entries()) {
          const outcome = settled[i];
          const label = `${where}, ${order.join(' ')}: ${name} #${i}`;
          if (name === 'local') {
            assert.equal(outcome.status, 'fulfilled', `${label}: ${outcome.status === 'rejected' ? outcome.reason?.message : ''}`);
            assert.equal(outcome.value.credentials.length, 1, label);
            assert.equal(outcome.value.credentials[0].trust.status, 'trusted', label);
          } else {
            assert.equal(outcome.status, 'rejected', label);
            assert.ok(outcome.reason instanceof ClaimError, `${label}: ${outcome.reason}`);
            assert.equal(outcome.reason.kind, 'plain-http', label);
            assert.equal(outcome.reason.step, where === 'offer' ? 'offer' : 'issuer-metadata', label);
            assert.match(outcome.reason.message, /refusing plain http to 10\.255\.255\.1/, label);
          }
        }
      }
    }
    // Refused by our own rule, before any connection was attempted.
    assert.deepEqual(connections, []);
    // One process-wide library setting, the same after every claim: the transport is the policy.
    assert.equal(getGlobalConfig().allowInsecureUrls, true);
  } finally {
    await agent.close();
  }
});

test('insecure: true admits non-loopback plain http for that claim only; a concurrent claim without it still refuses', async () => {
  const { agent, connections } = recordingDispatcher();
  try {
    const [allowed, refused] = await Promise.allSettled([
      claimOffer({ offer: remoteOffer('offer'), dispatcher: agent, insecure: true }),
      claimOffer({ offer: remoteOffer('offer'), dispatcher: agent }),
    ]);
    // The insecure claim went on to connect (and failed there: no network in this test).
    assert.equal(allowed.status, 'rejected');
    assert.notEqual(allowed.reason.kind, 'plain-http');
    assert.match(allowed.reason.message, /could not reach http:\/\/10\.255\.255\.1/);
    assert.equal(refused.status, 'rejected');
    assert.equal(refused.reason.kind, 'plain-http');
    assert.deepEqual(connections, ['10.255.255.1']);
  } finally {
    await agent.close();
  }
});
