import { createHash, randomBytes, X509Certificate } from 'node:crypto';
import { type CallbackContext, clientAuthenticationNone, type JwtSigner, Oauth2ClientErrorResponseError, preAuthorizedCodeGrantIdentifier } from '@openid4vc/oauth2';
import {
  type CredentialOfferObject,
  type IssuerMetadataResult,
  Openid4vciClient,
  Openid4vciRetrieveCredentialsError,
  Openid4vciSendNotificationError,
  Openid4vciVersion,
} from '@openid4vc/openid4vci';
import { InvalidFetchResponseError, ValidationError } from '@openid4vc/utils';
import type { JWK } from 'jose';
import type { Dispatcher } from 'undici';
import { CliError, ExitCode, exitCodeForStatus, UsageError } from '../errors.js';
import { causeChain } from '../shared/cause.js';
import { decodeCredential, type DecodedCredential, type SignatureCheck } from './credentials.js';
import { type CredentialTrust, judgeCredential } from './trust.js';
import { ClaimError, type ClaimStepName, refused, UntrustedCredentialError } from './errors.js';
import { IssuerKeyStore } from './issuer-keys.js';
import { type HolderKey, holderKey, signWith, thumbprint, verifyWith } from './keys.js';
import { DEFAULT_REQUEST_TIMEOUT_MS, type HttpExchange, walletFetch } from './transport.js';
import { formatDuration, MAX_TIMER_MS, safeTimeout } from '../shared/duration.js';
import { admitHttpUrlsInLibraries } from '../shared/oid4vc-urls.js';
import { didJwkOf, didKeyOf, didUrlOf, resolveKeyDid } from '../shared/did.js';
import type { NotifyChoice } from './notify.js';

export { NOTIFY_CHOICES, type NotifyChoice } from './notify.js';

/** What to claim and how: the engine's whole configuration (no flags here). */
export interface ClaimPlan {
  /** An offer reference as `offerReference()` returns it (openid-credential-offer://…). */
  offer: string;
  txCode?: string;
  /** Claim only these credential configurations (default: every one the offer names). */
  credentialConfigurationIds?: string[];
  /** A private JWK file; default an ephemeral P-256 key. */
  holderKeyFile?: string;
  /** Sign the proof of possession with another key: the issuer must refuse it. */
  invalidProof?: boolean;
  /**
   * The notification sent after each credential response that carries a `notification_id`, when
   * the issuer has a `notification_endpoint` (OID4VCI 1.0 §11): `credential_<event>`, with the
   * access token; `none` sends nothing. Default `accepted`, as a wallet that stored the credential.
   * Sent as asked, whatever the wallet's trust check then says of the credential.
   */
  notify?: NotifyChoice;
  /**
   * Accept a credential whose issuer key cannot be found (a DID method not resolved here, an
   * issuer publishing no keys). Never a signature that fails, a key not tied to the issuer, a
   * disclosure the issuer did not sign or a credential bound to another key.
   */
  allowUnverified?: boolean;
  /** Allow plain http to hosts other than loopback. */
  insecure?: boolean;
  /** Bound on the whole claim (ms): past it, the claim fails with exit 124. */
  timeoutMs?: number;
  /** Bound on each request, headers and body together (ms); default DEFAULT_REQUEST_TIMEOUT_MS (30 s). */
  requestTimeoutMs?: number;
  /** Stops the claim; its reason (an Error) is what the claim then fails with. */
  signal?: AbortSignal;
  /**
   * Certificates (DER) an issuer's x5c or mdoc x5chain must chain to. Without any, a
   * certificate's key counts as the issuer's only when the issuer also publishes it.
   */
  trustAnchors?: Uint8Array[];
  dispatcher?: Dispatcher;
}

export interface ClaimStep {
  name: ClaimStepName;
  ms: number;
  status: 'ok' | 'failed';
  /** A short human detail: the URL fetched, the configuration claimed, the error. */
  detail?: string;
}

export interface ClaimedCredential {
  format: string;
  configurationId: string;
  raw: string;
  decoded: DecodedCredential;
  signature: SignatureCheck;
  /** Whether the wallet trusts it: verified and bound to its key (docs/security.md, "The wallet"). */
  trust: CredentialTrust;
}

export interface ClaimResult {
  offer: CredentialOfferObject;
  credentialIssuer: string;
  steps: ClaimStep[];
  credentials: ClaimedCredential[];
}

export interface ClaimReporter {
  step?(step: ClaimStep): void;
  exchange?(exchange: HttpExchange): void;
  /** A transaction code was given but the offer asks for none: it is not sent. */
  unusedTxCode?(): void;
}

/**
 * The OpenID4VCI pre-authorized code flow as a test wallet: offer → issuer metadata →
 * authorization server metadata → token → nonce → proof → credential, for every configuration.
 * Built on the OpenWallet Foundation client (`@openid4vc/openid4vci`).
 */
export async function claimOffer(plan: ClaimPlan, reporter: ClaimReporter = {}): Promise<ClaimResult> {
  // One signal ends every request of the claim: the plan's, or the claim's own deadline.
  const stop = new AbortController();
  const run = new ClaimRun(plan, reporter, await holderKey(plan.holderKeyFile), stop.signal);
  const stopped = new Promise<never>((_, reject) => stop.signal.addEventListener('abort', () => reject(stop.signal.reason), { once: true }));
  const timer =
    plan.timeoutMs === undefined
      ? undefined
      : safeTimeout(
          () => stop.abort(new ClaimError(run.currentStep, `the claim did not finish within ${formatDuration(plan.timeoutMs!)}`, ExitCode.TIMEOUT, { kind: 'deadline' })),
          plan.timeoutMs,
        );
  const onAbort = (): void => stop.abort(plan.signal?.reason);
  plan.signal?.addEventListener('abort', onAbort, { once: true });
  if (plan.signal?.aborted) onAbort();
  // The library's URL check is one process-wide switch: turned on once, never restored under a
  // concurrent claim. The plain-http rule is the transport's, per claim (shared/oid4vc-urls.ts).
  admitHttpUrlsInLibraries();
  try {
    // Raced as well: whatever the claim is waiting on, the deadline ends it.
    return await Promise.race([run.execute(), stopped]);
  } finally {
    clearTimeout(timer);
    plan.signal?.removeEventListener('abort', onAbort);
  }
}

class ClaimRun {
  private current: ClaimStepName = 'offer';
  /** The step under way, for a failure that comes from outside it (the deadline). */
  get currentStep(): ClaimStepName {
    return this.current;
  }
  private readonly steps: ClaimStep[] = [];
  private readonly client: Openid4vciClient;
  private readonly fetch: typeof fetch;

  constructor(
    private readonly plan: ClaimPlan,
    private readonly reporter: ClaimReporter,
    private readonly key: HolderKey,
    signal: AbortSignal,
  ) {
    this.fetch = walletFetch({
      dispatcher: plan.dispatcher,
      insecure: Boolean(plan.insecure),
      requestTimeoutMs: Math.min(plan.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS, MAX_TIMER_MS),
      signal,
      onExchange: (e) => reporter.exchange?.(e),
      step: () => this.current,
    });
    this.client = new Openid4vciClient({ callbacks: this.callbacks() });
  }

  private callbacks(): Omit<CallbackContext, 'verifyJwt' | 'decryptJwe' | 'encryptJwe'> & Pick<CallbackContext, 'verifyJwt'> {
    return {
      fetch: this.fetch as CallbackContext['fetch'],
      hash: (data, alg) => createHash(alg.replace('-', '').toLowerCase()).update(data).digest(),
      generateRandom: (bytes) => randomBytes(bytes),
      clientAuthentication: clientAuthenticationNone({ clientId: 'issuer-events-test-wallet' }),
      signJwt: async (signer, { header, payload }) => {
        // The holder key, named in the header as a jwk or as a DID URL of its did:jwk / did:key.
        const named = signer.method === 'jwk' ? (signer.publicJwk as JWK) : signer.method === 'did' ? resolveKeyDid(signer.didUrl) : undefined;
        if (!named || thumbprint(named) !== thumbprint(this.key.publicJwk)) throw new Error('the wallet signs with its holder key only');
        return { jwt: await signWith(this.key, header, payload, this.plan.invalidProof), signerJwk: this.key.publicJwk as never };
      },
      verifyJwt: async (signer, { compact }) => {
        const jwk = signer.method === 'jwk' ? signer.publicJwk : undefined;
        const verified = jwk ? await verifyWith(compact, jwk as never, signer.alg) : false;
        return verified ? { verified: true, signerJwk: jwk! } : { verified: false };
      },
    };
  }

  /** Runs one step, timing it and turning library errors into ClaimErrors that name it. */
  private async step<T>(name: ClaimStepName, work: () => Promise<T>, detail?: (value: T) => string | undefined): Promise<T> {
    this.current = name;
    const started = performance.now();
    try {
      const value = await work();
      this.record({ name, ms: performance.now() - started, status: 'ok', detail: detail?.(value) });
      return value;
    } catch (error) {
      const failure = toClaimError(name, error);
      this.record({ name, ms: performance.now() - started, status: 'failed', detail: failure.message });
      throw failure;
    }
  }

  private record(step: ClaimStep): void {
    this.steps.push(step);
    this.reporter.step?.(step);
  }

  async execute(): Promise<ClaimResult> {
    const offer = await this.step(
      'offer',
      () => this.resolveOffer(),
      (o) => o.credential_issuer,
    );
    const preAuth = this.preAuthorizedGrant(offer);
    const metadata = await this.step(
      'issuer-metadata',
      () => this.client.resolveIssuerMetadata(offer.credential_issuer),
      (m) => describeVersion(m),
    );
    this.record({ name: 'authorization-server-metadata', ms: 0, status: 'ok', detail: metadata.authorizationServers.map((s) => s.issuer).join(', ') });
    const ids = this.configurationIds(offer, metadata);
    // Decided before the token request: a binding this wallet cannot make does not use up the code.
    const bindings = new Map(ids.map((id) => [id, this.binding(metadata, id)]));
    const token = await this.step('token', () =>
      this.client.retrievePreAuthorizedCodeAccessTokenFromOffer({ credentialOffer: offer, issuerMetadata: metadata, txCode: preAuth.tx_code ? this.plan.txCode : undefined }),
    );
    const credentials: ClaimedCredential[] = [];
    // One lookup of the issuer's keys serves every credential of the claim.
    const keys = new IssuerKeyStore(metadata, this.fetch);
    const anchors = (this.plan.trustAnchors ?? []).map((der) => new X509Certificate(der));
    let nonce = token.accessTokenResponse.c_nonce;
    for (const configurationId of ids) {
      if (metadata.credentialIssuer.nonce_endpoint) {
        nonce = (await this.step('nonce', () => this.client.requestNonce({ issuerMetadata: metadata }))).c_nonce;
      }
      const proof = await this.step('proof', () =>
        this.client.createCredentialRequestJwtProof({
          issuerMetadata: metadata,
          credentialConfigurationId: configurationId,
          nonce,
          signer: bindings.get(configurationId)!.signer,
        }),
      );
      const usesProofs = metadata.originalDraftVersion === Openid4vciVersion.V1 || metadata.originalDraftVersion === Openid4vciVersion.Draft15;
      const response = await this.step(
        'credential',
        () =>
          this.client.retrieveCredentials({
            issuerMetadata: metadata,
            accessToken: token.accessTokenResponse.access_token,
            credentialConfigurationId: configurationId,
            dpop: token.dpop,
            ...(usesProofs ? { proofs: { jwt: [proof.jwt] } } : { proof: { proof_type: 'jwt' as const, jwt: proof.jwt } }),
          }),
        () => configurationId,
      );
      const body = response.credentialResponse;
      nonce = body.c_nonce ?? nonce;
      const raws =
        body.credentials?.map((c) => (typeof c === 'object' && c !== null && 'credential' in c ? (c as { credential: unknown }).credential : c)) ??
        (body.credential !== undefined ? [body.credential] : []);
      if (raws.length === 0) throw new ClaimError('credential', `the response for ${configurationId} holds no credential (deferred issuance is not supported)`, ExitCode.FAILURE);
      const format = String(metadata.credentialIssuer.credential_configurations_supported[configurationId]?.format ?? 'unknown');
      const context = { metadata, configurationId, keys, anchors, holderJwk: this.key.publicJwk, holderDid: bindings.get(configurationId)!.did };
      for (const raw of raws) {
        const decoded = await this.step(
          'decode',
          () => decodeCredential(format, raw, context),
          () => `${format} ${configurationId}`,
        );
        const trust = judgeCredential(decoded.signature, decoded.decoded.holderBinding, context);
        credentials.push({ format, configurationId, raw: typeof raw === 'string' ? raw : JSON.stringify(raw), decoded: decoded.decoded, signature: decoded.signature, trust });
      }
      await this.notify(metadata, body.notification_id, token.accessTokenResponse.access_token, token.dpop);
    }
    const result = { offer, credentialIssuer: offer.credential_issuer, steps: this.steps, credentials };
    // Every credential is received and decoded first: the failure names the first one, the result shows all.
    const refused = credentials.filter((c) => c.trust.status === 'untrusted' || (c.trust.status === 'unverified' && !this.plan.allowUnverified));
    if (refused.length > 0) {
      const failures = refused.map((c) => ({ configurationId: c.configurationId, format: c.format, reason: c.trust.reason ?? 'not trusted' }));
      throw new UntrustedCredentialError(
        result,
        failures,
        refused.every((c) => c.trust.status === 'unverified'),
      );
    }
    return result;
  }

  /**
   * How the proof names the holder key for a configuration (OID4VCI 1.0 Appendix F.1 and
   * `cryptographic_binding_methods_supported`, §12.2.4): the `jwk` header when the configuration
   * takes `jwk` or `cose_key` or says nothing; else a `kid` that is a DID URL of the key's did:jwk
   * (or did:key), the DID the credential must then be bound to. A configuration that takes only
   * DIDs resolved over the network (did:web, did:ebsi, …) cannot be claimed by this wallet.
   */
  private binding(metadata: IssuerMetadataResult, configurationId: string): { signer: JwtSigner; did?: string } {
    const configuration = metadata.credentialIssuer.credential_configurations_supported[configurationId] as Record<string, unknown> | undefined;
    const listed = configuration?.cryptographic_binding_methods_supported;
    const methods = Array.isArray(listed) ? listed.filter((m): m is string => typeof m === 'string') : [];
    const { alg, publicJwk } = this.key;
    if (methods.length === 0 || methods.includes('jwk') || methods.includes('cose_key')) return { signer: { method: 'jwk', alg, publicJwk: publicJwk as never } };
    let did: string | undefined;
    if (methods.includes('did:jwk')) did = didJwkOf(publicJwk);
    else if (methods.includes('did:key')) {
      try {
        did = didKeyOf(publicJwk);
      } catch (error) {
        throw new ClaimError('proof', `${configurationId} binds to did:key only among the methods this wallet can use, and ${(error as Error).message}`, ExitCode.FAILURE);
      }
    }
    if (did === undefined)
      throw new ClaimError(
        'proof',
        `${configurationId} binds only to ${methods
          .slice(0, 5)
          .map((m) => m.slice(0, 40))
          .join(', ')}${methods.length > 5 ? ', …' : ''}: this wallet binds to jwk, cose_key, did:jwk or did:key (DIDs it resolves offline)`,
        ExitCode.FAILURE,
      );
    return { signer: { method: 'did', alg, didUrl: didUrlOf(did) }, did };
  }

  /**
   * OID4VCI 1.0 §11: the event for one credential response, when it carries a notification_id and
   * the issuer has a Notification Endpoint (otherwise there is nothing to send, and no step). A
   * refusal is the issuer's error and description (exit 3; 401/403 exit 4).
   */
  private async notify(metadata: IssuerMetadataResult, notificationId: unknown, accessToken: string, dpop: unknown): Promise<void> {
    const choice = this.plan.notify ?? 'accepted';
    const endpoint = metadata.credentialIssuer.notification_endpoint;
    if (choice === 'none' || typeof notificationId !== 'string' || !endpoint) return;
    const event = `credential_${choice}` as const;
    await this.step(
      'notification',
      async () => {
        try {
          await this.client.sendNotification({
            issuerMetadata: metadata,
            notification: { notificationId, event },
            accessToken,
            dpop: dpop as Parameters<Openid4vciClient['sendNotification']>[0]['dpop'],
          });
        } catch (error) {
          if (error instanceof Openid4vciSendNotificationError) throw await notificationRefusal(error);
          throw error;
        }
      },
      () => `${event} → ${endpoint}`,
    );
  }

  /**
   * An offer given by value that is not an offer is the user's input (exit 2); one the issuer
   * served (by reference) is the issuer's protocol failure (exit 1, from toClaimError).
   */
  private async resolveOffer(): Promise<CredentialOfferObject> {
    try {
      return await this.client.resolveCredentialOffer(this.plan.offer);
    } catch (error) {
      if (error instanceof ValidationError && /[?&]credential_offer=/.test(this.plan.offer)) {
        throw new ClaimError('offer', `malformed credential offer: ${validationReason(error)}`, ExitCode.USAGE, { cause: error });
      }
      throw error;
    }
  }

  private preAuthorizedGrant(offer: CredentialOfferObject): { tx_code?: { length?: number; input_mode?: string; description?: string } } {
    const grant = offer.grants?.[preAuthorizedCodeGrantIdentifier] as { tx_code?: { length?: number; input_mode?: string } } | undefined;
    if (!grant) {
      if (offer.grants?.authorization_code)
        throw new ClaimError(
          'offer',
          'this offer has only an authorization-code grant: it needs a browser login at the issuer; claim speaks the pre-authorized code flow',
          ExitCode.USAGE,
        );
      throw new ClaimError('offer', 'the offer has no pre-authorized code grant', ExitCode.USAGE);
    }
    if (!grant.tx_code && this.plan.txCode !== undefined) this.reporter.unusedTxCode?.();
    if (grant.tx_code && this.plan.txCode === undefined) {
      const shape = [grant.tx_code.length ? `${grant.tx_code.length} ` : '', grant.tx_code.input_mode === 'text' ? 'characters' : 'digits'].join('');
      throw new ClaimError('offer', `the offer requires a transaction code (${shape.trim()})`, ExitCode.USAGE, { kind: 'tx-code-missing' });
    }
    return grant;
  }

  private configurationIds(offer: CredentialOfferObject, metadata: IssuerMetadataResult): string[] {
    const offered = offer.credential_configuration_ids ?? [];
    const wanted = this.plan.credentialConfigurationIds?.length ? this.plan.credentialConfigurationIds : offered;
    for (const id of wanted) {
      if (!offered.includes(id)) throw new UsageError(`credential configuration ${id} is not in the offer (offered: ${offered.join(', ')})`, { kind: 'configuration-not-offered' });
      if (!metadata.credentialIssuer.credential_configurations_supported[id])
        throw new ClaimError('issuer-metadata', `credential_configurations_supported has no "${id}"`, ExitCode.FAILURE);
    }
    return wanted;
  }
}

function describeVersion(metadata: IssuerMetadataResult): string {
  const names: Record<string, string> = { V1: 'OID4VCI 1.0', Draft15: 'OID4VCI draft 15', Draft14: 'OID4VCI draft 13/14', Draft11: 'OID4VCI draft 11' };
  const version = names[metadata.originalDraftVersion] ?? metadata.originalDraftVersion;
  return `${metadata.credentialIssuer.credential_issuer} (${version})`;
}

/**
 * A notification the issuer did not take (OID4VCI 1.0 §11.3): its `error` and
 * `error_description`, whatever the code (the library reads only §11.3's two).
 */
async function notificationRefusal(error: Openid4vciSendNotificationError): Promise<ClaimError> {
  const response = error.response.response;
  const status = response.status;
  let body: unknown;
  try {
    body = await response.clone().json();
  } catch {
    body = undefined;
  }
  const record = typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {};
  const oauth =
    typeof record.error === 'string'
      ? { error: record.error.slice(0, 200), ...(typeof record.error_description === 'string' ? { error_description: record.error_description.slice(0, 500) } : {}) }
      : undefined;
  if (exitCodeForStatus(status) === ExitCode.AUTH)
    return new ClaimError('notification', `authentication refused (${status})${oauth ? `: ${oauth.error}` : ''}`, ExitCode.AUTH, { status, oauthError: oauth });
  if (oauth && status >= 400 && status < 500) return refused('notification', oauth, status);
  return new ClaimError(
    'notification',
    `the issuer answered ${status}${oauth ? `: ${oauth.error}` : ''}`,
    status >= 400 && status < 500 ? ExitCode.UNSUCCESSFUL : ExitCode.FAILURE,
    {
      status,
      oauthError: oauth,
    },
  );
}

/** Library errors → a ClaimError naming the step, with the issuer's `error` / `error_description`. */
function toClaimError(step: ClaimStepName, error: unknown): CliError {
  // The library wraps what our fetch throws ("Unknown error occurred during fetch"): unwrap it.
  for (const inner of causeChain(error)) if (inner instanceof CliError) return inner;
  if (error instanceof Oauth2ClientErrorResponseError) {
    const status = error.response.status;
    const oauth = { error: error.errorResponse.error, error_description: error.errorResponse.error_description };
    if (exitCodeForStatus(status) === ExitCode.AUTH)
      return new ClaimError(step, `authentication refused (${status}): ${oauth.error}`, ExitCode.AUTH, { oauthError: oauth, status });
    return refused(step, oauth, status);
  }
  if (error instanceof Openid4vciRetrieveCredentialsError) {
    const status = error.response.response.status;
    const parsed = error.response.credentialErrorResponseResult?.success ? error.response.credentialErrorResponseResult.data : undefined;
    if (exitCodeForStatus(status) === ExitCode.AUTH)
      return new ClaimError(step, `authentication refused (${status})${parsed ? `: ${parsed.error}` : ''}`, ExitCode.AUTH, { status, oauthError: parsed });
    if (parsed?.error) return refused(step, { error: parsed.error, error_description: parsed.error_description }, status);
    if (error.response.credentialResponseResult && !error.response.credentialResponseResult.success)
      return new ClaimError(step, 'the credential response is not what was asked for (no credential, credentials or transaction_id)', ExitCode.FAILURE, { status });
    return new ClaimError(step, `the issuer answered ${status}`, ExitCode.FAILURE, { status });
  }
  if (error instanceof ValidationError) return new ClaimError(step, `malformed answer from the issuer: ${validationReason(error)}`, ExitCode.FAILURE, { cause: error });
  if (error instanceof InvalidFetchResponseError) {
    const status = error.response.status;
    const code = exitCodeForStatus(status);
    const what = step === 'offer' && code === ExitCode.NOT_FOUND ? 'offer unknown or expired' : `${status} from ${error.response.url || 'the issuer'}`;
    return new ClaimError(step, what, code, { status, cause: error });
  }
  const message = (error as Error)?.message ?? String(error);
  // Validation and protocol errors from the library: name the step and keep the message short.
  return new ClaimError(step, firstLine(message), ExitCode.FAILURE, { cause: error });
}

interface Issue {
  path: PropertyKey[];
  message: string;
  /** invalid_union (zod 4): the issues of each alternative. */
  errors?: Issue[][];
}

/**
 * What is wrong, from the library's zod issues: `grants: expected object, received null`. Of a
 * union (the OID4VCI versions the library accepts), the alternative with the fewest issues is
 * the one meant; its first three issues are shown.
 */
function validationReason(error: ValidationError): string {
  let issues = ((error as { zodError?: { issues?: Issue[] } }).zodError?.issues ?? []) as Issue[];
  while (issues.length === 1 && issues[0]!.errors?.length) {
    const prefix = issues[0]!.path;
    const closest = [...issues[0]!.errors].sort((a, b) => a.length - b.length)[0]!;
    issues = closest.map((issue) => ({ ...issue, path: [...prefix, ...issue.path] }));
  }
  if (issues.length === 0) return firstLine(error.message);
  return issues
    .slice(0, 3)
    .map((issue) => (issue.path.length ? `${issue.path.map(String).join('.')}: ${issue.message}` : issue.message))
    .join('; ');
}

function firstLine(text: string): string {
  const line = text.split('\n')[0] ?? text;
  return line.length > 300 ? `${line.slice(0, 300)}…` : line;
}
