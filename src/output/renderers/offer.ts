import type { OfferResponse } from '../../issuer/offers.js';
import { formatDuration, isoTime } from '../../shared/duration.js';
import { escapeLine } from '../../shared/escape.js';
import type { Output } from '../output.js';

/** A created offer: the issuer's object with --json, else labelled lines and a QR code on a terminal. */
export async function renderOffer(output: Output, offer: OfferResponse): Promise<void> {
  if (output.json) {
    // `kind` tells the offer apart from the records `--tail` prints after it.
    output.record({ kind: 'offer', ...offer });
    return;
  }
  const c = output.color;
  const label = (name: string): string => c.dim(name.padEnd(9));
  // walt.id's offerId is the issuance session's id: that is what tail and claim take.
  output.data(`${label('Session')} ${c.bold(escapeLine(offer.offerId))}`);
  if (offer.profileId) output.data(`${label('Profile')} ${escapeLine(String(offer.profileId))}${offer.authMethod ? ` (${escapeLine(String(offer.authMethod))})` : ''}`);
  if (typeof offer.expiresAt === 'number') output.data(`${label('Expires')} ${describeExpiry(offer.expiresAt)}`);
  if (offer.txCodeValue) output.data(`${label('Tx code')} ${escapeLine(String(offer.txCodeValue))}`);
  output.data(`${label('Offer URI')} ${escapeLine(offer.credentialOffer)}`);
  if (output.stdout.isTTY) {
    const { default: QRCode } = await import('qrcode');
    const qr = await QRCode.toString(offer.credentialOffer, { type: 'terminal', small: true, errorCorrectionLevel: 'L' });
    output.data(qr.trimEnd());
  }
}

/** What to do next, on stderr (stdout stays data): follow the session, or claim it with the test wallet. */
export function renderNextSteps(output: Output, offer: OfferResponse, issuerArgs: string): void {
  output.info(output.errColor.dim(`Next: issuer-events tail ${escapeLine(offer.offerId)}${issuerArgs}    # follow the session`));
  output.info(output.errColor.dim(`      ${claimCommand(offer, issuerArgs)}    # claim it with the built-in wallet`));
}

/** The command line that claims this offer with the built-in wallet. */
export function claimCommand(offer: OfferResponse, issuerArgs: string): string {
  const tx = offer.txCodeValue ? ` --tx-code ${escapeLine(String(offer.txCodeValue))}` : '';
  return `issuer-events claim ${escapeLine(offer.offerId)}${issuerArgs}${tx}`;
}

function describeExpiry(expiresAt: number): string {
  // walt.id sends a far-future instant for "never" (expiresInSeconds -1).
  if (expiresAt > Date.now() + 50 * 365 * 86_400_000) return 'never';
  const iso = isoTime(expiresAt);
  // An issuer's number no Date can hold is shown as sent.
  if (iso === undefined) return `${expiresAt} (not a valid time)`;
  const remaining = expiresAt - Date.now();
  return `${iso} (${remaining > 0 ? `in ${formatDuration(remaining)}` : 'expired'})`;
}
