import { createHash } from 'node:crypto';
import { deeperThan, redactPrivateKeys } from './json-safety.js';

/** Headers whose values are credentials: never printed, never written to a capture file. */
export const SENSITIVE_HEADERS = new Set(['authorization', 'proxy-authorization', 'cookie', 'set-cookie', 'x-api-key']);

export const REDACTED = '[redacted]';

/**
 * A secret as it may be shown: its well-known prefix (whsec_) and a short fingerprint, enough
 * to tell two apart without revealing any of the secret itself.
 */
export function maskSecret(secret: string): string {
  const prefix = secret.startsWith('whsec_') ? 'whsec_' : '';
  return `${prefix}…#${createHash('sha256').update(secret).digest('hex').slice(0, 6)}`;
}

/** What a token or code is replaced by in shown HTTP bodies (-v). */
export const MASKED = '[masked]';

/**
 * Names whose values grant access: OAuth and OID4VCI tokens and codes, walt.id's tx code. Their
 * values are masked whole, never in part (four of six tx-code digits are most of the code).
 */
const SECRET_NAMES = new Set(['access_token', 'refresh_token', 'id_token', 'pre-authorized_code', 'tx_code', 'user_pin', 'txCodeValue', 'client_secret']);

const SECRET_IN_TEXT = new RegExp(`("?(?:${[...SECRET_NAMES].join('|')})"?\\s*[:=]\\s*"?)[^"&,\\s{}[\\]]+`, 'g');
const FORM_BODY = /^[^\s=&{}[\]"]+=[^\s]*$/;

/**
 * An HTTP body as `-v` may show it: tokens, codes (also inside an offer URI carried by value) and
 * private JWK members replaced whole. JSON stays JSON and a form body stays a form body, so
 * what is shown still parses; other text gets the same names masked by pattern.
 */
export function maskSecrets(text: string): string {
  const trimmed = text.trimStart();
  if (trimmed.startsWith('{') || trimmed.startsWith('[')) {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      return text.replace(SECRET_IN_TEXT, `$1${MASKED}`);
    }
    // Too deep to serialise again safely: masked as text instead.
    if (deeperThan(value)) return text.replace(SECRET_IN_TEXT, `$1${MASKED}`);
    return maskJson(value) ? JSON.stringify(value) : text;
  }
  if (FORM_BODY.test(text)) return maskForm(text);
  return text.replace(SECRET_IN_TEXT, `$1${MASKED}`);
}

/** Masks in place, without recursion; true when anything was masked. */
function maskJson(root: unknown): boolean {
  let changed = redactPrivateKeys(root).length > 0;
  const stack: unknown[] = [root];
  while (stack.length > 0) {
    const current = stack.pop();
    if (current === null || typeof current !== 'object') continue;
    const object = current as Record<string, unknown>;
    for (const [key, child] of Object.entries(object)) {
      if (SECRET_NAMES.has(key) && (typeof child === 'string' || typeof child === 'number')) {
        object[key] = MASKED;
        changed = true;
      } else if (typeof child === 'string') {
        const masked = maskOfferUri(child);
        if (masked !== child) {
          object[key] = masked;
          changed = true;
        }
      } else if (child !== null && typeof child === 'object') stack.push(child);
    }
  }
  return changed;
}

function maskForm(text: string): string {
  return text
    .split('&')
    .map((pair) => {
      const eq = pair.indexOf('=');
      let name: string;
      try {
        name = decodeURIComponent(pair.slice(0, eq).replace(/\+/g, ' '));
      } catch {
        return pair;
      }
      if (SECRET_NAMES.has(name)) return `${pair.slice(0, eq)}=${MASKED}`;
      return pair;
    })
    .join('&');
}

/** `openid-credential-offer://?credential_offer=<JSON>`: the pre-authorized code inside, masked. */
function maskOfferUri(value: string): string {
  if (!value.includes('credential_offer=')) return value;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return value;
  }
  const offer = url.searchParams.get('credential_offer');
  if (offer === null) return value;
  const masked = maskSecrets(offer);
  if (masked === offer) return value;
  url.searchParams.set('credential_offer', masked);
  return url.href;
}
