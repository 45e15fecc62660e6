/**
 * `sandbox --fault <name>[,<name>]...`: each fault is one named departure from the spec (or from
 * walt.id's event channels), so that a user sees what it looks like from the wallet's and the
 * events' side, and so that `check` can be shown to catch each one.
 *
 * `check` names the module that must fail when the fault is on (CONTRACT.md, `check`): the
 * OpenID Foundation conformance suite's OID4VCI 1.0 issuer module where it has one
 * (`oid4vci-1_0-issuer-…`), else the tool's own (`issuer-events-…`). The `accept-…` faults are
 * named after their module's `fail-…` suffix, so `accept-X` is caught by `…-fail-X` (and
 * `accept-access-token-in-query` by `…-fail-on-access-token-in-query`). The three happy-flow faults
 * are caught by `oid4vci-1_0-issuer-happy-flow`, which checks the nonce endpoint and the
 * credential's signature and holder binding. `also` names modules that fail as a consequence
 * (a wrong credential_issuer also fails the credential's issuer check).
 *
 * This module is data only: `sandbox --help` lists it, `cli/flags.ts` validates names against it,
 * and the sandbox's code paths ask `has(name)` where they depart.
 */
export const FAULTS = [
  {
    name: 'accept-reused-pre-authorized-code',
    description: 'a used pre-authorized code buys another access token (OID4VCI 1.0 §4.1.1: single use)',
    check: 'issuer-events-fail-reused-pre-authorized-code',
  },
  { name: 'accept-invalid-tx-code', description: 'a wrong tx_code buys an access token (§6.3: invalid_grant)', check: 'issuer-events-fail-invalid-tx-code' },
  {
    name: 'accept-missing-tx-code',
    description: 'a token request without the tx_code the offer asked for is granted (§6.3: invalid_request)',
    check: 'issuer-events-fail-missing-tx-code',
  },
  {
    name: 'accept-invalid-nonce',
    description: 'a proof whose nonce the nonce endpoint never issued, or issued before, is accepted (§8.3.1.2: invalid_nonce)',
    check: 'oid4vci-1_0-issuer-fail-invalid-nonce',
  },
  {
    name: 'accept-invalid-jwt-proof-signature',
    description: 'a proof whose signature does not verify is accepted (§8.3.1.2: invalid_proof)',
    check: 'oid4vci-1_0-issuer-fail-invalid-jwt-proof-signature',
  },
  {
    name: 'accept-missing-proof',
    description: 'a credential request without a proof is answered with a credential bound to no key of the wallet (§8.3.1.2: invalid_proof)',
    check: 'oid4vci-1_0-issuer-fail-missing-proof',
  },
  {
    name: 'accept-unknown-credential-configuration',
    description: "a credential_configuration_id the metadata does not list gets the session's credential (§8.3.1.2: unknown_credential_configuration)",
    check: 'oid4vci-1_0-issuer-fail-unknown-credential-configuration',
  },
  {
    name: 'accept-access-token-in-query',
    description: 'the credential endpoint takes the access token from an access_token query parameter (RFC 6750 §2.3)',
    check: 'oid4vci-1_0-issuer-fail-on-access-token-in-query',
  },
  { name: 'cacheable-nonce', description: 'nonce responses are cacheable: no Cache-Control: no-store (§7.2)', check: 'oid4vci-1_0-issuer-happy-flow' },
  {
    name: 'wrong-credential-issuer',
    description: "the metadata's credential_issuer differs from the issuer URL it is served for (§12.2.4)",
    check: 'oid4vci-1_0-issuer-metadata-test',
    // A wallet holds the credential's iss to the metadata's credential_issuer (the mix-up rule), so
    // the happy flow's signature check fails too: downstream, not a second fault.
    also: ['oid4vci-1_0-issuer-happy-flow'],
  },
  {
    name: 'unpublished-signing-key',
    description: 'credentials are signed with a key that is not published (the kid, x5c and JWKS name another)',
    check: 'oid4vci-1_0-issuer-happy-flow',
  },
  { name: 'bound-to-other-key', description: "credentials are bound to a key that is not the proof's", check: 'oid4vci-1_0-issuer-happy-flow' },
  { name: 'no-sse-events', description: 'no event is sent on the SSE streams (they open, send {}, and stay silent)', check: 'issuer-events-events' },
  { name: 'no-webhooks', description: 'no webhook is sent', check: 'issuer-events-events' },
] as const satisfies readonly { name: string; description: string; check: string; also?: readonly string[] }[];

export type FaultName = (typeof FAULTS)[number]['name'];

export const FAULT_NAMES: readonly FaultName[] = FAULTS.map((fault) => fault.name);

export function isFaultName(text: string): text is FaultName {
  return (FAULT_NAMES as readonly string[]).includes(text);
}

/** The faults a sandbox runs with; `has` is asked where the code departs from the spec. */
export class Faults {
  private readonly names: ReadonlySet<FaultName>;

  constructor(names: Iterable<FaultName> = []) {
    this.names = new Set(names);
  }

  has(name: FaultName): boolean {
    return this.names.has(name);
  }

  get list(): FaultName[] {
    return FAULT_NAMES.filter((name) => this.names.has(name));
  }
}
