import { randomBytes, randomUUID } from 'node:crypto';
import { catalogEntry, type CatalogProvider, type EventTypeEntry } from '../issuer/event-types.js';
import type { JsonObject } from '../shared/json.js';
import type { SchemeName } from '../webhooks/index.js';

/** What a template needs besides the catalog entry. */
interface TemplateInput {
  sessionId: string;
  /** The delivery id (iGrant carries it inside the body as `deliveryID`). */
  deliveryId: string;
  now: Date;
}

const FORMATS = [
  { match: /sd_?jwt|sdjwt/, profile: 'identityCredentialSdJwt', configuration: 'identity_credential', format: 'dc+sd-jwt' },
  { match: /mdoc/, profile: 'isoMdl', configuration: 'org.iso.18013.5.1.mDL', format: 'mso_mdoc' },
  { match: /.*/, profile: 'openBadgeCredential', configuration: 'OpenBadgeCredential_jwt_vc_json', format: 'jwt_vc_json' },
] as const;

// walt.id events that cannot be tied to a session carry the request id as target and an empty session.
const ISSUER_LEVEL = new Set(['nonce_request_succeeded', 'nonce_request_failed', 'token_request_failed']);

const ERRORS: Record<string, [string, string]> = {
  token: ['invalid_grant', 'tx_code is invalid'],
  tx_code: ['invalid_grant', 'tx_code is invalid'],
  credential: ['invalid_proof', 'Proof of possession could not be verified'],
  dpop: ['invalid_dpop_proof', 'DPoP proof could not be verified'],
};

function errorOf(type: string): [string, string] | undefined {
  if (!type.endsWith('_failed')) return undefined;
  const key = Object.keys(ERRORS).find((prefix) => type.startsWith(prefix));
  return key ? ERRORS[key] : ['invalid_request', 'the request was refused'];
}

/** The session as walt.id serialises it in events (issuer key redacted, as walt.id ≥ 1.0 does). */
function waltidSession(entry: EventTypeEntry, input: TemplateInput): JsonObject {
  const shape = FORMATS.find((f) => f.match.test(entry.type))!;
  const created = input.now.getTime() - 2_000;
  return {
    sessionId: input.sessionId,
    profileId: shape.profile,
    status: entry.status,
    isClosed: entry.status !== 'ACTIVE',
    authenticationMethod: 'PRE_AUTHORIZED',
    issuerStateMode: null,
    credentialConfigurationIds: [shape.configuration],
    createdAt: new Date(created).toISOString(),
    expiresAt: new Date(created + 300_000).toISOString(),
    credentialOffer: `openid-credential-offer://?credential_offer_uri=http%3A%2F%2Flocalhost%3A7005%2Fopenid4vci%2Fcredential-offer%3Fid%3D${encodeURIComponent(input.sessionId)}`,
    credentialData: { credentialSubject: { name: 'Ada Lovelace' } },
    txCode: null,
    notifications: null,
    issuerKey: { type: 'redacted' },
  };
}

/** walt.id's webhook envelope: the body is encoded with defaults, so absent errors are explicit nulls. */
function waltid(entry: EventTypeEntry, input: TemplateInput): JsonObject {
  const requestId = randomUUID();
  const issuerLevel = ISSUER_LEVEL.has(entry.type);
  const target = issuerLevel ? requestId : input.sessionId;
  const session = issuerLevel ? {} : waltidSession(entry, input);
  // v1.0.0-PRE sends only target, event and session.
  if (entry.generation === 'legacy') return { target, event: entry.type, session };
  const [error, description] = errorOf(entry.type) ?? [null, null];
  return { target, event: entry.type, session, requestId, error, error_description: description };
}

/** iGrant.io: `{"deliveryID","webhookID","timestamp","type","data":{…}}`. */
function igrant(entry: EventTypeEntry, input: TemplateInput): JsonObject {
  const presentation = entry.type.startsWith('openid.presentation.');
  const data: JsonObject = presentation
    ? { presentationExchangeId: input.sessionId, presentationDefinitionId: 'sample-definition', status: entry.type.split('.').at(-1)! }
    : { credentialExchangeId: input.sessionId, credentialDefinitionId: 'sample-definition', status: entry.type.split('.').at(-1)!, dataAgreementId: 'sample-agreement' };
  return { deliveryID: input.deliveryId, webhookID: 'wh_sample', timestamp: input.now.toISOString().replace(/\.\d{3}Z$/, 'Z'), type: entry.type, data };
}

/** didx:me: `{"eventType":"openid4vc.issuance.…","payload":{"openId4VcIssuanceId":"…"}}`. */
function didx(entry: EventTypeEntry, input: TemplateInput): JsonObject {
  return { eventType: entry.type, payload: { openId4VcIssuanceId: input.sessionId, state: entry.status, updatedAt: input.now.toISOString() } };
}

/** Crossmint: `{"type":"credential.creation.…","data":{…}}`. */
function crossmint(entry: EventTypeEntry, input: TemplateInput): JsonObject {
  const failed = entry.type.endsWith('.failed');
  return {
    type: entry.type,
    data: {
      credentialId: input.sessionId,
      actionId: `act_${input.sessionId.slice(0, 8)}`,
      status: failed ? 'failed' : 'succeeded',
      ...(failed ? { error: 'issuance failed' } : { credential: { id: `urn:uuid:${input.sessionId}`, type: ['VerifiableCredential'] } }),
    },
  };
}

const TEMPLATES: Record<CatalogProvider, (entry: EventTypeEntry, input: TemplateInput) => JsonObject> = { waltid, igrant, didx, crossmint };

/** The scheme each provider signs with; walt.id signs nothing (docs/providers.md). */
export const PROVIDER_SCHEMES: Record<CatalogProvider, SchemeName | 'none'> = { waltid: 'none', igrant: 'igrant', didx: 'standard', crossmint: 'svix' };

/** How each provider is called in messages. */
export const PROVIDER_NAMES: Record<CatalogProvider, string> = { waltid: 'walt.id', igrant: 'iGrant.io', didx: 'didx:me', crossmint: 'Crossmint' };

export const TRIGGER_PROVIDERS = Object.keys(TEMPLATES) as CatalogProvider[];

/**
 * The catalog entry for a type: the provider's own when `provider` is given. A type the catalog
 * does not know is allowed with an explicit provider (new names appear) and gets its generic shape.
 */
export function triggerEntry(type: string, provider?: CatalogProvider): EventTypeEntry | undefined {
  const known = catalogEntry(type, provider);
  // iGrant's `.v3` names share their entry with the bare name; the payload keeps the name asked for.
  if (known) return known.type === type ? known : { ...known, type };
  if (!provider) return undefined;
  return { provider, group: provider, type, description: '', status: 'ACTIVE', generation: provider === 'waltid' ? 'current' : undefined };
}

/** A provider-faithful sample payload for one catalog entry. */
export function samplePayload(entry: EventTypeEntry, input: TemplateInput): JsonObject {
  return TEMPLATES[entry.provider](entry, input);
}

/** A fresh id in the shape each provider uses. */
export function newDeliveryId(provider: CatalogProvider): string {
  if (provider === 'igrant') return randomUUID();
  return `msg_${randomBytes(12).toString('hex')}`;
}
