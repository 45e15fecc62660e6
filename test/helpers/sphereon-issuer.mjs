import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import { TokenError } from '@sphereon/oid4vci-common';
import { assertValidAccessTokenRequest, createAccessTokenResponse, MemoryStates, VcIssuer } from '@sphereon/oid4vci-issuer';
import { decodeJwt, decodeProtectedHeader, exportJWK, generateKeyPair, importJWK, jwtVerify, SignJWT } from 'jose';

/**
 * An independent OID4VCI issuer for `check --offer-command`: Sphereon's `@sphereon/oid4vci-issuer`
 * (VcIssuer: offers, token, credential) behind the HTTP routes its own REST package
 * (`@sphereon/oid4vci-issuer-server`, packages/issuer-rest in Sphereon-Opensource/OID4VC) puts in
 * front of it, with the same answers: metadata at `/.well-known/openid-credential-issuer`, `POST
 * /token` (assertValidAccessTokenRequest, then createAccessTokenResponse), `POST /credentials`
 * (400 invalid_token without a bearer token; any error of issueCredential is HTTP 500
 * invalid_request) and `POST /webapp/credential-offers`. One jwt_vc_json configuration; the
 * issuer signs with an ES256 key named by a did:jwk kid. Loopback, port 0.
 *
 * @returns {Promise<{ url: string, offersUrl: string, close(): Promise<void> }>}
 */
export async function startSphereonIssuer() {
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
  const publicJwk = await exportJWK(publicKey);
  const issuerDid = `did:jwk:${Buffer.from(JSON.stringify({ ...publicJwk, alg: 'ES256', use: 'sig' })).toString('base64url')}`;
  const server = createServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(undefined)));
  const { port } = /** @type {import('node:net').AddressInfo} */ (server.address());
  const url = `http://127.0.0.1:${port}`;
  const configurationId = 'UniversityDegree_jwt_vc_json';
  const metadata = {
    credential_issuer: url,
    credential_endpoint: `${url}/credentials`,
    token_endpoint: `${url}/token`,
    display: [{ name: 'Sphereon test issuer', locale: 'en-US' }],
    credential_configurations_supported: {
      [configurationId]: {
        format: 'jwt_vc_json',
        credential_definition: { type: ['VerifiableCredential', 'UniversityDegree'] },
        cryptographic_binding_methods_supported: ['jwk', 'did:jwk'],
        credential_signing_alg_values_supported: ['ES256'],
        proof_types_supported: { jwt: { proof_signing_alg_values_supported: ['ES256'] } },
      },
    },
  };
  const authorizationServerMetadata = {
    issuer: url,
    token_endpoint: `${url}/token`,
    grant_types_supported: ['urn:ietf:params:oauth:grant-type:pre-authorized_code'],
  };
  const sign = (/** @type {Record<string, unknown>} */ payload, /** @type {Record<string, unknown>} */ header) =>
    new SignJWT(payload).setProtectedHeader({ alg: 'ES256', kid: `${issuerDid}#0`, ...header }).sign(privateKey);
  const issuer = new VcIssuer(/** @type {any} */ (metadata), /** @type {any} */ (authorizationServerMetadata), {
    credentialOfferSessions: new MemoryStates(),
    cNonces: new MemoryStates(),
    uris: new MemoryStates(),
    cNonceExpiresIn: 300,
    // The proof of possession: its jwk header names the key it is checked with.
    jwtVerifyCallback: /** @type {any} */ (
      async ({ jwt }) => {
        const header = decodeProtectedHeader(jwt);
        if (!header.jwk) throw new Error('the proof names no jwk');
        await jwtVerify(jwt, await importJWK(/** @type {any} */ (header.jwk), String(header.alg)));
        return { jwt: { header, payload: decodeJwt(jwt) }, jwk: header.jwk, alg: header.alg };
      }
    ),
    credentialDataSupplier: /** @type {any} */ (
      async () => ({
        format: 'jwt_vc_json',
        credential: {
          '@context': ['https://www.w3.org/2018/credentials/v1'],
          type: ['VerifiableCredential', 'UniversityDegree'],
          issuer: issuerDid,
          issuanceDate: new Date().toISOString(),
          credentialSubject: { degree: { type: 'BachelorDegree', name: 'Bachelor of Science and Arts' } },
        },
      })
    ),
    // The deployer's signer: a VC-JWT bound to the holder key by its did:jwk subject.
    credentialSignerCallback: /** @type {any} */ (
      async ({ credential, jwtVerifyResult }) => {
        const jwk = jwtVerifyResult.jwk;
        const holder = `did:jwk:${Buffer.from(JSON.stringify({ kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y })).toString('base64url')}`;
        const now = Math.floor(Date.now() / 1000);
        const vc = { ...credential, credentialSubject: { ...credential.credentialSubject, id: holder } };
        return sign({ iss: issuerDid, sub: holder, nbf: now, iat: now, jti: `urn:uuid:${randomUUID()}`, vc }, { typ: 'JWT' });
      }
    ),
  });
  const accessTokenSignerCallback = async (/** @type {any} */ jwt) => sign(jwt.payload, { typ: 'JWT' });

  server.on('request', (req, res) => {
    void handle(req, res).catch((/** @type {Error} */ error) => send(res, 500, { error: 'invalid_request', error_description: error.message }));
  });

  /** @param {import('node:http').IncomingMessage} req @param {import('node:http').ServerResponse} res */
  async function handle(req, res) {
    const path = new URL(req.url ?? '/', url).pathname;
    const text = await body(req);
    if (req.method === 'GET' && path === '/.well-known/openid-credential-issuer') return send(res, 200, issuer.issuerMetadata);
    if (req.method === 'GET' && path === '/.well-known/oauth-authorization-server') return send(res, 200, issuer.authorizationServerMetadata);
    if (req.method === 'POST' && path === '/webapp/credential-offers') {
      const { txCode } = JSON.parse(text || '{}');
      /** @type {any} */
      const grant = { 'pre-authorized_code': randomUUID(), ...(txCode ? { tx_code: { input_mode: 'numeric', length: 4 } } : {}) };
      const result = await issuer.createCredentialOfferURI({
        grants: { 'urn:ietf:params:oauth:grant-type:pre-authorized_code': grant },
        credential_configuration_ids: [configurationId],
        offerMode: 'VALUE',
        ...(txCode ? { pinLength: 4 } : {}),
      });
      return send(res, 200, { uri: result.uri, txCode: result.userPin });
    }
    if (req.method === 'POST' && path === '/token') {
      res.setHeader('cache-control', 'no-store');
      const request = Object.fromEntries(new URLSearchParams(text));
      try {
        await assertValidAccessTokenRequest(/** @type {any} */ (request), { credentialOfferSessions: issuer.credentialOfferSessions, expirationDuration: 300 });
      } catch (error) {
        if (error instanceof TokenError) return send(res, error.statusCode, { error: error.responseError, error_description: error.getDescription() });
        return send(res, 400, { error: 'invalid_request', error_description: /** @type {Error} */ (error).message });
      }
      try {
        const response = await createAccessTokenResponse(/** @type {any} */ (request), {
          credentialOfferSessions: issuer.credentialOfferSessions,
          cNonces: issuer.cNonces,
          cNonce: randomUUID(),
          cNonceExpiresIn: 300,
          tokenExpiresIn: 300,
          accessTokenIssuer: url,
          accessTokenSignerCallback,
        });
        return send(res, 200, response);
      } catch {
        return send(res, 400, { error: 'invalid_request' });
      }
    }
    if (req.method === 'POST' && path === '/credentials') {
      const token = /Bearer (.*)/i.exec(req.headers.authorization ?? '')?.[1];
      let claims;
      try {
        if (!token) throw new Error('No JWT was supplied');
        ({ payload: claims } = await jwtVerify(token, publicKey));
      } catch {
        return send(res, 400, { error: 'invalid_token' });
      }
      try {
        const response = await issuer.issueCredential({
          credentialRequest: JSON.parse(text),
          issuerCorrelation: { preAuthorizedCode: /** @type {string} */ (claims.preAuthorizedCode) },
          tokenExpiresIn: 300,
          cNonceExpiresIn: 300,
        });
        return send(res, 200, response);
      } catch (error) {
        return send(res, 500, { error: 'invalid_request', error_description: /** @type {Error} */ (error).message });
      }
    }
    return send(res, 404, { error: 'not_found' });
  }

  return {
    url,
    offersUrl: `${url}/webapp/credential-offers`,
    close: () => new Promise((resolve) => server.close(() => resolve(undefined)) && server.closeAllConnections()),
  };
}

/** @param {import('node:http').IncomingMessage} req */
function body(req) {
  return new Promise((resolve, reject) => {
    let text = '';
    req.setEncoding('utf8');
    req.on('data', (d) => (text += d));
    req.on('end', () => resolve(text));
    req.on('error', reject);
  });
}

/** @param {import('node:http').ServerResponse} res @param {number} status @param {unknown} value */
function send(res, status, value) {
  const text = JSON.stringify(value);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}
