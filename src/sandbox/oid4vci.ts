import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { type CallbackContext, clientAuthenticationNone, Oauth2AuthorizationServer, Oauth2ServerErrorResponseError, preAuthorizedCodeGrantIdentifier } from '@openid4vc/oauth2';
import { type CredentialIssuerMetadata, type IssuerMetadataResult, Openid4vciIssuer, Openid4vciVersion } from '@openid4vc/openid4vci';
import { decodeJwt, decodeProtectedHeader, importJWK, type JWK, jwtVerify, SignJWT } from 'jose';
import { type IssueInput, issueCredential } from './credentials.js';
import type { IssuerKeys } from './issuer-keys.js';
import type { SandboxProfile } from './profiles.js';
import type { Session } from './session-store.js';

/** An HTTP answer: status and JSON body. */
export interface Answer {
  status: number;
  body: unknown;
}

/** What the endpoints report, for events: the server maps these to walt.id's event names. */
export interface Oid4vciHooks {
  sessionById(id: string): Session | undefined;
  sessionByPreAuthorizedCode(code: string): Session | undefined;
  tokenSucceeded(session: Session, requestId: string): Promise<void>;
  tokenFailed(session: Session | undefined, requestId: string, error: string, description: string): Promise<void>;
  nonceIssued(requestId: string): Promise<void>;
  /** Called with the session already saved terminal (walt.id saves before it emits). */
  credentialIssued(session: Session, requestId: string): Promise<void>;
  credentialFailed(session: Session, requestId: string, error: string, description: string): Promise<void>;
}

/**
 * The proof algorithms the metadata advertises, all asymmetric: a proof signed with anything else
 * (HS256 with an `oct` jwk, whose "public" key is the HMAC secret; `none`) is refused.
 */
const PROOF_SIGNING_ALGS = ['ES256', 'ES384', 'EdDSA'];

/** Nonces live this long and at most this many at once: a stranger cannot grow the set forever. */
const NONCE_TTL_MS = 5 * 60_000;
const MAX_NONCES = 10_000;

const oauthError = (status: number, error: string, description: string): Answer => ({ status, body: { error, error_description: description } });

/**
 * The OID4VCI issuer and authorization server at walt.id issuer2's paths, built on the
 * OpenWallet Foundation libraries (`Openid4vciIssuer`, `Oauth2AuthorizationServer`):
 * metadata, token (pre-authorized code, tx code), nonce and credential endpoints.
 */
export class SandboxOid4vci {
  private readonly issuer: Openid4vciIssuer;
  private readonly authorizationServer: Oauth2AuthorizationServer;
  private readonly nonces = new Map<string, number>();
  /** Sessions whose credential request is being answered: one at a time per session (bounded by requests in flight). */
  private readonly issuing = new Set<Session>();

  constructor(
    private readonly keys: IssuerKeys,
    private readonly profiles: Map<string, SandboxProfile>,
    private readonly issuerUrl: () => string,
    private readonly hooks: Oid4vciHooks,
  ) {
    const callbacks = this.callbacks();
    this.issuer = new Openid4vciIssuer({ callbacks });
    this.authorizationServer = new Oauth2AuthorizationServer({ callbacks });
  }

  private callbacks(): CallbackContext {
    const unsupported = (): never => {
      throw new Error('not supported by the sandbox');
    };
    return {
      hash: (data, alg) => createHash(alg.replace('-', '').toLowerCase()).update(data).digest(),
      generateRandom: (bytes) => randomBytes(bytes),
      clientAuthentication: clientAuthenticationNone({ clientId: 'sandbox' }),
      signJwt: async (_signer, { header, payload }) => ({
        jwt: await new SignJWT(payload).setProtectedHeader({ ...header, kid: this.keys.kid } as { alg: string }).sign(this.keys.privateKey),
        signerJwk: this.keys.publicJwk as never,
      }),
      verifyJwt: async (signer, { compact }) => {
        if (signer.method !== 'jwk') return { verified: false };
        try {
          await jwtVerify(compact, await importJWK(signer.publicJwk as JWK, signer.alg), { clockTolerance: 300 });
          return { verified: true, signerJwk: signer.publicJwk };
        } catch {
          return { verified: false };
        }
      },
      decryptJwe: unsupported,
      encryptJwe: unsupported,
    };
  }

  /** `/.well-known/openid-credential-issuer/openid4vci`: OID4VCI 1.0 metadata (credential_metadata per configuration). */
  credentialIssuerMetadata(): CredentialIssuerMetadata {
    const base = this.issuerUrl();
    const configurations: Record<string, unknown> = {};
    for (const profile of this.profiles.values()) configurations[profile.credentialConfigurationId] = configurationOf(profile, base);
    return this.issuer.createCredentialIssuerMetadata({
      credential_issuer: base,
      credential_endpoint: `${base}/credential`,
      nonce_endpoint: `${base}/nonce`,
      credential_configurations_supported: configurations as CredentialIssuerMetadata['credential_configurations_supported'],
      display: [{ name: 'issuer-events sandbox', locale: 'en' }],
    });
  }

  /** `/.well-known/oauth-authorization-server/openid4vci`: the issuer is its own authorization server. */
  authorizationServerMetadata() {
    const base = this.issuerUrl();
    return this.authorizationServer.createAuthorizationServerMetadata({
      issuer: base,
      token_endpoint: `${base}/token`,
      jwks_uri: `${base}/jwks`,
      grant_types_supported: [preAuthorizedCodeGrantIdentifier, 'authorization_code'],
      'pre-authorized_grant_anonymous_access_supported': true,
    });
  }

  /** `/.well-known/jwt-vc-issuer/openid4vci` (SD-JWT VC issuer metadata). */
  jwtVcIssuerMetadata(): unknown {
    return { issuer: this.issuerUrl(), jwks: this.jwks() };
  }

  jwks(): { keys: JWK[] } {
    return { keys: [this.keys.publicJwk] };
  }

  // Built once per base URL: the library validates the whole metadata each time it is created.
  private cachedMetadata: { base: string; result: IssuerMetadataResult } | undefined;

  private metadataResult(): IssuerMetadataResult {
    const base = this.issuerUrl();
    if (this.cachedMetadata?.base === base) return this.cachedMetadata.result;
    const credentialIssuer = this.credentialIssuerMetadata();
    const result = {
      credentialIssuer,
      authorizationServers: [this.authorizationServerMetadata()],
      originalDraftVersion: Openid4vciVersion.V1,
      knownCredentialConfigurations: this.issuer.getKnownCredentialConfigurationsSupported(credentialIssuer),
    } as IssuerMetadataResult;
    this.cachedMetadata = { base, result };
    return result;
  }

  /** The credential offer object of `GET /openid4vci/credential-offer?id=`. */
  offerObject(session: Session): unknown {
    const grants =
      session.offer.authMethod === 'PRE_AUTHORIZED'
        ? {
            [preAuthorizedCodeGrantIdentifier]: {
              'pre-authorized_code': session.preAuthorizedCode,
              ...(session.offer.txCode ? { tx_code: { input_mode: 'numeric', length: session.txCodeValue?.length, ...session.offer.txCode } } : {}),
            },
          }
        : { authorization_code: session.offer.issuerStateMode === 'OMIT' ? {} : { issuer_state: session.id } };
    return { credential_issuer: this.issuerUrl(), credential_configuration_ids: [session.profile.credentialConfigurationId], grants };
  }

  async token(form: URLSearchParams, request: { url: string; headers: Headers }, requestId: string): Promise<Answer> {
    let parsed: ReturnType<Oauth2AuthorizationServer['parseAccessTokenRequest']>;
    try {
      parsed = this.authorizationServer.parseAccessTokenRequest({
        accessTokenRequest: Object.fromEntries(form),
        request: { method: 'POST', url: request.url, headers: request.headers },
      });
    } catch (error) {
      return errorAnswer(error, 'invalid_request');
    }
    if (parsed.grant.grantType !== preAuthorizedCodeGrantIdentifier) return oauthError(400, 'unsupported_grant_type', 'the sandbox issues with the pre-authorized code flow only');
    const session = this.hooks.sessionByPreAuthorizedCode(parsed.grant.preAuthorizedCode);
    if (!session) {
      await this.hooks.tokenFailed(undefined, requestId, 'invalid_grant', 'pre-authorized_code is invalid or expired');
      return oauthError(400, 'invalid_grant', 'pre-authorized_code is invalid or expired');
    }
    if (session.txCodeValue !== undefined && parsed.accessTokenRequest.tx_code !== session.txCodeValue) {
      // Refused, and the session stays ACTIVE: the wallet may try again (docs/providers.md).
      await this.hooks.tokenFailed(session, requestId, 'invalid_grant', 'tx_code is invalid');
      return oauthError(400, 'invalid_grant', 'tx_code is invalid');
    }
    try {
      const { dpop } = await this.authorizationServer.verifyPreAuthorizedCodeAccessTokenRequest({
        authorizationServerMetadata: this.authorizationServerMetadata(),
        grant: parsed.grant,
        accessTokenRequest: parsed.accessTokenRequest,
        request: { method: 'POST', url: request.url, headers: request.headers },
        expectedPreAuthorizedCode: session.preAuthorizedCode,
        expectedTxCode: session.txCodeValue,
        dpop: { required: false, ...parsed.dpop },
        clientAttestation: { required: false, ...parsed.clientAttestation },
      });
      const response = await this.authorizationServer.createAccessTokenResponse({
        audience: this.issuerUrl(),
        authorizationServer: this.issuerUrl(),
        signer: { method: 'jwk', alg: 'ES256', publicJwk: this.keys.publicJwk as never },
        subject: session.id,
        expiresInSeconds: 300,
        dpop,
      });
      await this.hooks.tokenSucceeded(session, requestId);
      return { status: 200, body: response };
    } catch (error) {
      const answer = errorAnswer(error, 'invalid_grant');
      const body = answer.body as { error: string; error_description?: string };
      await this.hooks.tokenFailed(session, requestId, body.error, body.error_description ?? '');
      return answer;
    }
  }

  async nonce(requestId: string): Promise<Answer> {
    const now = Date.now();
    for (const [value, expires] of this.nonces) if (expires < now || this.nonces.size >= MAX_NONCES) this.nonces.delete(value);
    const cNonce = randomUUID();
    this.nonces.set(cNonce, now + NONCE_TTL_MS);
    await this.hooks.nonceIssued(requestId);
    return { status: 200, body: { c_nonce: cNonce } };
  }

  async credential(authorization: string | undefined, body: unknown, requestId: string): Promise<Answer> {
    const session = await this.sessionOfToken(authorization);
    if (!session) return oauthError(401, 'invalid_token', 'missing, invalid or expired access token');
    if (session.isClosed) return oauthError(400, 'invalid_credential_request', `session ${session.id} is ${session.status}`);
    // Taken with no await since the check above: of requests racing on one session, one is answered
    // (a credential, or the failure that closes the session); the others are refused.
    if (this.issuing.has(session)) return oauthError(400, 'invalid_credential_request', `a credential request of session ${session.id} is being answered`);
    this.issuing.add(session);
    try {
      return await this.issue(session, body, requestId);
    } finally {
      this.issuing.delete(session);
    }
  }

  private async issue(session: Session, body: unknown, requestId: string): Promise<Answer> {
    let holderJwk: JWK;
    try {
      holderJwk = await this.verifyProof(body);
    } catch (error) {
      const description = `proof of possession could not be verified: ${(error as Error).message.split('\n')[0]}`;
      session.status = 'UNSUCCESSFUL';
      session.isClosed = true;
      await this.hooks.credentialFailed(session, requestId, 'invalid_proof', description);
      return oauthError(400, 'invalid_proof', description);
    }
    const input: IssueInput = { profile: session.profile, credentialData: session.credentialData, holderJwk, issuerUrl: this.issuerUrl(), keys: this.keys };
    const credential = await issueCredential(input);
    // walt.id saves the session terminal before it sends the credential event.
    session.status = 'SUCCESSFUL';
    session.isClosed = true;
    await this.hooks.credentialIssued(session, requestId);
    return { status: 200, body: { credentials: [{ credential }] } };
  }

  private async verifyProof(body: unknown): Promise<JWK> {
    const metadata = this.metadataResult();
    const parsed = this.issuer.parseCredentialRequest({ issuerMetadata: metadata, credentialRequest: body as Record<string, unknown> });
    const jwt = parsed.proofs?.jwt?.[0];
    if (!jwt) throw new Error('no jwt proof in the request');
    const { alg } = decodeProtectedHeader(jwt);
    if (!PROOF_SIGNING_ALGS.includes(String(alg))) throw new Error(`alg ${alg} is not one this issuer advertises (${PROOF_SIGNING_ALGS.join(', ')})`);
    const nonce = decodeJwt(jwt).nonce;
    if (typeof nonce !== 'string' || !this.nonces.delete(nonce)) throw new Error('unknown or reused c_nonce');
    const verified = await this.issuer.verifyCredentialRequestJwtProof({ issuerMetadata: metadata, jwt, expectedNonce: nonce });
    if (!verified.header.jwk) throw new Error('the proof names no jwk');
    const { d: _d, ...publicJwk } = verified.header.jwk as JWK;
    return publicJwk;
  }

  private async sessionOfToken(authorization: string | undefined): Promise<Session | undefined> {
    const token = /^(?:bearer|dpop)\s+(\S+)$/i.exec(authorization ?? '')?.[1];
    if (!token) return undefined;
    try {
      const { payload } = await jwtVerify(token, this.keys.publicKey, { audience: this.issuerUrl(), issuer: this.issuerUrl() });
      return typeof payload.sub === 'string' ? this.hooks.sessionById(payload.sub) : undefined;
    } catch {
      return undefined;
    }
  }
}

function errorAnswer(error: unknown, fallback: string): Answer {
  if (error instanceof Oauth2ServerErrorResponseError) return { status: error.status ?? 400, body: error.errorResponse };
  return oauthError(400, fallback, (error as Error).message.split('\n')[0] ?? fallback);
}

/** One credential configuration in OID4VCI 1.0 form, per format. */
function configurationOf(profile: SandboxProfile, issuerUrl: string): Record<string, unknown> {
  const common = {
    scope: profile.credentialConfigurationId,
    cryptographic_binding_methods_supported: ['jwk'],
    proof_types_supported: { jwt: { proof_signing_alg_values_supported: PROOF_SIGNING_ALGS } },
    credential_metadata: { display: [{ name: profile.id, locale: 'en' }] },
  };
  if (profile.format === 'w3c_vc') return { ...common, format: 'jwt_vc_json', credential_signing_alg_values_supported: ['ES256'], credential_definition: { type: profile.type } };
  if (profile.format === 'sd_jwt_vc') return { ...common, format: 'dc+sd-jwt', credential_signing_alg_values_supported: ['ES256'], vct: `${issuerUrl}/${String(profile.type)}` };
  return { ...common, format: 'mso_mdoc', credential_signing_alg_values_supported: [-7], cryptographic_binding_methods_supported: ['cose_key'], doctype: profile.type };
}
