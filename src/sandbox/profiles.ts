import { isPlainObject } from '../shared/json.js';

/** Credential formats, named as in walt.id's event types (`credential_request_<format>_…`). */
export type CredentialFormat = 'w3c_vc' | 'sd_jwt_vc' | 'mso_mdoc';

export interface SandboxProfile {
  id: string;
  format: CredentialFormat;
  /** The OpenID4VCI credential configuration the offer names. */
  credentialConfigurationId: string;
  /** The profile's own webhook, used when an offer sets none. */
  webhookUrl?: string;
}

export const BUILT_IN_PROFILES: readonly SandboxProfile[] = [
  { id: 'openBadgeCredential', format: 'w3c_vc', credentialConfigurationId: 'OpenBadgeCredential_jwt_vc_json' },
  { id: 'universityDegree', format: 'w3c_vc', credentialConfigurationId: 'UniversityDegree_jwt_vc_json' },
  { id: 'identityCredentialSdJwt', format: 'sd_jwt_vc', credentialConfigurationId: 'identity_credential_vc+sd-jwt' },
  { id: 'isoMdl', format: 'mso_mdoc', credentialConfigurationId: 'org.iso.18013.5.1.mDL' },
];

const FORMATS = new Set<string>(['w3c_vc', 'sd_jwt_vc', 'mso_mdoc']);

/** Built-ins plus the config file's `profiles: { id: { format, credentialConfigurationId?, webhookUrl? } }`. */
export function loadProfiles(extra?: Record<string, unknown>): Map<string, SandboxProfile> {
  const profiles = new Map(BUILT_IN_PROFILES.map((p) => [p.id, { ...p }]));
  for (const [id, raw] of Object.entries(extra ?? {})) {
    if (!isPlainObject(raw)) throw new Error(`profiles.${id} must be an object`);
    const format = raw.format ?? 'w3c_vc';
    if (typeof format !== 'string' || !FORMATS.has(format)) throw new Error(`profiles.${id}.format must be one of ${[...FORMATS].join(', ')}`);
    if (raw.webhookUrl !== undefined && typeof raw.webhookUrl !== 'string') throw new Error(`profiles.${id}.webhookUrl must be a string`);
    profiles.set(id, {
      id,
      format: format as CredentialFormat,
      credentialConfigurationId: typeof raw.credentialConfigurationId === 'string' ? raw.credentialConfigurationId : id,
      webhookUrl: raw.webhookUrl as string | undefined,
    });
  }
  return profiles;
}
