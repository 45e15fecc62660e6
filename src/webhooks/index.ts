import { bearerScheme } from './bearer.js';
import { DEFAULT_HMAC, githubScheme, hmacScheme } from './hmac.js';
import { igrantScheme } from './igrant.js';
import { standardScheme, svixScheme } from './standard.js';
import { stripeScheme } from './stripe.js';
import { invalid, type Delivery, type SchemeName, type SignatureScheme, type Verdict, type VerifyContext } from './types.js';

/** Every signature scheme by name (`SchemeName`, types.ts): a name without a scheme does not compile. */
export const SCHEMES: { readonly [K in SchemeName]: SignatureScheme } = {
  standard: standardScheme,
  svix: svixScheme,
  igrant: igrantScheme,
  stripe: stripeScheme,
  github: githubScheme,
  'hmac-sha256': hmacScheme,
  bearer: bearerScheme,
};

/** What `--scheme` takes (listen, verify): a scheme, `auto` (picked from the headers) or `none` (no check). */
export const SCHEME_NAMES = ['auto', ...(Object.keys(SCHEMES) as SchemeName[]), 'none'] as const;

export type SchemeChoice = (typeof SCHEME_NAMES)[number];

/** Whether `text` (a flag, a captured record's `scheme`) names a scheme of SCHEMES. */
export function isSchemeName(text: string): text is SchemeName {
  return Object.hasOwn(SCHEMES, text);
}

/** Whether `text` is a `--scheme` choice. */
export function isSchemeChoice(text: string): text is SchemeChoice {
  return text === 'auto' || text === 'none' || isSchemeName(text);
}

// Order of detection in `auto`: the most specific headers first (Svix's own before Standard Webhooks', which also reads svix-*).
const AUTO_ORDER = [svixScheme, standardScheme, igrantScheme, stripeScheme, githubScheme];

/** Picks the scheme from the headers present; undefined for an unsigned request. */
export function detectScheme(headers: Delivery['headers'], context: Pick<VerifyContext, 'hmac' | 'secrets'>): SignatureScheme | undefined {
  const found = AUTO_ORDER.find((scheme) => scheme.detect(headers));
  if (found) return found;
  if (headers[(context.hmac ?? DEFAULT_HMAC).header] !== undefined) return hmacScheme;
  if (context.secrets.length > 0 && bearerScheme.detect(headers)) return bearerScheme;
  return undefined;
}

/**
 * Verifies one delivery. `scheme` is a name from SCHEME_NAMES. An unsigned request (no
 * signature header for `auto`) gets code `unsigned`; the caller decides whether that is allowed.
 */
export function verifyDelivery(delivery: Delivery, scheme: SchemeChoice, context: VerifyContext): Verdict {
  if (scheme === 'none') return { accepted: true, scheme: 'none', code: 'unsigned', reason: 'not verified (scheme none)' };
  const chosen = scheme === 'auto' ? detectScheme(delivery.headers, context) : SCHEMES[scheme];
  // A script may pass any string (the type is not checked at run time).
  if (!chosen) {
    if (scheme === 'auto') return invalid('none', 'unsigned', 'unsigned request: no signature header');
    throw new Error(`unknown scheme ${scheme}`);
  }
  if (context.secrets.length === 0) return invalid(chosen.name, 'no_usable_secret', `a ${chosen.name} signature is present but no secret was given`);
  const verdict = chosen.verify(delivery, context);
  if (verdict.accepted) verdict.deliveryId = chosen.signedId(delivery);
  return verdict;
}

/** Names of the schemes that can sign (replay re-signing, sandbox webhooks, trigger). */
export function signingSchemeNames(): SchemeName[] {
  return (Object.keys(SCHEMES) as SchemeName[]).filter((name) => SCHEMES[name].sign);
}

/** Why `secret` cannot serve `scheme` (e.g. not whsec_ + base64 for Standard Webhooks), or undefined (always for auto and none). */
export function secretProblem(scheme: SchemeChoice, secret: string): string | undefined {
  return scheme === 'auto' || scheme === 'none' ? undefined : SCHEMES[scheme].secretProblem?.(secret);
}

/** Every header name any scheme signs with. */
export const SIGNATURE_HEADERS: ReadonlySet<string> = new Set(Object.values(SCHEMES).flatMap((s) => s.headers.filter((h) => h !== 'authorization')));

/** The signed time of captured headers, from whichever scheme's headers are present. */
export function signedAtOf(headers: Delivery['headers']): number | undefined {
  for (const scheme of Object.values(SCHEMES)) if (scheme.detect(headers)) return scheme.signedAt(headers);
  return undefined;
}

export type { Delivery, SchemeName, Verdict, VerifyContext, SignatureScheme } from './types.js';
