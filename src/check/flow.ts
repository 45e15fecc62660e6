import { didJwkOf, didUrlOf } from '../shared/did.js';
import { isPlainObject, type JsonObject } from '../shared/json.js';
import { type HolderKey, signWith } from '../wallet/keys.js';
import { configurationOf, type Discovery } from './discovery.js';
import { type CheckHttp, describeAnswer, HttpFailure, type HttpResult, jsonObject } from './http.js';

/** An offer as the offer source handed it over. */
export interface OfferHandle {
  /** `openid-credential-offer://…` */
  uri: string;
  /** The tx code the issuer chose (walt.id's `txCodeValue`), when the offer has one. */
  txCodeValue?: string;
  /** The issuance session (walt.id's `offerId`): its events are watched. */
  sessionId?: string;
}

interface ResolvedOffer {
  object: JsonObject;
  credentialIssuer: string;
  configurationIds: string[];
  preAuthorizedCode?: string;
  txCode?: JsonObject;
  /** The `credential_offer_uri` exchange (absent for an offer by value). */
  response?: HttpResult;
}

/** A protocol step that happened, for the events check: what was asked, when, and how the issuer answered. */
export interface Happening {
  step: 'offer' | 'token' | 'credential' | 'notification';
  /** performance.now() when the request went out. */
  at: number;
  ok: boolean;
  /**
   * Whether the issuer can tie the request to the session (a valid pre-authorized code or access
   * token): an issuer-level refusal (a used code, a token in the query) has no session event.
   */
  correlated: boolean;
  /** Short description for details. */
  label: string;
}

/** A scenario could not get to the request it is about: the step and why. */
export class FlowError extends Error {
  constructor(
    readonly step: string,
    readonly detail: string,
  ) {
    super(`${step}: ${detail}`);
  }
}

const PROOF_TYPE = 'openid4vci-proof+jwt';
/** The pre-authorized code grant (OID4VCI 1.0 §3.5): a literal, so that `check` of a remote issuer does not load the OAuth library. */
const preAuthorizedCodeGrantIdentifier = 'urn:ietf:params:oauth:grant-type:pre-authorized_code';

/**
 * The wallet's side of one scenario, step by step, on the wallet's transport: each step returns
 * the issuer's whole answer so that a scenario can judge it, send a deliberately bad request
 * instead, or stop.
 */
export class Flow {
  offer?: ResolvedOffer;
  discovery?: Discovery;
  configurationId?: string;
  configuration?: JsonObject;
  accessToken?: string;
  tokenResponse?: JsonObject;
  readonly happenings: Happening[] = [];

  constructor(
    readonly http: CheckHttp,
    private readonly discoverIssuer: (issuerId: string) => Promise<Discovery>,
    readonly handle: OfferHandle,
    /** The configuration this scenario is about (with --offer-command, the profile). */
    private readonly wantedConfigurationId?: string,
  ) {}

  happened(happening: Happening): void {
    this.happenings.push(happening);
  }

  get format(): string {
    return typeof this.configuration?.format === 'string' ? this.configuration.format : 'unknown';
  }

  get credentialIssuer(): string {
    return this.offer!.credentialIssuer;
  }

  /** Whether the configuration binds credentials to a key: proofs are required (OID4VCI 1.0 §8.2). */
  get requiresProof(): boolean {
    const c = this.configuration;
    return Boolean(c && (isPlainObject(c.proof_types_supported) || Array.isArray(c.cryptographic_binding_methods_supported)));
  }

  /** Offer (by value or by reference), then the issuer's metadata; throws FlowError. */
  async resolve(): Promise<ResolvedOffer> {
    if (this.offer && this.configuration) return this.offer;
    let url: URL;
    try {
      url = new URL(this.handle.uri);
    } catch {
      throw new FlowError('offer', `not a URI: ${this.handle.uri.slice(0, 80)}`);
    }
    const byValue = url.searchParams.get('credential_offer');
    const byReference = url.searchParams.get('credential_offer_uri');
    let object: unknown;
    let response: HttpResult | undefined;
    if (byValue !== null) {
      try {
        object = JSON.parse(byValue);
      } catch {
        throw new FlowError('offer', 'credential_offer is not JSON');
      }
    } else if (byReference !== null) {
      response = await this.send('offer', 'GET', byReference);
      this.happened({ step: 'offer', at: response.startedAt, ok: response.status === 200, correlated: true, label: 'offer retrieved' });
      if (response.status !== 200) throw new FlowError('offer', `${describeAnswer(response)} from credential_offer_uri`);
      object = response.json;
    } else {
      throw new FlowError('offer', 'neither credential_offer nor credential_offer_uri in the URI');
    }
    if (!isPlainObject(object)) throw new FlowError('offer', 'the credential offer is not a JSON object');
    const grant = isPlainObject(object.grants) ? object.grants[preAuthorizedCodeGrantIdentifier] : undefined;
    const ids = Array.isArray(object.credential_configuration_ids) ? object.credential_configuration_ids.filter((id): id is string => typeof id === 'string') : [];
    if (typeof object.credential_issuer !== 'string') throw new FlowError('offer', 'no credential_issuer');
    this.offer = {
      object,
      credentialIssuer: object.credential_issuer,
      configurationIds: ids,
      preAuthorizedCode: isPlainObject(grant) && typeof grant['pre-authorized_code'] === 'string' ? grant['pre-authorized_code'] : undefined,
      txCode: isPlainObject(grant) && isPlainObject(grant.tx_code) ? grant.tx_code : undefined,
      response,
    };
    this.discovery = await this.discoverIssuer(this.offer.credentialIssuer);
    if (!this.discovery.issuer.document) throw new FlowError('issuer metadata', `${this.discovery.issuer.failure ?? 'not found'}`);
    this.configurationId = this.wantedConfigurationId ?? ids[0];
    if (this.configurationId === undefined) throw new FlowError('offer', 'no credential_configuration_ids');
    if (!ids.includes(this.configurationId)) throw new FlowError('offer', `${this.configurationId} is not among its credential_configuration_ids (${ids.join(', ')})`);
    this.configuration = configurationOf(this.discovery, this.configurationId);
    if (!this.configuration) throw new FlowError('issuer metadata', `credential_configurations_supported has no ${this.configurationId}`);
    if (!this.offer.preAuthorizedCode) throw new FlowError('offer', 'no pre-authorized code grant (check speaks the pre-authorized code flow)');
    return this.offer;
  }

  /** A token request; `txCode` undefined sends none. Keeps the access token of a 200. */
  async token(txCode: string | undefined, code = this.offer!.preAuthorizedCode!): Promise<HttpResult> {
    const endpoint = this.discovery?.tokenEndpoint;
    if (!endpoint) throw new FlowError('token', `no token_endpoint (${this.discovery?.authorizationServer?.failure ?? 'authorization server metadata'})`);
    const response = await this.send('token', 'POST', endpoint, {
      form: { grant_type: preAuthorizedCodeGrantIdentifier, 'pre-authorized_code': code, tx_code: txCode },
    });
    const body = jsonObject(response);
    if (response.status === 200 && typeof body?.access_token === 'string') {
      this.accessToken = body.access_token;
      this.tokenResponse = body;
    }
    return response;
  }

  /** The token step the scenarios that are not about it share: a 200 with an access token, or FlowError. */
  async requireToken(txCode = this.handle.txCodeValue): Promise<HttpResult> {
    if (this.offer?.txCode && txCode === undefined) throw new FlowError('token', 'the offer asks for a tx_code the offer source did not give (print JSON with txCodeValue)');
    const response = await this.token(txCode);
    this.happened({ step: 'token', at: response.startedAt, ok: response.status === 200, correlated: true, label: 'token' });
    if (!this.accessToken) throw new FlowError('token', `${describeAnswer(response)}`);
    return response;
  }

  /** The nonce endpoint's answer, whatever it is (OID4VCI 1.0 §7). */
  async nonceRequest(): Promise<HttpResult> {
    const endpoint = this.discovery?.issuer.document?.nonce_endpoint;
    if (typeof endpoint !== 'string') throw new FlowError('nonce', 'no nonce_endpoint');
    return this.send('nonce', 'POST', endpoint);
  }

  /** A fresh c_nonce from the nonce endpoint, else the token response's (pre-final issuers). */
  async freshNonce(): Promise<{ nonce?: string; response?: HttpResult }> {
    const endpoint = this.discovery?.issuer.document?.nonce_endpoint;
    if (typeof endpoint !== 'string') return { nonce: typeof this.tokenResponse?.c_nonce === 'string' ? this.tokenResponse.c_nonce : undefined };
    const response = await this.nonceRequest();
    const body = jsonObject(response);
    if (response.status !== 200 || typeof body?.c_nonce !== 'string') throw new FlowError('nonce', `${describeAnswer(response)}`);
    return { nonce: body.c_nonce, response };
  }

  /**
   * A JWT proof of possession (OID4VCI 1.0 Appendix F.1) for `key`: the key in the `jwk` header,
   * or as a `did:jwk` kid when the configuration binds to DIDs only.
   */
  async proof(key: HolderKey, nonce: string | undefined): Promise<string> {
    const methods = Array.isArray(this.configuration?.cryptographic_binding_methods_supported)
      ? (this.configuration.cryptographic_binding_methods_supported as unknown[])
      : ['jwk'];
    const byDid = !methods.includes('jwk') && !methods.includes('cose_key') && methods.includes('did:jwk');
    const header = byDid ? { typ: PROOF_TYPE, alg: key.alg, kid: didUrlOf(didJwkOf(key.publicJwk)) } : { typ: PROOF_TYPE, alg: key.alg, jwk: key.publicJwk };
    // The Credential Issuer Identifier as the metadata states it, as the conformance suite's VCIGenerateJwtProof sends it.
    const stated = this.discovery?.issuer.document?.credential_issuer;
    const payload = { aud: typeof stated === 'string' ? stated : this.credentialIssuer, iat: Math.floor(Date.now() / 1000), ...(nonce === undefined ? {} : { nonce }) };
    return signWith(key, header, payload);
  }

  /** A credential request (OID4VCI 1.0 §8.2): the access token in the Authorization header, or only in the query. */
  async credential(body: JsonObject, options: { tokenInQuery?: boolean; correlated?: boolean; label?: string } = {}): Promise<HttpResult> {
    const endpoint = this.discovery?.issuer.document?.credential_endpoint;
    if (typeof endpoint !== 'string') throw new FlowError('credential', 'no credential_endpoint in the metadata');
    const url = options.tokenInQuery ? withQuery(endpoint, 'access_token', this.accessToken!) : endpoint;
    const headers: Record<string, string> = options.tokenInQuery ? {} : { authorization: `Bearer ${this.accessToken}` };
    const response = await this.send('credential', 'POST', url, { json: body, headers });
    this.happened({ step: 'credential', at: response.startedAt, ok: response.status === 200, correlated: options.correlated ?? true, label: options.label ?? 'credential' });
    return response;
  }

  /** `{credential_configuration_id, proofs: {jwt: […]}}` */
  credentialBody(proofs: string[] | undefined, configurationId = this.configurationId!): JsonObject {
    return { credential_configuration_id: configurationId, ...(proofs ? { proofs: { jwt: proofs } } : {}) };
  }

  /** A notification (OID4VCI 1.0 §11.1). */
  async notify(notificationId: string, event: 'credential_accepted' | 'credential_deleted' | 'credential_failure'): Promise<HttpResult> {
    const endpoint = this.discovery?.issuer.document?.notification_endpoint;
    if (typeof endpoint !== 'string') throw new FlowError('notification', 'no notification_endpoint');
    const response = await this.send('credential', 'POST', endpoint, {
      json: { notification_id: notificationId, event },
      headers: { authorization: `Bearer ${this.accessToken}` },
    });
    this.happened({ step: 'notification', at: response.startedAt, ok: response.status >= 200 && response.status < 300, correlated: true, label: 'notification' });
    return response;
  }

  private async send(step: Parameters<CheckHttp['send']>[0], method: string, url: string, options?: Parameters<CheckHttp['send']>[3]): Promise<HttpResult> {
    try {
      return await this.http.send(step, method, url, options);
    } catch (error) {
      if (error instanceof HttpFailure) throw new FlowError(step, error.message);
      throw error;
    }
  }
}

function withQuery(url: string, name: string, value: string): string {
  const parsed = new URL(url);
  parsed.searchParams.set(name, value);
  return parsed.href;
}
