/**
 * Every module `check` runs, in report order: one table used by the runner, `--only`/`--skip`
 * validation, the help text and docs/check.md. Where the OpenID Foundation conformance suite's
 * OID4VCI 1.0 issuer test plan has a module, the name is the suite's (`oid4vci-1_0-issuer-…`,
 * openid-certification/conformance-suite, `VCIIssuerTestPlan`); ours start with `issuer-events-`.
 */
export interface CheckModule {
  name: string;
  /** `suite`: the conformance suite's module of that name; `issuer-events`: ours. */
  origin: 'suite' | 'issuer-events';
  /** Issuer-wide (profile null) or one run per profile. */
  scope: 'issuer' | 'profile';
  /** What it checks, one line (help and docs). */
  checks: string;
  /** The OID4VCI 1.0 sections (or other specs) it enforces. */
  spec: string;
  /** When it runs; otherwise its result is `skip` with the reason. */
  appliesWhen: string;
}

export const MODULES = [
  {
    name: 'oid4vci-1_0-issuer-metadata-test',
    origin: 'suite',
    scope: 'issuer',
    checks:
      'credential issuer metadata at the path-inserted well-known URL: JSON, required parameters, credential_issuer identical to the identifier, https endpoints, unknown parameters, configurations (format, vct/doctype/credential_definition, proof types with binding methods, pre-final vc+sd-jwt); authorization server metadata (issuer, token endpoint, keys)',
    spec: 'OID4VCI 1.0 §12.2, §12.3; RFC 8414 §3',
    appliesWhen: 'always',
  },
  {
    name: 'oid4vci-1_0-issuer-happy-flow',
    origin: 'suite',
    scope: 'profile',
    checks:
      'pre-authorized code flow: offer, token, nonce endpoint (no-store, c_nonce), credential response; the credential: issuer signature, holder binding to the proof key, vct/doctype/types matching the configuration, SD-JWT typ, time claims and disclosures (unique salts, every digest referenced), mdoc digests and device key, W3C VC claims',
    spec: 'OID4VCI 1.0 §4.1, §6, §7, §8, Appendix A',
    appliesWhen: 'always',
  },
  {
    name: 'oid4vci-1_0-issuer-happy-flow-skip-notification',
    origin: 'suite',
    scope: 'profile',
    checks: 'issuance succeeds and the session completes when the wallet never sends a notification',
    spec: 'OID4VCI 1.0 §11',
    appliesWhen: 'the issuer has a notification endpoint',
  },
  {
    name: 'oid4vci-1_0-issuer-batch-issuance',
    origin: 'suite',
    scope: 'profile',
    checks: 'one request with several proofs: no more credentials than proofs, each bound to a distinct proof key',
    spec: 'OID4VCI 1.0 §8.2, §8.3, §12.2.4',
    appliesWhen: 'the metadata has batch_credential_issuance',
  },
  {
    name: 'oid4vci-1_0-issuer-fail-invalid-nonce',
    origin: 'suite',
    scope: 'profile',
    checks: 'a proof with a c_nonce the issuer never issued is refused: HTTP 400, error invalid_nonce',
    spec: 'OID4VCI 1.0 §7.2, §8.3.1',
    appliesWhen: 'the configuration requires a proof',
  },
  {
    name: 'oid4vci-1_0-issuer-fail-invalid-jwt-proof-signature',
    origin: 'suite',
    scope: 'profile',
    checks: 'a JWT proof whose signature does not verify is refused: HTTP 400, error invalid_proof',
    spec: 'OID4VCI 1.0 §8.3.1, Appendix F.1',
    appliesWhen: 'the configuration requires a jwt proof',
  },
  {
    name: 'oid4vci-1_0-issuer-fail-missing-proof',
    origin: 'suite',
    scope: 'profile',
    checks: 'a credential request without proofs is refused: HTTP 400, error invalid_proof',
    spec: 'OID4VCI 1.0 §8.2, §8.3.1',
    appliesWhen: 'the configuration requires a proof',
  },
  {
    name: 'oid4vci-1_0-issuer-fail-unknown-credential-configuration',
    origin: 'suite',
    scope: 'profile',
    checks: 'a request for a credential_configuration_id the issuer does not have is refused: HTTP 400, error unknown_credential_configuration',
    spec: 'OID4VCI 1.0 §8.2, §8.3.1',
    appliesWhen: 'always',
  },
  {
    name: 'oid4vci-1_0-issuer-fail-on-access-token-in-query',
    origin: 'suite',
    scope: 'profile',
    checks: 'the first credential request of a fresh session, with a fresh nonce, carries the access token in the URL query only: refused (400, 401 or 414)',
    spec: 'RFC 6750 §2.3; FAPI 2.0 Security Profile §5.3.4',
    appliesWhen: 'always',
  },
  {
    name: 'issuer-events-fail-invalid-tx-code',
    origin: 'issuer-events',
    scope: 'profile',
    checks: 'a token request with the wrong tx_code is refused: HTTP 400, error invalid_grant',
    spec: 'OID4VCI 1.0 §3.5, §6.3',
    appliesWhen: 'the issuer creates offers with a tx_code',
  },
  {
    name: 'issuer-events-fail-missing-tx-code',
    origin: 'issuer-events',
    scope: 'profile',
    checks: 'a token request without the tx_code the offer asks for is refused: HTTP 400, error invalid_request',
    spec: 'OID4VCI 1.0 §3.5, §6.3',
    appliesWhen: 'the issuer creates offers with a tx_code',
  },
  {
    name: 'issuer-events-fail-reused-pre-authorized-code',
    origin: 'issuer-events',
    scope: 'profile',
    checks: 'a second token request with a pre-authorized code already exchanged is refused: HTTP 400, error invalid_grant',
    spec: 'OID4VCI 1.0 §4.1.1; RFC 6749 §5.2',
    appliesWhen: 'always',
  },
  {
    name: 'issuer-events-events',
    origin: 'issuer-events',
    scope: 'profile',
    checks:
      "per scenario and channel (SSE, webhook): each step's event within --event-timeout, in order, the terminal status; a refused step's failure event where the issuer's event generation defines one; none for an issuer-level refusal; the session resource agreeing",
    spec: 'walt.id issuer2 events (docs/providers.md)',
    appliesWhen: 'offers come from the management API and --events is not none',
  },
  {
    name: 'issuer-events-notification',
    origin: 'issuer-events',
    scope: 'profile',
    checks: 'after issuance the wallet sends credential_accepted with the notification_id: answered 2xx (204)',
    spec: 'OID4VCI 1.0 §8.3, §11',
    appliesWhen: 'the issuer has a notification endpoint',
  },
] as const satisfies readonly CheckModule[];

export type ModuleName = (typeof MODULES)[number]['name'];

export const MODULE_NAMES: readonly ModuleName[] = MODULES.map((m) => m.name);

/** Report order of a module (the table's). */
export function moduleIndex(name: string): number {
  const i = (MODULE_NAMES as readonly string[]).indexOf(name);
  return i === -1 ? MODULE_NAMES.length : i;
}

function isModuleName(name: string): name is ModuleName {
  return (MODULE_NAMES as readonly string[]).includes(name);
}

/** The modules `--only` and `--skip` select; unknown names are returned for the caller to refuse. */
export function selectModules(only: readonly string[] | undefined, skip: readonly string[] | undefined): { selected: Set<ModuleName>; unknown: string[] } {
  const unknown = [...(only ?? []), ...(skip ?? [])].filter((name) => !isModuleName(name));
  const base = only?.length ? (only.filter(isModuleName) as ModuleName[]) : MODULE_NAMES;
  const skipped = new Set(skip ?? []);
  return { selected: new Set(base.filter((name) => !skipped.has(name))), unknown: [...new Set(unknown)] };
}
