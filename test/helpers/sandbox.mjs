// The sandbox started in-process or as the real CLI, and a wallet written step by step with
// fetch and jose for its negative paths: every request is one call whose status and body the
// test sees, so a test can send what no wallet library would (a reused code, no proof, a token
// in the query, a foreign nonce).
import { createHash, randomBytes } from 'node:crypto';
import { clientAuthenticationNone } from '@openid4vc/oauth2';
import { Openid4vciClient } from '@openid4vc/openid4vci';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { loadProfiles, SandboxIssuer } from 'issuer-events';
import { startServer } from './cli.mjs';
import { listen, readBody } from './http.mjs';

/** @param {Record<string, unknown>} [options] extra SandboxOptions (faults, legacyWellKnown, …) */
export async function startSandbox(options = {}) {
  const sandbox = new SandboxIssuer({ host: '127.0.0.1', port: 0, profiles: loadProfiles(), eventNames: 'current', ...options });
  await sandbox.start();
  return sandbox;
}

/**
 * @param {string} url
 * @param {RequestInit} [init]
 * @returns {Promise<{ status: number, body: any, headers: Headers }>}
 */
export async function call(url, init) {
  const res = await fetch(url, init);
  const text = await res.text();
  let body = text;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {}
  return { status: res.status, body, headers: res.headers };
}

/**
 * Creates an offer through the management API; returns the 201 body plus the offer object and its pre-authorized code.
 * @param {SandboxIssuer} sandbox
 * @param {string} profileId
 * @param {Record<string, unknown>} [extra]
 */
export async function createOffer(sandbox, profileId, extra = {}) {
  const created = await call(`${sandbox.url}/issuer2/credential-offers`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ profileId, authMethod: 'PRE_AUTHORIZED', ...extra }),
  });
  if (created.status !== 201) throw new Error(`offer: ${created.status} ${JSON.stringify(created.body)}`);
  const offer = await resolveOffer(created.body.credentialOffer);
  const grant = offer.grants?.['urn:ietf:params:oauth:grant-type:pre-authorized_code'];
  return { ...created.body, offer, code: grant?.['pre-authorized_code'], configurationId: offer.credential_configuration_ids[0] };
}

/** The offer object of an `openid-credential-offer://` URI, by value or by reference. */
export async function resolveOffer(uri) {
  const params = new URL(uri).searchParams;
  if (params.has('credential_offer')) return JSON.parse(params.get('credential_offer') ?? '');
  return (await call(params.get('credential_offer_uri') ?? '')).body;
}

/**
 * @param {SandboxIssuer} sandbox
 * @param {string} code
 * @param {string} [txCode]
 */
export function tokenRequest(sandbox, code, txCode) {
  const form = new URLSearchParams({ grant_type: 'urn:ietf:params:oauth:grant-type:pre-authorized_code', 'pre-authorized_code': code });
  if (txCode !== undefined) form.set('tx_code', txCode);
  return call(`${sandbox.url}/openid4vci/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: form });
}

/** @param {SandboxIssuer} sandbox */
export async function freshNonce(sandbox) {
  return (await call(`${sandbox.url}/openid4vci/nonce`, { method: 'POST' })).body.c_nonce;
}

/** A holder key pair; `publicJwk` without `d`. */
export async function holderKey(alg = 'ES256') {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true, ...(alg === 'EdDSA' ? { crv: 'Ed25519' } : {}) });
  return { privateKey, publicKey, publicJwk: await exportJWK(publicKey), alg };
}

/**
 * An OID4VCI 1.0 jwt proof (Appendix F.1): `jwk` in the header unless `header` names a `kid`.
 * @param {{ privateKey: any, publicJwk: any, alg: string }} key
 * @param {{ aud: string, nonce?: string, header?: Record<string, unknown>, signWith?: any }} options
 */
export function proofJwt(key, { aud, nonce, header = { jwk: key.publicJwk }, signWith = key.privateKey }) {
  return new SignJWT(nonce === undefined ? {} : { nonce })
    .setProtectedHeader({ alg: key.alg, typ: 'openid4vci-proof+jwt', ...header })
    .setAudience(aud)
    .setIssuedAt()
    .sign(signWith);
}

/**
 * @param {SandboxIssuer} sandbox
 * @param {string | undefined} accessToken sent as a Bearer header unless `inQuery`
 * @param {Record<string, unknown>} body
 * @param {{ inQuery?: boolean }} [options]
 */
export function credentialRequest(sandbox, accessToken, body, { inQuery = false } = {}) {
  const url = `${sandbox.url}/openid4vci/credential${inQuery ? `?access_token=${encodeURIComponent(accessToken ?? '')}` : ''}`;
  const headers = { 'content-type': 'application/json', ...(accessToken && !inQuery ? { authorization: `Bearer ${accessToken}` } : {}) };
  return call(url, { method: 'POST', headers, body: JSON.stringify(body) });
}

/**
 * The happy path up to the credential response, with any step replaced: returns every answer.
 * @param {SandboxIssuer} sandbox
 * @param {string} profileId
 * @param {{ key?: any, proofHeader?: Record<string, unknown>, offer?: Record<string, unknown>, request?: (proof: string, configurationId: string) => Record<string, unknown> | Promise<Record<string, unknown>> }} [options]
 */
export async function issue(sandbox, profileId, options = {}) {
  const created = await createOffer(sandbox, profileId, options.offer);
  const token = await tokenRequest(sandbox, created.code, created.txCodeValue);
  if (token.status !== 200) throw new Error(`token: ${token.status} ${JSON.stringify(token.body)}`);
  const key = options.key ?? (await holderKey());
  const jwt = await proofJwt(key, { aud: `${sandbox.url}/openid4vci`, nonce: await freshNonce(sandbox), header: options.proofHeader });
  const body = (await options.request?.(jwt, created.configurationId)) ?? { credential_configuration_id: created.configurationId, proofs: { jwt: [jwt] } };
  const credential = await credentialRequest(sandbox, token.body.access_token, body);
  return { created, token, key, credential };
}

/**
 * Starts `issuer-events sandbox --port 0 …args` (in-process unless `spawn`) and resolves with its URL once Ready.
 * `stop()` ends it as SIGTERM would.
 * @param {string[]} args
 * @param {{ spawn?: boolean, env?: Record<string, string> }} [options]
 */
export async function startSandboxCli(args = [], options = {}) {
  const server = await startServer(['sandbox', '--port', '0', ...args], /Ready! Sandbox issuer on (\S+)/, options);
  const stop = () => {
    server.child.kill('SIGTERM');
    return server.result;
  };
  return { url: /** @type {string} */ (server.url), result: server.result, child: server.child, stderr: server.stderr, stop };
}

/**
 * Subscribes to a session's SSE stream (walt.id delivers nothing sent before the first
 * subscriber) and collects its events; resolves once the stream is open.
 * @param {string} url the stream's URL
 */
export async function collectSse(url) {
  const controller = new AbortController();
  const res = await fetch(url, { signal: controller.signal, headers: { accept: 'text/event-stream' } });
  /** @type {any[]} */
  const events = [];
  const reading = (async () => {
    let buffer = '';
    try {
      for await (const chunk of /** @type {any} */ (res.body)) {
        buffer += Buffer.from(chunk).toString('utf8');
        for (let i = buffer.indexOf('\r\n\r\n'); i !== -1; i = buffer.indexOf('\r\n\r\n')) {
          const data = JSON.parse(buffer.slice(0, i).replace(/^data: /, ''));
          buffer = buffer.slice(i + 4);
          if (data.event) events.push(data);
        }
      }
    } catch {}
  })();
  return {
    events,
    async close() {
      controller.abort();
      await reading;
    },
  };
}

/** A webhook receiver on 127.0.0.1 that keeps every JSON body it is sent. */
export async function collectWebhooks() {
  /** @type {any[]} */
  const bodies = [];
  const server = await listen(async (req, res) => {
    bodies.push(JSON.parse((await readBody(req)).toString('utf8')));
    res.end();
  });
  return { url: `${server.url}/hook`, bodies, close: server.close };
}

/** The OID4VCI format each sandbox profile format is advertised as (the sandbox's configurationOf). */
export const OID4VCI_FORMAT = /** @type {Record<string, string>} */ ({ w3c_vc: 'jwt_vc_json', sd_jwt_vc: 'dc+sd-jwt', mso_mdoc: 'mso_mdoc' });

/**
 * The OpenWallet Foundation's OID4VCI client as a wallet, signing with `key` (an independent
 * wallet against the sandbox: it shares no code with issuer-events' own).
 * @param {{ privateKey: CryptoKey | import('node:crypto').KeyObject, publicJwk: import('jose').JWK }} key
 */
export function owfClient(key) {
  return new Openid4vciClient({
    callbacks: {
      fetch,
      hash: (data, alg) => createHash(alg.replace('-', '').toLowerCase()).update(data).digest(),
      generateRandom: (n) => randomBytes(n),
      clientAuthentication: clientAuthenticationNone({ clientId: 'owf-test-wallet' }),
      signJwt: async (_signer, { header, payload }) => ({
        jwt: await new SignJWT(payload).setProtectedHeader(/** @type {any} */ (header)).sign(key.privateKey),
        signerJwk: /** @type {any} */ (key.publicJwk),
      }),
    },
  });
}
