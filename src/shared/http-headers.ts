/** RFC 9110 §7.6.1 hop-by-hop headers, plus those an HTTP client sets itself: never copied when re-sending. */
export const NOT_FORWARDED = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'te', 'trailer', 'upgrade', 'host', 'content-length', 'expect']);

const FORM = /^application\/x-www-form-urlencoded\b/i;
const JSON_TYPE = /^application\/([\w.+-]+\+)?json\b/i;

/** True for `application/x-www-form-urlencoded` (iGrant can post `payload=<json>` forms). */
export function isFormEncoded(contentType: string | undefined): boolean {
  return FORM.test(contentType ?? '');
}

export function isJsonType(contentType: string | undefined): boolean {
  return JSON_TYPE.test(contentType ?? '');
}

/** A non-empty string, else null (the one `str` helper). */
export function nonEmptyString(value: unknown): string | null {
  return typeof value === 'string' && value !== '' ? value : null;
}
