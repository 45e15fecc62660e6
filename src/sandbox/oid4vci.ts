import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { type CallbackContext, clientAuthenticationNone, Oauth2AuthorizationServer, Oauth2ServerErrorResponseError, preAuthorizedCodeGrantIdentifier } from '@openid4vc/oauth2';
import { type CredentialIssuerMetadata, type IssuerMetadataResult, Openid4vciIssuer, Openid4vciVersion } from '@openid4vc/openid4vci';
import { decodeJwt, decodeProtectedHeader, importJWK, type JWK, jwtVerify, SignJWT } from 'jose';
import { didMethodOf, didOf, OFFLINE_DID_METHODS, resolveKeyDid } from '../shared/did.js';
import { type IssueInput, issueCredential, throwawayKey } from './credentials.js';
import { NOTIFICATION_EVENTS, type NotificationEvent } from './events.js';
import { Faults } from './faults.js';
import { createIssuerKeys, type IssuerKeys } from './issuer-keys.js';
import type { SandboxProfile } from './profiles.js';
import { isPlainObject } from '../shared/json.js';
import type { OfferGrant, Session } from './session-store.js';

/** An HTTP answer: status, JSON body, and headers beyond the server's defaults. */
export interface Answer {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
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
  /** A wallet's notification (OID4VCI 1.0 §11), accepted. */
  notified(session: Session, requestId: string, notification: Notification): Promise<void>;
}

/** What the endpoints do beyond walt.id issuer2, each only when asked for. */
interface Oid4vciSettings {
  /** The Notification Endpoint (OID4VCI 1.0 §11); walt.id issuer2 has none. */
  notificationEndpoint?: boolean;
  /** `sandbox --fault`: where to depart from the spec. */
  faults?: Faults;
}

/** `wrong-credential-issuer`: the identifier a misconfigured deployment advertises (RFC 2606's example domain). */
const MISCONFIGURED_ISSUER = 'https://issuer.example/openid4vci';

/** A Notification Request's body (OID4VCI 1.0 §11.1). */
interface Notification {
  notification_id: string;
  event: NotificationEvent;
  event_description?: string;
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
  private readonly faults: Faults;
  /** Sessions whose credential request is being answered: one at a time per session (bounded by requests in flight). */
  private readonly issuing = new Set<Session>();

  constructor(
    private readonly keys: IssuerKeys,
    private readonly profiles: Map<string, SandboxProfile>,
    private readonly issuerUrl: () => string,
    private readonly hooks: Oid4vciHooks,
    private readonly settings: Oid4vciSettings = {},
  ) {
    this.faults = settings.faults ?? new Faults();
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
      verifyJwt: async (signer, { compact, header }) => {
        // A proof names its key in a jwk header or, bound to a DID, as a DID URL kid (OID4VCI 1.0 Appendix F.1).
        const publicJwk = signer.method === 'jwk' ? (signer.publicJwk as JWK) : signer.method === 'did' ? resolveKeyDid(signer.didUrl) : undefined;
        if (!publicJwk) return { verified: false };
        if (header.typ === 'openid4vci-proof+jwt' && this.faults.has('accept-invalid-jwt-proof-signature')) return { verified: true, signerJwk: publicJwk as never };
        try {
          await jwtVerify(compact, await importJWK(publicJwk, signer.alg), { clockTolerance: 300 });
          return { verified: true, signerJwk: publicJwk as never };
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
      // §12.2.4: credential_issuer MUST be identical to the identifier the metadata was fetched for.
      credential_issuer: this.faults.has('wrong-credential-issuer') ? MISCONFIGURED_ISSUER : base,
      credential_endpoint: `${base}/credential`,
      nonce_endpoint: `${base}/nonce`,
      ...(this.settings.notificationEndpoint ? { notification_endpoint: `${base}/notification` } : {}),
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

  /** The credential offer object: `GET /openid4vci/credential-offer?id=`, or inside a BY_VALUE offer URI. */
  offerObject(session: OfferGrant): unknown {
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
    const found = this.hooks.sessionByPreAuthorizedCode(parsed.grant.preAuthorizedCode);
    // OID4VCI 1.0 §4.1.1: the code "MUST be short lived and single use". walt.id consumes the
    // code's record, so a used code is as unknown as a wrong one: no session to report it on.
    const session = found?.preAuthorizedCodeUsed && !this.faults.has('accept-reused-pre-authorized-code') ? undefined : found;
    if (!session) {
      await this.hooks.tokenFailed(undefined, requestId, 'invalid_grant', 'pre-authorized_code is invalid or expired');
      return oauthError(400, 'invalid_grant', 'pre-authorized_code is invalid or expired');
    }
    const txCode = parsed.accessTokenRequest.tx_code;
    const excused = this.faults.has(txCode === undefined ? 'accept-missing-tx-code' : 'accept-invalid-tx-code');
    if (session.txCodeValue !== undefined && txCode !== session.txCodeValue && !excused) {
      // OID4VCI 1.0 §6.3: a missing tx_code is invalid_request, a wrong one invalid_grant. Refused,
      // and the session stays ACTIVE: the wallet may try again (docs/providers.md).
      const [error, description] = txCode === undefined ? ['invalid_request', 'tx_code is required'] : ['invalid_grant', 'tx_code is invalid'];
      await this.hooks.tokenFailed(session, requestId, error, description);
      return oauthError(400, error, description);
    }
    // Taken before the first await, so two requests racing with one code cannot both get a token.
    session.preAuthorizedCodeUsed = true;
    try {
      const { dpop } = await this.authorizationServer.verifyPreAuthorizedCodeAccessTokenRequest({
        authorizationServerMetadata: this.authorizationServerMetadata(),
        grant: parsed.grant,
        accessTokenRequest: parsed.accessTokenRequest,
        request: { method: 'POST', url: request.url, headers: request.headers },
        expectedPreAuthorizedCode: session.preAuthorizedCode,
        // Checked above (a fault may have excused it); the library still refuses a code nobody asked for.
        expectedTxCode: session.txCodeValue === undefined ? undefined : txCode,
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
      session.preAuthorizedCodeUsed = false;
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
    // OID4VCI 1.0 §7.2: the nonce response MUST be uncacheable (the server adds Cache-Control: no-store).
    const cacheable = this.faults.has('cacheable-nonce') ? { 'cache-control': 'public, max-age=300' } : undefined;
    return { status: 200, body: { c_nonce: cNonce }, headers: cacheable };
  }

  async credential(authorization: string | undefined, body: Record<string, unknown>, requestId: string, queryToken?: string): Promise<Answer> {
    // OID4VCI wallets send the token in the Authorization header (RFC 6750 §2.1); §2.3's query
    // form "SHOULD NOT be used", and the conformance suite fails an issuer that takes it.
    const inQuery = authorization === undefined && queryToken !== undefined;
    const session = await this.sessionOfToken(inQuery && this.faults.has('accept-access-token-in-query') ? `Bearer ${queryToken}` : authorization);
    if (!session)
      return oauthError(401, 'invalid_token', inQuery ? 'the access token goes in the Authorization header, not the query' : 'missing, invalid or expired access token');
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

  private async issue(session: Session, body: Record<string, unknown>, requestId: string): Promise<Answer> {
    let holder: ProofKey;
    try {
      holder = await this.verifyRequest(body, session);
    } catch (error) {
      // Every refused credential request closes the session UNSUCCESSFUL (walt.id's failCredentialRequest).
      const { code, description } = refusalOf(error);
      session.status = 'UNSUCCESSFUL';
      session.isClosed = true;
      await this.hooks.credentialFailed(session, requestId, code, description);
      return oauthError(400, code, description);
    }
    if (this.faults.has('bound-to-other-key')) holder = { jwk: throwawayKey() };
    const input: IssueInput = {
      profile: session.profile,
      credentialData: session.credentialData,
      holderJwk: holder.jwk,
      holderDid: holder.did,
      issuerUrl: this.issuerUrl(),
      keys: this.faults.has('unpublished-signing-key') ? this.unpublishedKeys() : this.keys,
    };
    const credential = await issueCredential(input);
    // walt.id saves the session terminal before it sends the credential event.
    session.status = 'SUCCESSFUL';
    session.isClosed = true;
    await this.hooks.credentialIssued(session, requestId);
    // OID4VCI 1.0 §8.3: notification_id, only when there is a Notification Endpoint to send it to.
    if (this.settings.notificationEndpoint) session.notificationId = randomUUID();
    return { status: 200, body: { credentials: [{ credential }], ...(session.notificationId ? { notification_id: session.notificationId } : {}) } };
  }

  /** `POST /openid4vci/notification` (OID4VCI 1.0 §11), protected by the access token (§11.1). */
  async notification(authorization: string | undefined, body: unknown, requestId: string): Promise<Answer> {
    const session = await this.sessionOfToken(authorization);
    if (!session) return oauthError(401, 'invalid_token', 'missing, invalid or expired access token');
    const event = isPlainObject(body) ? body.event : undefined;
    const description = isPlainObject(body) ? body.event_description : undefined;
    // §11.3: invalid_notification_request for a missing or unsupported parameter value…
    if (
      !isPlainObject(body) ||
      typeof body.notification_id !== 'string' ||
      !(NOTIFICATION_EVENTS as readonly unknown[]).includes(event) ||
      (description !== undefined && typeof description !== 'string')
    )
      return oauthError(
        400,
        'invalid_notification_request',
        `notification_id (a string) and event (${NOTIFICATION_EVENTS.join(', ')}) are required; event_description is a string`,
      );
    // …and invalid_notification_id for an id this token's credential response did not carry.
    if (body.notification_id !== session.notificationId)
      return oauthError(400, 'invalid_notification_id', `notification_id ${body.notification_id} was not issued with this access token`);
    await this.hooks.notified(session, requestId, {
      notification_id: body.notification_id,
      event: event as Notification['event'],
      ...(description === undefined ? {} : { event_description: description as string }),
    });
    // §11.2: success is 204 No Content.
    return { status: 204, body: undefined };
  }

  /** Checks a credential request as walt.id does (configuration, then proof); resolves with the key to bind to. */
  private async verifyRequest(body: Record<string, unknown>, session: Session): Promise<ProofKey> {
    const metadata = this.metadataResult();
    const known = metadata.credentialIssuer.credential_configurations_supported;
    const offered = session.profile.credentialConfigurationId;
    let request = body;
    const requested = body.credential_configuration_id;
    if (typeof requested === 'string' && requested !== offered) {
      // OID4VCI 1.0 §8.3.1.2: unknown_credential_configuration; a listed one the session was not
      // offered is walt.id's invalid_credential_request.
      if (Object.hasOwn(known, requested)) throw new CredentialRefusal('invalid_credential_request', `the request names ${requested}, but session ${session.id} is for ${offered}`);
      if (!this.faults.has('accept-unknown-credential-configuration'))
        throw new CredentialRefusal('unknown_credential_configuration', `credential_configuration_id ${requested} is not in the issuer's metadata`);
      request = { ...body, credential_configuration_id: offered };
    }
    // Before the library parses the request: it refuses an unsigned (alg none) proof as a malformed
    // request, and §8.3.1.2 calls any proof that is not acceptable invalid_proof.
    const raw = rawProofJwt(request);
    if (raw !== undefined) assertProofAlg(raw);
    const parsed = this.issuer.parseCredentialRequest({ issuerMetadata: metadata, credentialRequest: request });
    const jwt = parsed.proofs?.jwt?.[0];
    // §8.3.1.2: a missing proof is invalid_proof; the fault issues a credential bound to no key of the wallet's.
    if (!jwt && this.faults.has('accept-missing-proof')) return {};
    if (!jwt) throw new Error('no jwt proof in the request');
    assertProofAlg(jwt);
    const method = bindingMethodOf(jwt, known[offered]?.cryptographic_binding_methods_supported ?? []);
    const nonce = decodeJwt(jwt).nonce;
    // §8.3.1.2: invalid_nonce, so the wallet fetches a fresh one (§7).
    if (!this.faults.has('accept-invalid-nonce') && (typeof nonce !== 'string' || !this.nonces.delete(nonce)))
      throw new CredentialRefusal('invalid_nonce', "the proof's nonce was not issued by the nonce endpoint, or was used already: request a fresh c_nonce");
    const expectedNonce = typeof nonce === 'string' ? nonce : undefined;
    const verified = await this.issuer.verifyCredentialRequestJwtProof({ issuerMetadata: metadata, jwt, expectedNonce });
    const { d: _d, ...publicJwk } = verified.signer.publicJwk as JWK;
    return { jwk: publicJwk, did: method.startsWith('did:') ? didOf(String(verified.header.kid)) : undefined };
  }

  // `unpublished-signing-key`: the published kid and certificate, another private key. Made once.
  private unpublished: IssuerKeys | undefined;

  private unpublishedKeys(): IssuerKeys {
    if (!this.unpublished) {
      const other = createIssuerKeys();
      this.unpublished = { ...this.keys, privateKey: other.privateKey, privateJwk: { ...other.privateJwk, kid: this.keys.kid } };
    }
    return this.unpublished;
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

/** A refusal of the credential request with an OID4VCI error code other than invalid_proof. */
class CredentialRefusal extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** The error code and description of a refused credential request: invalid_proof unless said otherwise. */
function refusalOf(error: unknown): { code: string; description: string } {
  const message = (error as Error).message.split('\n')[0] ?? '';
  if (error instanceof CredentialRefusal) return { code: error.code, description: message };
  // The library's refusals of the request's shape keep their code; its proof refusals read like ours.
  if (error instanceof Oauth2ServerErrorResponseError && error.errorResponse.error !== 'invalid_proof')
    return { code: error.errorResponse.error, description: error.errorResponse.error_description ?? message };
  return { code: 'invalid_proof', description: `proof of possession could not be verified: ${message}` };
}

/** The first JWT proof of a request, in OID4VCI 1.0's `proofs` or draft 13's `proof` form. */
function rawProofJwt(request: Record<string, unknown>): string | undefined {
  const proofs = isPlainObject(request.proofs) && Array.isArray(request.proofs.jwt) ? request.proofs.jwt[0] : undefined;
  const proof = isPlainObject(request.proof) ? request.proof.jwt : undefined;
  const jwt = proofs ?? proof;
  return typeof jwt === 'string' ? jwt : undefined;
}

/** Only the asymmetric algorithms the metadata advertises: never HS256 (an `oct` jwk's "public" key is the secret) or `none`. */
function assertProofAlg(jwt: string): void {
  const { alg } = decodeProtectedHeader(jwt);
  if (!PROOF_SIGNING_ALGS.includes(String(alg))) throw new Error(`alg ${alg} is not one this issuer advertises (${PROOF_SIGNING_ALGS.join(', ')})`);
}

/** The key a proof was signed with (none: `accept-missing-proof`), and the DID it named when it was bound to one. */
interface ProofKey {
  jwk?: JWK;
  did?: string;
}

/**
 * How the proof asks to be bound: `jwk`, or the DID method of its kid. It must be one the
 * configuration advertises (OID4VCI 1.0 §12.2.4, cryptographic_binding_methods_supported; a
 * `cose_key` binding is asked for with a jwk), and a DID must resolve without the network.
 */
function bindingMethodOf(jwt: string, supported: readonly string[]): string {
  const header = decodeProtectedHeader(jwt);
  const method = header.jwk ? 'jwk' : typeof header.kid === 'string' && header.kid.startsWith('did:') ? didMethodOf(header.kid) : undefined;
  if (!method) throw new Error('the proof names no key: a jwk header, or a kid that is a DID URL');
  if (!supported.includes(method) && !(method === 'jwk' && supported.includes('cose_key')))
    throw new Error(`${method} binding is not offered for this credential (cryptographic_binding_methods_supported: ${supported.join(', ')})`);
  if (method !== 'jwk' && !(OFFLINE_DID_METHODS as readonly string[]).includes(method))
    throw new Error(`${method} DIDs are resolved over the network, which the sandbox does not do: bind to a did:jwk, a did:key or a jwk`);
  return method;
}

function errorAnswer(error: unknown, fallback: string): Answer {
  if (error instanceof Oauth2ServerErrorResponseError) return { status: error.status ?? 400, body: error.errorResponse };
  return oauthError(400, fallback, (error as Error).message.split('\n')[0] ?? fallback);
}

/** One credential configuration in OID4VCI 1.0 form, per format. */
function configurationOf(profile: SandboxProfile, issuerUrl: string): Record<string, unknown> {
  const common = {
    scope: profile.credentialConfigurationId,
    // walt.id issuer2's config/credential-issuer-metadata.conf advertises these for W3C and SD-JWT VC.
    cryptographic_binding_methods_supported: ['jwk', 'did:key', 'did:web', 'did:jwk', 'did:ebsi'],
    proof_types_supported: { jwt: { proof_signing_alg_values_supported: PROOF_SIGNING_ALGS } },
    credential_metadata: { display: [{ name: profile.id, locale: 'en' }] },
  };
  if (profile.format === 'w3c_vc') return { ...common, format: 'jwt_vc_json', credential_signing_alg_values_supported: ['ES256'], credential_definition: { type: profile.type } };
  if (profile.format === 'sd_jwt_vc') return { ...common, format: 'dc+sd-jwt', credential_signing_alg_values_supported: ['ES256'], vct: `${issuerUrl}/${String(profile.type)}` };
  return { ...common, format: 'mso_mdoc', credential_signing_alg_values_supported: [-7], cryptographic_binding_methods_supported: ['cose_key'], doctype: profile.type };
}
