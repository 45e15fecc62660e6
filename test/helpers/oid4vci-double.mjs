// An OID4VCI issuer double laid out like walt.id issuer2 (docs/providers.md): credential issuer
// <base>/openid4vci, path-inserted .well-known documents, /openid4vci/{credential-offer,token,
// nonce,credential,jwks}. Written by hand with jose so that `claim` is tested against an issuer
// that shares no code with the wallet or the sandbox. `state` turns it hostile for one test
// (its own answer to any route, credentials it forges, keys it publishes); `reset()` undoes it.
// A minimal walt.id management API (POST /issuer2/credential-offers, the session's SSE stream,
// which says SUCCESSFUL once the credential is issued) lets `offer create --claim` run against it.
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { CompactSign, decodeProtectedHeader, exportJWK, generateKeyPair, importJWK, jwtVerify, SignJWT } from 'jose';
import { listen, readBody } from './http.mjs';

const b64url = (value) => Buffer.from(value).toString('base64url');

/**
 * @typedef {{
 *   route?: (req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse, url: URL, raw: string) => boolean | Promise<boolean>,
 *   issue?: (input: { holder: any, configurationId: string, format: string, tools: any }) => Promise<string> | string,
 *   configurations?: (configurations: Record<string, any>) => Record<string, any>,
 *   extraKeys: any[],
 *   tokenResponse?: Record<string, unknown>,
 *   offerResponse?: Record<string, unknown>,
 *   credential401: boolean,
 *   notification?: { status: number, body?: Record<string, unknown> },
 * }} DoubleState
 */

/**
 * @param {{ draft13?: boolean, credential401?: boolean }} [options]
 *   draft13: metadata, requests and responses as OID4VCI draft 13 (format-based requests, `proof`,
 *   `c_nonce` in the token response, no nonce endpoint); credential401: the credential endpoint
 *   answers 401.
 */
export async function startOid4vciDouble(options = {}) {
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
  const kid = 'issuer-key-1';
  const publicJwk = { ...(await exportJWK(publicKey)), kid, alg: 'ES256', use: 'sig' };
  /** @type {Map<string, { offer: any, preAuthorizedCode: string, txCode?: string, expired?: boolean }>} */
  const offers = new Map();
  /** @type {Map<string, string>} access token → offer id */
  const tokens = new Map();
  const nonces = new Set();
  const requests = [];
  /** Every accepted proof's protected header. */
  const proofHeaders = [];
  /** @type {DoubleState} */
  const state = { credential401: Boolean(options.credential401), extraKeys: [] };
  /** @type {Map<string, import('node:http').ServerResponse>} session id → its open SSE stream */
  const streams = new Map();
  let base = '';
  const published = () => [publicJwk, ...state.extraKeys];

  const configurations = () => {
    const common = {
      cryptographic_binding_methods_supported: ['jwk'],
      credential_signing_alg_values_supported: ['ES256'],
      proof_types_supported: { jwt: { proof_signing_alg_values_supported: ['ES256'] } },
    };
    const display = [{ name: 'Test credential', locale: 'en' }];
    const meta = (extra) => (options.draft13 ? { ...extra, display } : { ...extra, credential_metadata: { display } });
    const configurations = {
      OpenBadgeCredential_jwt_vc_json: meta({ format: 'jwt_vc_json', credential_definition: { type: ['VerifiableCredential', 'OpenBadgeCredential'] }, ...common }),
      identity_credential: meta({ format: options.draft13 ? 'vc+sd-jwt' : 'dc+sd-jwt', vct: `${base}/openid4vci/identity_credential`, ...common }),
    };
    return state.configurations ? state.configurations(configurations) : configurations;
  };

  const json = (res, status, body) => {
    res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
    res.end(JSON.stringify(body));
  };

  const srv = await listen(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://double');
    const raw = (await readBody(req)).toString('utf8');
    requests.push({ method: req.method, path: url.pathname, search: url.search, headers: req.headers, raw });
    if (state.route && (await state.route(req, res, url, raw))) return;
    const issuer = `${base}/openid4vci`;
    const events = /^\/issuer2\/sessions\/([^/]+)\/events$/.exec(url.pathname);
    if (req.method === 'GET' && events) return sessionEvents(res, decodeURIComponent(events[1] ?? ''));
    switch (`${req.method} ${url.pathname}`) {
      case 'GET /.well-known/openid-credential-issuer/openid4vci':
        return json(res, 200, {
          credential_issuer: issuer,
          credential_endpoint: `${issuer}/credential`,
          ...(options.draft13 ? {} : { nonce_endpoint: `${issuer}/nonce` }),
          ...(state.notification ? { notification_endpoint: `${issuer}/notification` } : {}),
          credential_configurations_supported: configurations(),
        });
      case 'GET /.well-known/oauth-authorization-server/openid4vci':
        return json(res, 200, {
          issuer,
          token_endpoint: `${issuer}/token`,
          jwks_uri: `${issuer}/jwks`,
          grant_types_supported: ['urn:ietf:params:oauth:grant-type:pre-authorized_code'],
          'pre-authorized_grant_anonymous_access_supported': true,
        });
      case 'GET /.well-known/jwt-vc-issuer/openid4vci':
        return json(res, 200, { issuer, jwks: { keys: published() } });
      case 'GET /openid4vci/jwks':
        return json(res, 200, { keys: published() });
      case 'POST /issuer2/credential-offers':
        return managementOffer(res, raw);
      case 'GET /openid4vci/credential-offer': {
        const entry = offers.get(url.searchParams.get('id') ?? '');
        if (!entry || entry.expired) return json(res, 404, { exception: true, status: 'Not Found', code: '404', message: 'Unknown credential offer' });
        return json(res, 200, entry.offer);
      }
      case 'POST /openid4vci/token':
        return token(res, new URLSearchParams(raw));
      case 'POST /openid4vci/nonce': {
        const cNonce = randomUUID();
        nonces.add(cNonce);
        return json(res, 200, { c_nonce: cNonce });
      }
      case 'POST /openid4vci/credential':
        return credential(req, res, raw);
      case 'POST /openid4vci/notification': {
        // state.notification: a Notification Endpoint (OID4VCI 1.0 §11) answering this.
        if (!state.notification) return json(res, 404, { message: 'no notification endpoint' });
        const { status, body } = state.notification;
        if (body === undefined) {
          res.writeHead(status);
          return res.end();
        }
        return json(res, status, body);
      }
      default:
        return json(res, 404, { message: `no route ${req.method} ${url.pathname}` });
    }
  });
  base = srv.url;

  function token(res, form) {
    const entry = [...offers.values()].find((o) => o.preAuthorizedCode === form.get('pre-authorized_code'));
    if (form.get('grant_type') !== 'urn:ietf:params:oauth:grant-type:pre-authorized_code') return json(res, 400, { error: 'unsupported_grant_type' });
    if (!entry || entry.expired) return json(res, 400, { error: 'invalid_grant', error_description: 'pre-authorized_code is invalid or expired' });
    if (entry.txCode !== undefined && form.get('tx_code') !== entry.txCode) return json(res, 400, { error: 'invalid_grant', error_description: 'tx_code is invalid' });
    const accessToken = b64url(randomBytes(24));
    tokens.set(accessToken, entry.offer);
    const body = { access_token: accessToken, token_type: 'bearer', expires_in: 300, ...state.tokenResponse };
    if (state.tokenResponse?.access_token) tokens.set(String(state.tokenResponse.access_token), entry.offer);
    if (options.draft13) {
      const cNonce = randomUUID();
      nonces.add(cNonce);
      Object.assign(body, { c_nonce: cNonce, c_nonce_expires_in: 300 });
    }
    return json(res, 200, body);
  }

  async function credential(req, res, raw) {
    if (state.credential401) return json(res, 401, { error: 'invalid_token', error_description: 'token expired' });
    const auth = /^(?:bearer|dpop)\s+(\S+)$/i.exec(req.headers.authorization ?? '')?.[1];
    if (!auth || !tokens.has(auth)) return json(res, 401, { error: 'invalid_token' });
    const body = JSON.parse(raw);
    const configurationId = options.draft13 ? Object.entries(configurations()).find(([, c]) => c.format === body.format)?.[0] : body.credential_configuration_id;
    const proofJwt = options.draft13 ? body.proof?.jwt : body.proofs?.jwt?.[0];
    if (!configurationId) return json(res, 400, { error: 'invalid_credential_request' });
    const holder = await verifyProof(proofJwt);
    if (!holder) return json(res, 400, { error: 'invalid_proof', error_description: 'Proof of possession could not be verified' });
    const format = configurations()[configurationId].format;
    const issued = state.issue ? await state.issue({ holder, configurationId, format, tools }) : format === 'jwt_vc_json' ? await jwtVc(holder) : await sdJwt(holder);
    const sessionId = [...offers].find(([, o]) => o.offer === tokens.get(auth))?.[0];
    const stream = sessionId === undefined ? undefined : streams.get(sessionId);
    stream?.write(`data: ${JSON.stringify({ target: sessionId, event: 'issuance_status_changed', session: { id: sessionId, status: 'SUCCESSFUL' } })}\n\n`);
    if (!options.draft13) return json(res, 200, { credentials: [{ credential: issued }], ...(state.notification ? { notification_id: `n-${randomUUID()}` } : {}) });
    // Draft 13: a fresh c_nonce for the next proof comes with each credential response.
    const cNonce = randomUUID();
    nonces.add(cNonce);
    return json(res, 200, { credential: issued, c_nonce: cNonce, c_nonce_expires_in: 300 });
  }

  async function verifyProof(jwt) {
    try {
      const header = decodeProtectedHeader(jwt);
      // A key in the jwk header, or a did:jwk DID URL in kid (OID4VCI 1.0 Appendix F.1): decoded by hand here.
      const did = typeof header.kid === 'string' && header.kid.startsWith('did:jwk:') ? header.kid.split('#')[0] : undefined;
      const jwk = header.jwk ?? (did ? JSON.parse(Buffer.from(did.slice('did:jwk:'.length), 'base64url').toString('utf8')) : undefined);
      if (header.typ !== 'openid4vci-proof+jwt' || !jwk || (header.jwk && header.kid)) return undefined;
      const { payload } = await jwtVerify(jwt, await importJWK(jwk, header.alg), { audience: `${base}/openid4vci` });
      if (typeof payload.nonce !== 'string' || !nonces.delete(payload.nonce)) return undefined;
      proofHeaders.push(header);
      return did ? { ...jwk, did } : jwk;
    } catch {
      return undefined;
    }
  }

  const sign = (payload, typ) => new SignJWT(payload).setProtectedHeader({ alg: 'ES256', kid, typ }).setIssuedAt().sign(privateKey);

  /** walt.id's management API, enough for offer create: a 201 with the offer of a configuration named by profileId. */
  function managementOffer(res, raw) {
    const body = JSON.parse(raw);
    const configurationIds = body.profileId in configurations() ? [body.profileId] : undefined;
    const created = api.createOffer({ configurationIds, txCode: body.txCode ? '123456' : undefined });
    return json(res, 201, { ...created, profileId: body.profileId, authMethod: body.authMethod, expiresAt: Date.now() + 300_000, ...state.offerResponse });
  }

  /** The session's stream: a keep-alive now, SUCCESSFUL once its credential is issued; never closed by the issuer. */
  function sessionEvents(res, sessionId) {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    res.write('data: {}\n\n');
    streams.set(sessionId, res);
  }

  /**
   * What a hostile `state.issue` builds credentials with: the issuer's key and kid, the default
   * credentials, and JWT/SD-JWT assembly with any header, payload and key.
   */
  const tools = {
    get base() {
      return `${base}/openid4vci`;
    },
    kid,
    privateKey,
    publicJwk,
    b64url,
    jwtVc: (holder) => jwtVc(holder),
    sdJwt: (holder) => sdJwt(holder),
    /** @param {Record<string, unknown>} payload @param {Record<string, unknown>} header @param {any} [key] */
    sign: (payload, header, key = privateKey) => new SignJWT(payload).setProtectedHeader(/** @type {any} */ ({ alg: 'ES256', ...header })).sign(key),
    /** A JWS over a payload given as text (shapes jose's SignJWT will not copy, such as very deep nesting). */
    signText: (payloadText, header, key = privateKey) =>
      new CompactSign(new TextEncoder().encode(payloadText)).setProtectedHeader(/** @type {any} */ ({ alg: 'ES256', ...header })).sign(key),
    /** The SD-JWT's disclosures for `[name, value]` pairs and their digests. */
    disclose: (pairs) => {
      const disclosures = pairs.map(([k, v]) => b64url(JSON.stringify([b64url(randomBytes(16)), k, v])));
      return { disclosures, digests: disclosures.map((d) => createHash('sha256').update(d).digest('base64url')) };
    },
  };

  /** The proof's key, and the DID its kid named (a DID-bound proof: the credential's subject is that DID). */
  function jwtVc(holder) {
    const { did, ...jwk } = holder;
    const subject = did ?? `did:jwk:${b64url(JSON.stringify(jwk))}`;
    return sign(
      {
        iss: `${base}/openid4vci`,
        sub: subject,
        vc: {
          '@context': ['https://www.w3.org/2018/credentials/v1'],
          type: ['VerifiableCredential', 'OpenBadgeCredential'],
          credentialSubject: { id: subject, achievement: { name: 'Test badge' } },
        },
      },
      'JWT',
    );
  }

  function sdJwt(holder) {
    const { did, ...jwk } = holder;
    const disclosures = [
      ['given_name', 'Ada'],
      ['family_name', 'Lovelace'],
      ['birthdate', '1815-12-10'],
    ].map(([k, v]) => b64url(JSON.stringify([b64url(randomBytes(16)), k, v])));
    const digests = disclosures.map((d) => createHash('sha256').update(d).digest('base64url'));
    return sign(
      {
        iss: `${base}/openid4vci`,
        vct: `${base}/openid4vci/identity_credential`,
        ...(did ? { sub: did } : {}),
        cnf: { jwk },
        _sd: digests,
        _sd_alg: 'sha-256',
        nationality: 'GB',
      },
      'dc+sd-jwt',
    ).then((jwt) => `${jwt}~${disclosures.join('~')}~`);
  }

  const api = {
    url: base,
    requests,
    proofHeaders,
    state,
    publicJwk,
    tools,
    /** Back to an honest issuer: no hooks, no extra keys, no recorded requests. */
    reset() {
      for (const key of /** @type {(keyof DoubleState)[]} */ (['route', 'issue', 'configurations', 'tokenResponse', 'offerResponse', 'notification'])) delete state[key];
      state.extraKeys = [];
      state.credential401 = Boolean(options.credential401);
      requests.length = 0;
      proofHeaders.length = 0;
    },
    /**
     * Creates an offer for `configurationIds`; returns the walt.id-style 201 object.
     * @param {{ configurationIds?: string[], txCode?: string, authorizationCodeOnly?: boolean, preAuthorizedCode?: string }} [o]
     */
    createOffer(o = {}) {
      const id = randomUUID();
      const preAuthorizedCode = o.preAuthorizedCode ?? b64url(randomBytes(16));
      const grants = o.authorizationCodeOnly
        ? { authorization_code: { issuer_state: id } }
        : {
            'urn:ietf:params:oauth:grant-type:pre-authorized_code': {
              'pre-authorized_code': preAuthorizedCode,
              ...(o.txCode ? { tx_code: { input_mode: 'numeric', length: o.txCode.length } } : {}),
            },
          };
      const offer = { credential_issuer: `${base}/openid4vci`, credential_configuration_ids: o.configurationIds ?? ['OpenBadgeCredential_jwt_vc_json'], grants };
      offers.set(id, { offer, preAuthorizedCode, txCode: o.txCode });
      const credentialOffer = `openid-credential-offer://?credential_offer_uri=${encodeURIComponent(`${base}/openid4vci/credential-offer?id=${id}`)}`;
      return { offerId: id, credentialOffer, ...(o.txCode ? { txCodeValue: o.txCode } : {}) };
    },
    expire(id) {
      const entry = offers.get(id);
      if (entry) entry.expired = true;
    },
    close: () => {
      for (const stream of streams.values()) stream.destroy();
      return srv.close();
    },
  };
  return api;
}
