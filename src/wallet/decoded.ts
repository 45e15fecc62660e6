import type { JWK } from 'jose';
import type { JsonObject } from '../shared/json.js';
import type { TrustContext } from './trust.js';

// The decoded credential's types, apart from credentials.ts: mdoc.ts uses them, and credentials.ts
// loads mdoc.ts (lazily), so they live where both can import them without a cycle.

/** What a credential says, by format. */
export interface DecodedCredential {
  issuer?: string;
  subject?: string;
  /** W3C `type`, SD-JWT `vct` or mdoc `docType`. */
  types: string[];
  /** Issuer-signed claims (W3C credentialSubject, SD-JWT plain claims, mdoc elements by namespace). */
  claims: JsonObject;
  /** SD-JWT: every disclosure, as [name, value] (array elements have no name); `signed` when the signed payload holds its digest. */
  disclosures?: { name?: string; value: unknown; digest: string; signed: boolean }[];
  /** Whether the credential is bound to the wallet's holder key (cnf.jwk, sub did:jwk, mdoc deviceKey). */
  holderBinding?: 'holder-key' | 'other-key' | 'none';
  validFrom?: string;
  validUntil?: string;
}

export interface DecodeContext extends TrustContext {
  holderJwk: JWK;
}
