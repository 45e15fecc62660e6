import type { ClaimedCredential, ClaimReporter, ClaimResult, ClaimStep } from '../../wallet/claim.js';
import type { HttpExchange } from '../../wallet/transport.js';
import { formatDuration } from '../../shared/duration.js';
import { maskUserinfo } from '../../shared/url.js';
import { escapeControl, escapeLine } from '../../shared/escape.js';
import type { Output } from '../output.js';
import { shownBody } from './exchange.js';

/** Renders `claim`: steps and exchanges on stderr, the decoded credentials on stdout (one object with --json). */
export class ClaimRenderer implements ClaimReporter {
  /** `unusedTxCode` is the warning in the command's words (its flag names). */
  constructor(
    private readonly output: Output,
    private readonly words: { unusedTxCode: string } = { unusedTxCode: '--tx-code ignored: the offer asks for no transaction code' },
  ) {}

  unusedTxCode(): void {
    this.output.warn(this.words.unusedTxCode);
  }

  step(step: ClaimStep): void {
    const c = this.output.errColor;
    const mark = step.status === 'ok' ? c.green('✓') : c.red('✗');
    this.output.info(
      `${mark} ${step.name.padEnd(30)} ${c.dim(formatDuration(step.ms).padStart(6))}${step.detail && step.status === 'ok' ? `  ${c.dim(escapeLine(step.detail))}` : ''}`,
    );
  }

  exchange(exchange: HttpExchange): void {
    if (!this.output.verbose) return;
    const { output } = this;
    output.debug(`${exchange.method} ${escapeLine(maskUserinfo(exchange.url))} → ${exchange.status ?? exchange.error} (${formatDuration(exchange.ms)})`);
    // Bodies as every -v shows them: tokens and codes masked whole (the credential itself is the user's to see).
    for (const line of shownBody(exchange.requestBody)) output.debug(`  > ${line}`);
    for (const line of shownBody(exchange.responseBody)) output.debug(`  < ${line}`);
  }

  /** The credentials received; `refused` when the claim fails on them (nothing was accepted then). */
  result(result: ClaimResult, refused = false): void {
    // Accepted without a verified signature: said on stderr, whatever stdout carries.
    for (const cred of result.credentials) {
      if (cred.trust.status === 'unverified' && !refused)
        this.output.warn(`${cred.configurationId} (${cred.format}) accepted unverified (--allow-unverified): ${cred.trust.reason}`);
    }
    if (this.output.json) {
      this.output.record({
        kind: 'claim',
        offer: withoutCode(result.offer),
        steps: result.steps.map((s) => ({ name: s.name, ms: Math.round(s.ms), status: s.status })),
        credentials: result.credentials.map((cred) => ({
          format: cred.format,
          configurationId: cred.configurationId,
          raw: cred.raw,
          decoded: cred.decoded,
          signature: cred.signature,
          trust: cred.trust,
        })),
      });
      return;
    }
    for (const credential of result.credentials) this.credential(credential);
  }

  private credential(cred: ClaimedCredential): void {
    const { output } = this;
    const c = output.color;
    const d = cred.decoded;
    const row = (label: string, value: string): void => output.data(`  ${c.dim(label.padEnd(12))} ${escapeLine(value)}`);
    output.data(c.bold(`${cred.configurationId} (${cred.format})`));
    if (d.issuer) row('issuer', d.issuer);
    if (d.subject) row('subject', d.subject);
    if (d.types.length) row('type', d.types.join(', '));
    if (d.validUntil) row('valid until', d.validUntil);
    row('bound to', d.holderBinding === 'holder-key' ? 'the wallet key' : d.holderBinding === 'other-key' ? 'another key (!)' : 'nothing');
    const sig = cred.signature;
    output.data(
      `  ${c.dim('signature'.padEnd(12))} ${sig.verified ? c.green(`verified with ${escapeLine(sig.key ?? 'the issuer key')}`) : c.yellow(`not verified: ${escapeLine(sig.reason ?? 'unknown')}`)}`,
    );
    output.data(`  ${c.dim('claims')}`);
    output.data(escapeControl(JSON.stringify(d.claims, null, 2)).replace(/^/gm, '    '));
    if (d.disclosures?.length) {
      output.data(`  ${c.dim('disclosures')}`);
      for (const disclosure of d.disclosures) {
        const unsigned = disclosure.signed ? '' : `  ${c.red('(not in the signed payload)')}`;
        output.data(`    ${escapeLine(disclosure.name ?? '(array element)')}: ${escapeLine(JSON.stringify(disclosure.value) ?? 'undefined')}${unsigned}`);
      }
    }
  }
}

const PRE_AUTHORIZED = 'urn:ietf:params:oauth:grant-type:pre-authorized_code';

/**
 * The offer as --json shows it: its pre-authorized code buys an access token (with the tx code,
 * which is never in the offer), so it is masked whole; the rest is the issuer's offer as sent.
 */
function withoutCode(offer: ClaimResult['offer']): ClaimResult['offer'] {
  const grant = offer.grants?.[PRE_AUTHORIZED] as Record<string, unknown> | undefined;
  if (!grant || grant['pre-authorized_code'] === undefined) return offer;
  return { ...offer, grants: { ...offer.grants, [PRE_AUTHORIZED]: { ...grant, 'pre-authorized_code': '[masked]' } } } as ClaimResult['offer'];
}
