import { UsageError } from '../errors.js';
import { oid4vciBase } from '../issuer/endpoints.js';
import { checkHttpUrl, isHttpUrl } from '../shared/url.js';

/** Where to find the offer: what `Openid4vciClient.resolveCredentialOffer` accepts. */
export function offerReference(arg: string, issuer: { baseUrl: string; target?: string }): string {
  const trimmed = arg.trim();
  if (trimmed === '') throw new UsageError('empty offer: pass an openid-credential-offer:// URI, an offer URL, an offer id, or - for stdin');
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(trimmed)?.[1]?.toLowerCase();
  if (scheme && !isHttpUrl(trimmed)) {
    // openid-credential-offer://, haip://, or a wallet's own scheme: the query carries the offer.
    if (!/[?&]credential_offer(_uri)?=/.test(trimmed)) throw new UsageError(`malformed offer URI: no credential_offer or credential_offer_uri parameter in ${scheme}:…`);
    return checkOfferParameters(trimmed);
  }
  if (isHttpUrl(trimmed)) {
    const check = checkHttpUrl(trimmed);
    if (!check.ok) throw new UsageError(`invalid offer URL "${trimmed}": expected an absolute http(s) URL (${check.why})`);
    // An https link carrying the offer in its query, or the URL of the offer object itself.
    if (/[?&]credential_offer(_uri)?=/.test(trimmed) && !/\/credential-offer\?/.test(trimmed)) return checkOfferParameters(trimmed);
    return `openid-credential-offer://?credential_offer_uri=${encodeURIComponent(trimmed)}`;
  }
  if (!/^[\w.~-]+$/.test(trimmed)) throw new UsageError(`malformed offer "${trimmed.slice(0, 80)}": not a URI, a URL or an offer id`);
  return `openid-credential-offer://?credential_offer_uri=${encodeURIComponent(`${oid4vciBase(issuer)}/credential-offer?id=${encodeURIComponent(trimmed)}`)}`;
}

/**
 * The offer a URI carries by value must be JSON, and one it points to an http(s) URL: said here,
 * as bad input, instead of as the wallet library's message quoting the whole URI.
 */
function checkOfferParameters(uri: string): string {
  const params = new URLSearchParams(uri.slice(uri.indexOf('?') + 1).replace(/#.*$/, ''));
  const value = params.get('credential_offer');
  if (value !== null) {
    try {
      JSON.parse(value);
    } catch {
      throw new UsageError('malformed offer URI: credential_offer is not JSON');
    }
  }
  const reference = params.get('credential_offer_uri');
  if (reference !== null) {
    const check = checkHttpUrl(reference);
    if (!check.ok) throw new UsageError(`malformed offer URI: credential_offer_uri is not an absolute http(s) URL (${check.why})`);
  }
  return uri;
}
