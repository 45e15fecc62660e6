import { eventGeneration, eventStep, reportsFailure, reportsTokenFailure } from '../../issuer/event-steps.js';
import type { IssuerEvent } from '../../issuer/catalog.js';
import { escapeLine } from '../../shared/escape.js';
import { formatDuration } from '../../shared/duration.js';
import type { Happening } from '../flow.js';
import { MODULES } from '../modules.js';
import { type Finding, fail, pass, skip } from '../results.js';
import type { Channel, EventHub, SeenEvent, SessionWatch } from '../watch.js';

/** What the judgement reads of a session's watch and of the hub (tests give it plain objects). */
type Watched = Pick<SessionWatch, 'sessionId' | 'events' | 'sseError' | 'next'>;
type Hub = Pick<EventHub, 'channels' | 'sessionResourceUrl' | 'readSession'> & Partial<Pick<EventHub, 'webhookDeliveries' | 'webhookUrl'>>;

/** What one protocol step should have made the issuer report, on every channel it has. */
interface Expectation {
  happening: Happening;
  /** e.g. "token refused". */
  what: string;
  matches(event: IssuerEvent): boolean;
}

interface EventJudgement {
  checks: { check: string; finding: Finding; ms: number }[];
  /** Delivery latencies (ms from the request that caused an event to its arrival), per channel. */
  latency: Record<Channel, number[]>;
}

/** The events module's spec, from the module table. */
export const EVENTS_SPEC = MODULES.find((m) => m.name === 'issuer-events-events')!.spec;

/**
 * How long an event that must not come is waited for (after an issuer-level refusal, or while
 * the session must stay ACTIVE): walt.id sends a request's events before it answers the request.
 */
const SETTLE_MS = 250;

/**
 * The events check of one scenario: the events each channel delivered must tell what the
 * protocol did, in order and in time. Expectations come from what actually happened (a request
 * the issuer accepted must be reported as accepted, also when it should have refused it: that is
 * the protocol modules' business), so one fault fails one module.
 */
export async function judgeEvents(watch: Watched, happenings: readonly Happening[], hub: Hub, eventTimeoutMs: number): Promise<EventJudgement> {
  const generation = () => watch.events.map((s) => eventGeneration(s.event.type)).find((g) => g !== undefined);
  const expectations = (): Expectation[] => expectationsOf(happenings, generation());
  const channels = hub.channels;
  const last = happenings.at(-1)?.at ?? performance.now();
  const deadline = Math.max(...happenings.map((h) => h.at + eventTimeoutMs), performance.now());
  // Only a scenario where something must not happen waits after its last request.
  const credentialReached = happenings.some((h) => h.step === 'credential' && h.correlated);
  const mustNot = !credentialReached || happenings.some((h) => !h.ok && !h.correlated);
  const quietUntil = mustNot ? last + Math.min(SETTLE_MS, eventTimeoutMs) : 0;
  // Wait until every channel has every expected event (or the deadline), then for the settle time.
  for (;;) {
    const now = performance.now();
    const complete = channels.every((channel) => match(events(watch, channel), expectations()).every((m) => m.index !== undefined));
    if ((complete && now >= quietUntil) || now >= deadline) break;
    await watch.next((complete ? quietUntil : deadline) - now);
  }
  const latency: Record<Channel, number[]> = { sse: [], webhook: [] };
  const checks: EventJudgement['checks'] = [];
  for (const channel of channels) {
    if (channel === 'sse' && watch.sseError) {
      checks.push({ check: 'sse', finding: fail(`the session's stream could not be followed: ${watch.sseError}`), ms: 0 });
      continue;
    }
    const seen = events(watch, channel);
    let finding = judgeChannel(seen, expectations(), happenings, eventTimeoutMs, latency[channel]);
    if (channel === 'webhook' && finding.status === 'fail' && hub.webhookDeliveries === 0)
      finding = fail(
        `${finding.detail}; no webhook has reached the receiver in this run: can the issuer reach ${hub.webhookUrl}? (--webhook-url names the receiver as the issuer reaches it; --events sse watches SSE only)`,
      );
    checks.push({ check: channel, finding, ms: Math.max(0, ...latency[channel]) });
  }
  checks.push(await judgeResource(watch, happenings, hub));
  return { checks, latency };
}

function events(watch: Watched, channel: Channel): SeenEvent[] {
  return watch.events.filter((s) => s.channel === channel);
}

function expectationsOf(happenings: readonly Happening[], generation: ReturnType<typeof eventGeneration>): Expectation[] {
  const out: Expectation[] = [];
  for (const happening of happenings) {
    if (!happening.correlated) continue;
    const step = (event: IssuerEvent) => eventStep(event.type);
    if (happening.step === 'offer' && happening.ok) out.push({ happening, what: 'offer retrieved', matches: (e) => step(e) === 'offer-retrieved' });
    if (happening.step === 'token' && happening.ok) out.push({ happening, what: 'token issued', matches: (e) => step(e) === 'token-succeeded' });
    if (happening.step === 'token' && !happening.ok && reportsTokenFailure(generation)) out.push({ happening, what: 'token refused', matches: (e) => step(e) === 'token-failed' });
    if (happening.step === 'credential' && happening.ok)
      out.push({ happening, what: 'credential issued (SUCCESSFUL)', matches: (e) => step(e) === 'credential-succeeded' || (e.terminal && e.outcome === 'success') });
    if (happening.step === 'credential' && !happening.ok)
      out.push({ happening, what: 'credential refused', matches: (e) => step(e) === 'credential-failed' || (reportsFailure(e) && step(e) !== 'token-failed') });
  }
  return out;
}

/** Each expectation's first matching event after the previous one's (a subsequence: extra events are fine). */
function match(seen: readonly SeenEvent[], expectations: readonly Expectation[]): { expectation: Expectation; index?: number }[] {
  let from = 0;
  return expectations.map((expectation) => {
    const index = seen.findIndex((s, i) => i >= from && expectation.matches(s.event));
    if (index === -1) return { expectation };
    from = index + 1;
    return { expectation, index };
  });
}

function judgeChannel(seen: readonly SeenEvent[], expectations: readonly Expectation[], happenings: readonly Happening[], timeoutMs: number, latencies: number[]): Finding {
  const names = seen.map((s) => s.event.type);
  const got = names.length ? names.join(' → ') : 'nothing';
  const problems: string[] = [];
  const matched = match(seen, expectations);
  for (const { expectation, index } of matched) {
    if (index === undefined) {
      const anywhere = seen.some((s) => expectation.matches(s.event));
      problems.push(anywhere ? `${expectation.what} arrived out of order` : `no ${expectation.what} event within ${formatDuration(timeoutMs)}`);
      continue;
    }
    const late = seen[index]!.at - expectation.happening.at;
    latencies.push(Math.max(0, late));
    if (late > timeoutMs) problems.push(`${expectation.what} after ${formatDuration(late)} (over ${formatDuration(timeoutMs)})`);
  }
  const issued = happenings.some((h) => h.step === 'credential' && h.ok && h.correlated);
  const credentialRefused = happenings.some((h) => h.step === 'credential' && !h.ok && h.correlated);
  if (issued && !seen.some((s) => s.event.terminal && s.event.outcome === 'success')) problems.push('no event carries the terminal status SUCCESSFUL');
  const terminal = seen.find((s) => s.event.terminal);
  if (!issued && !credentialRefused && terminal)
    problems.push(`${terminal.event.type} ended the session ${terminal.event.status ?? ''} although no credential request reached it`.replace('  ', ' '));
  // An issuer-level refusal (a used code, a token in the query) is no session's: nothing is reported for it.
  for (const refusal of happenings.filter((h) => !h.ok && !h.correlated)) {
    const reported = seen.find((s) => s.at >= refusal.at && reportsFailure(s.event));
    if (reported) problems.push(`${reported.event.type} reported the issuer-level refusal (${refusal.label}) on the session`);
  }
  if (problems.length) return fail(`${problems.join('; ')} (got ${escapeLine(got)})`);
  const ms = latencies.length ? ` (${latencies.map((l) => formatDuration(l)).join(', ')})` : '';
  return pass(`${escapeLine(got)}${ms}`);
}

async function judgeResource(watch: Watched, happenings: readonly Happening[], hub: Hub): Promise<{ check: string; finding: Finding; ms: number }> {
  const started = performance.now();
  if (!hub.sessionResourceUrl(watch.sessionId)) return { check: 'session resource', finding: skip('the API has no session resource (walt.id Enterprise)'), ms: 0 };
  let session: Awaited<ReturnType<EventHub['readSession']>>;
  try {
    session = await hub.readSession(watch.sessionId);
  } catch (error) {
    return { check: 'session resource', finding: fail(`could not be read: ${(error as Error).message}`), ms: performance.now() - started };
  }
  const ms = performance.now() - started;
  if (session?.httpStatus !== 200) return { check: 'session resource', finding: fail(`GET answered ${session?.httpStatus}`), ms };
  const reported = [...watch.events].reverse().find((s) => s.event.status !== undefined && s.event.status !== 'CLOSED')?.event.status;
  const issued = happenings.some((h) => h.step === 'credential' && h.ok && h.correlated);
  const refused = happenings.some((h) => h.step === 'credential' && !h.ok && h.correlated);
  const expected = reported ?? (issued ? 'SUCCESSFUL' : refused ? undefined : 'ACTIVE');
  const actual = session.status ?? '(none)';
  if (expected === undefined) return { check: 'session resource', finding: actual === 'ACTIVE' ? fail('still ACTIVE after a refused credential request') : pass(actual), ms };
  return {
    check: 'session resource',
    finding:
      actual === expected
        ? pass(`${actual}${reported ? ', as the events said' : ''}`)
        : fail(`${actual}, but ${reported ? 'the events said' : 'the protocol implies'} ${expected}`),
    ms,
  };
}
