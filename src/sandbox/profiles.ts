import { isPlainObject, type JsonObject } from '../shared/json.js';

/** Credential formats, named as in walt.id's event types (`credential_request_<format>_…`). */
export type CredentialFormat = 'w3c_vc' | 'sd_jwt_vc' | 'mso_mdoc';

export interface SandboxProfile {
  id: string;
  format: CredentialFormat;
  /** The OpenID4VCI credential configuration the offer names. */
  credentialConfigurationId: string;
  /** The profile's own webhook, used when an offer sets none. */
  webhookUrl?: string;
  /** Claims issued unless an offer's `credentialData` patches them. */
  credentialData: JsonObject;
  /** W3C types, SD-JWT vct (relative to the issuer) or mdoc doctype. */
  type: string[] | string;
}

const W3C = (name: string, subject: JsonObject): Pick<SandboxProfile, 'credentialData' | 'type'> => ({
  type: ['VerifiableCredential', name],
  credentialData: { '@context': ['https://www.w3.org/2018/credentials/v1'], type: ['VerifiableCredential', name], credentialSubject: subject },
});

/** The profiles and configuration ids walt.id issuer2 ships (docs/providers.md), plus one more W3C example. */
export const BUILT_IN_PROFILES: readonly SandboxProfile[] = [
  {
    id: 'openBadgeCredential',
    format: 'w3c_vc',
    credentialConfigurationId: 'OpenBadgeCredential_jwt_vc_json',
    ...W3C('OpenBadgeCredential', {
      type: ['AchievementSubject'],
      achievement: { id: 'urn:uuid:ac254bd5-8fad-4bb1-9d29-efd938536926', type: ['Achievement'], name: 'JFF x vc-edu PlugFest 3 Interoperability' },
    }),
  },
  {
    id: 'universityDegree',
    format: 'w3c_vc',
    credentialConfigurationId: 'UniversityDegree_jwt_vc_json',
    ...W3C('UniversityDegree', { degree: { type: 'BachelorDegree', name: 'Bachelor of Science and Arts' } }),
  },
  {
    id: 'identityCredentialSdJwt',
    format: 'sd_jwt_vc',
    credentialConfigurationId: 'identity_credential',
    type: 'identity_credential',
    credentialData: { given_name: 'John', family_name: 'Doe', email: 'johndoe@example.com', phone_number: '+1-202-555-0101', birthdate: '1940-01-01', is_over_18: true },
  },
  {
    id: 'isoMdl',
    format: 'mso_mdoc',
    credentialConfigurationId: 'org.iso.18013.5.1.mDL',
    type: 'org.iso.18013.5.1.mDL',
    credentialData: {
      'org.iso.18013.5.1': {
        family_name: 'Doe',
        given_name: 'John',
        birth_date: '1986-03-22',
        issuing_country: 'US',
        issuing_authority: 'issuer-events sandbox',
        document_number: '123456789',
      },
    },
  },
];

const FORMATS = new Set<string>(['w3c_vc', 'sd_jwt_vc', 'mso_mdoc']);

/** Built-ins plus the config file's `profiles: { id: { format, credentialConfigurationId?, webhookUrl?, credentialData? } }`. */
export function loadProfiles(extra?: Record<string, unknown>): Map<string, SandboxProfile> {
  const profiles = new Map(BUILT_IN_PROFILES.map((p) => [p.id, { ...p }]));
  for (const [id, raw] of Object.entries(extra ?? {})) {
    if (!isPlainObject(raw)) throw new Error(`profiles.${id} must be an object`);
    const format = raw.format ?? 'w3c_vc';
    if (typeof format !== 'string' || !FORMATS.has(format)) throw new Error(`profiles.${id}.format must be one of ${[...FORMATS].join(', ')}`);
    if (raw.webhookUrl !== undefined && typeof raw.webhookUrl !== 'string') throw new Error(`profiles.${id}.webhookUrl must be a string`);
    if (raw.credentialData !== undefined && !isPlainObject(raw.credentialData)) throw new Error(`profiles.${id}.credentialData must be an object`);
    const template = BUILT_IN_PROFILES.find((p) => p.format === format)!;
    profiles.set(id, {
      id,
      format: format as CredentialFormat,
      credentialConfigurationId: typeof raw.credentialConfigurationId === 'string' ? raw.credentialConfigurationId : id,
      webhookUrl: raw.webhookUrl as string | undefined,
      type: format === 'w3c_vc' ? ['VerifiableCredential', id] : format === 'sd_jwt_vc' ? id : template.type,
      credentialData: (raw.credentialData as JsonObject | undefined) ?? template.credentialData,
    });
  }
  return profiles;
}
