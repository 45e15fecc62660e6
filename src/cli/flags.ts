import { X509Certificate } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { UsageError } from '../errors.js';
import type { ReplaySettings } from '../inspector/replay.js';
import { parseCondition, type Condition } from '../issuer/condition.js';
import { closestEventType, isKnownEventType, SESSION_STATUSES } from '../issuer/event-types.js';
import { MAX_TIMER_MS, formatDuration, parseDuration, parseSize } from '../shared/duration.js';
import { readJsonArgument, type JsonObject } from '../shared/json.js';
import { checkHttpUrl } from '../shared/url.js';
import { isSchemeChoice, SCHEME_NAMES, type SchemeChoice, type SchemeName, secretProblem, signingSchemeNames } from '../webhooks/index.js';
import type { FollowPlan } from '../sse/follow.js';
import type { ReportTargets } from '../report/write.js';
import { FAULT_NAMES, type FaultName, isFaultName } from '../sandbox/faults.js';
import type { HmacOptions } from '../webhooks/types.js';
import { FILTER_KEYS, recordFilter, type RecordFilter } from '../replay/filter.js';
import type { FollowFlags, HmacFlags } from './program.js';

/**
 * Every shared flag is parsed and validated here, once, and each error names the flag. Domain
 * code below `src/cli/` reports domain problems and never mentions a flag.
 */

interface DurationBounds {
  /** Smallest accepted value in ms (default 0). */
  min?: number;
  /** Largest accepted value in ms (default: the longest a Node timer holds, ~24.8 days). */
  max?: number;
}

export function durationFlag(text: string, flag: string, bounds: DurationBounds = {}): number {
  const min = bounds.min ?? 0;
  const max = bounds.max ?? MAX_TIMER_MS;
  // `-5s` is a duration with a sign, not a typo: the rule it breaks is the useful answer.
  if (NEGATIVE.test(text)) throw new UsageError(`invalid ${flag} "${text}": ${min > 0 ? `must be at least ${formatDuration(min)}` : 'must not be negative'}`);
  let ms: number;
  try {
    ms = parseDuration(text);
  } catch {
    throw new UsageError(`invalid ${flag} "${text}": use e.g. 1500ms, 30s, 5m, 1h (a bare number is seconds)`);
  }
  if (ms < min) throw new UsageError(`invalid ${flag} "${text}": must be at least ${formatDuration(min)}`);
  // Node timers overflow above 2^31-1 ms and would fire at once.
  if (ms > max) throw new UsageError(`invalid ${flag} "${text}": at most ${formatDuration(max)}`);
  return ms;
}

export function optionalDuration(text: string | undefined, flag: string, bounds?: DurationBounds): number | undefined {
  return text === undefined ? undefined : durationFlag(text, flag, bounds);
}

/** A size in bytes, at least `min` (default 1: a limit of 0 bytes refuses everything). */
export function sizeFlag(text: string, flag: string, min = 1): number {
  const tooSmall = (): UsageError => new UsageError(`invalid ${flag} "${text}": must be at least ${min} byte${min === 1 ? '' : 's'}`);
  if (NEGATIVE.test(text)) throw tooSmall();
  let bytes: number;
  try {
    bytes = parseSize(text);
  } catch {
    throw new UsageError(`invalid ${flag} "${text}": use e.g. 512kb, 1mb`);
  }
  if (bytes < min) throw tooSmall();
  return bytes;
}

/** A number with a minus sign, with or without a unit. */
const NEGATIVE = /^\s*-\s*\d/;

export function integerFlag(text: string, flag: string, min = 0, max = Number.MAX_SAFE_INTEGER): number {
  if (!/^\s*\d+\s*$/.test(text) || Number(text) < min) throw new UsageError(`invalid ${flag} "${text}": expected an integer >= ${min}`);
  if (Number(text) > max) throw new UsageError(`invalid ${flag} "${text}": at most ${max}`);
  return Number(text);
}

export function portFlag(text: string, flag = '--port'): number {
  if (!/^\s*\d+\s*$/.test(text)) throw new UsageError(`invalid ${flag} "${text}": expected an integer >= 0`);
  const port = Number(text);
  if (port > 65535) throw new UsageError(`invalid ${flag} ${port}`);
  return port;
}

/** An absolute http(s) URL; `127.0.0.1:7005` gets a "did you mean http://…" hint. */
export function urlFlag(text: string, flag: string): string {
  const check = checkHttpUrl(text);
  if (!check.ok) throw new UsageError(`invalid ${flag} "${text}": expected an absolute http(s) URL (${check.why})`);
  return text;
}

export function optionalUrl(text: string | undefined, flag: string): string | undefined {
  return text === undefined ? undefined : urlFlag(text, flag);
}

/**
 * A session id, from a flag or (without `flag`) tail's arguments. An empty one would make the
 * sessions collection's URL, and the issuer's 404 would read as an unknown session (exit 5).
 */
export function sessionIdFlag(text: string, flag?: string): string {
  if (text.trim() !== '') return text;
  throw new UsageError(flag ? `invalid ${flag} "${text}": empty` : 'empty session id: pass a session id or an http(s) stream URL');
}

export function schemeFlag(text: string, flag = '--scheme'): SchemeChoice {
  if (!isSchemeChoice(text)) throw new UsageError(`unknown ${flag} "${text}": use ${SCHEME_NAMES.join(', ')}`);
  return text;
}

/** A scheme that can sign (replay re-signing, sandbox webhooks, trigger). */
export function signingSchemeFlag(text: string, flag: string): SchemeName {
  const names = signingSchemeNames();
  const name = names.find((n) => n === text);
  if (name === undefined) throw new UsageError(`${flag} ${text} cannot sign: use ${names.join(', ')}`);
  return name;
}

/** A secret `scheme` can sign with; `flag` names where it came from in the error. */
export function signingSecretFlag(scheme: SchemeName, secret: string, flag: string): string {
  const problem = secretProblem(scheme, secret);
  if (problem) throw new UsageError(`invalid ${flag} for ${scheme}: ${problem}`);
  return secret;
}

/** `--signature-header/-encoding/-prefix` for the generic hmac-sha256 scheme; undefined when none is given. */
export function hmacFlags(options: HmacFlags): HmacOptions | undefined {
  if (!options.signatureHeader && !options.signatureEncoding && !options.signaturePrefix) return undefined;
  const encoding = options.signatureEncoding ?? 'hex';
  if (encoding !== 'hex' && encoding !== 'base64') throw new UsageError(`invalid --signature-encoding "${encoding}": use hex or base64`);
  return { header: (options.signatureHeader ?? 'x-signature').toLowerCase(), encoding, prefix: options.signaturePrefix ?? '' };
}

export function choiceFlag<T extends string>(text: string, flag: string, choices: readonly T[]): T {
  if (!(choices as readonly string[]).includes(text)) throw new UsageError(`invalid ${flag} "${text}": use ${choices.slice(0, -1).join(', ')} or ${choices.at(-1)}`);
  return text as T;
}

export { OUTCOMES } from '../sandbox/outcomes.js';

/** `--fault a,b --fault c`: every name known (sandbox/faults.ts), each once. */
export function faultsFlag(values: readonly string[] | undefined, flag = '--fault'): FaultName[] {
  const names = (values ?? []).flatMap((value) => value.split(',')).map((name) => name.trim());
  for (const name of names) if (!isFaultName(name)) throw new UsageError(`unknown ${flag} "${name}": use ${FAULT_NAMES.join(', ')}`);
  return [...new Set(names as FaultName[])];
}
export { EVENT_NAME_GENERATIONS } from '../sandbox/events.js';

export function conditionFlag(text: string | undefined, flag = '--until'): Condition | undefined {
  if (text === undefined) return undefined;
  let condition: Condition;
  try {
    condition = parseCondition(text);
  } catch {
    throw new UsageError(`invalid ${flag} "${text}": use an event type or status:<STATUS>`);
  }
  // A status that no issuer sets would wait out the timeout: refused at once.
  if (condition.kind === 'status' && !(SESSION_STATUSES as readonly string[]).includes(condition.status)) {
    throw new UsageError(`invalid ${flag} "${text}": unknown status ${condition.status}; use one of ${SESSION_STATUSES.join(', ')}`);
  }
  return condition;
}

/** What still happens to an event type no provider is known to send, per flag that names one. */
const UNKNOWN_TYPE_OUTCOME = { '--until': 'it is still waited for', '--events': 'it is printed if it arrives' } as const;

/**
 * Warnings for event types no provider sends (new names do appear, so they are not refused):
 * `--until jwt_isue` → did you mean jwt_issue? See `issuer-events help events`.
 */
export function eventTypeWarnings(types: readonly string[], flag: keyof typeof UNKNOWN_TYPE_OUTCOME): string[] {
  return types
    .filter((type) => !isKnownEventType(type))
    .map((type) => {
      const close = closestEventType(type);
      return `${flag} ${type}: no provider is known to send this event type${close ? ` — did you mean ${close}?` : ''} (${UNKNOWN_TYPE_OUTCOME[flag]})`;
    });
}

/** The warnings of a follow plan's `--until` and `--events`, each naming its own flag (tail, offer create --tail). */
export function followWarnings(plan: Pick<FollowPlan, 'until' | 'events'>): string[] {
  return [...eventTypeWarnings(plan.until?.kind === 'type' ? [plan.until.type] : [], '--until'), ...eventTypeWarnings([...(plan.events ?? [])], '--events')];
}

export function jsonFlag(text: string | undefined, flag: string): JsonObject | undefined {
  return text === undefined ? undefined : readJsonArgument(text, flag);
}

/** `10` or `10/s`. */
export function rateFlag(text: string, flag = '--rate'): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*(?:\/s)?\s*$/.exec(text);
  if (!match || Number(match[1]) <= 0) throw new UsageError(`invalid ${flag} "${text}": deliveries per second, e.g. 10 or 10/s`);
  return Number(match[1]);
}

/** `1`, `10`, `0.5x`. */
export function factorFlag(text: string, flag: string): number {
  const value = Number(text.replace(/x$/i, ''));
  if (!Number.isFinite(value) || value <= 0) throw new UsageError(`invalid ${flag} "${text}": a factor > 0, e.g. 1, 10, 0.5`);
  return value;
}

/** Unix seconds or ISO 8601, in ms. */
export function instantFlag(text: string, flag: string): number {
  if (/^\d{1,12}$/.test(text)) return Number(text) * 1000;
  const ms = Date.parse(text);
  if (Number.isNaN(ms)) throw new UsageError(`invalid ${flag} "${text}": Unix seconds or an ISO 8601 time`);
  return ms;
}

/** Comma-separated list; undefined when empty. */
export function listFlag(text: string | undefined): string[] | undefined {
  const items = text
    ?.split(',')
    .map((t) => t.trim())
    .filter(Boolean);
  return items?.length ? items : undefined;
}

/** A PEM file's certificates may be a bundle; a file this size holds far more than any trust list needs. */
const MAX_ANCHOR_FILE = 1024 * 1024;

/** `--trust-anchor <pem>` (repeatable): every certificate of every file, as DER. */
export function trustAnchorFlags(files: string[] | undefined): Uint8Array[] {
  const anchors: Uint8Array[] = [];
  for (const file of files ?? []) {
    let text: string;
    try {
      if (statSync(file).size > MAX_ANCHOR_FILE) throw new UsageError(`--trust-anchor ${file} is larger than 1 MB`);
      text = readFileSync(file, 'utf8');
    } catch (error) {
      if (error instanceof UsageError) throw error;
      throw new UsageError(`cannot read --trust-anchor ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
    }
    const blocks = text.match(/-----BEGIN CERTIFICATE-----[^-]+-----END CERTIFICATE-----/g) ?? [];
    if (blocks.length === 0) throw new UsageError(`--trust-anchor ${file} holds no PEM certificate (-----BEGIN CERTIFICATE-----)`);
    for (const block of blocks) {
      try {
        anchors.push(new Uint8Array(new X509Certificate(block).raw));
      } catch {
        throw new UsageError(`--trust-anchor ${file} holds a certificate that cannot be read`);
      }
    }
  }
  return anchors;
}

export function followFlags(options: FollowFlags): Omit<FollowPlan, 'targets'> {
  const events = listFlag(options.events);
  return {
    until: conditionFlag(options.until),
    events: events ? new Set(events) : undefined,
    // A zero timeout would give up before anything could happen.
    timeoutMs: optionalDuration(options.timeout, '--timeout', { min: 1 }),
    idleTimeoutMs: optionalDuration(options.idleTimeout, '--idle-timeout', { min: 1 }),
    // --connect-timeout, --retries and --max-event-size have defaults (cli/program.ts): always given.
    connectTimeoutMs: durationFlag(options.connectTimeout, '--connect-timeout', { min: 1 }),
    retries: integerFlag(options.retries, '--retries'),
    savePath: options.save,
    waitForServerMs: optionalDuration(options.waitForServer, '--wait-for-server'),
    maxEventBytes: sizeFlag(options.maxEventSize, '--max-event-size'),
    keepPrivateKeys: options.redact === false,
  };
}

interface UiReplayFlags {
  forwardTo?: string;
  replayScheme?: string;
  secret?: string[];
  newIds?: boolean;
}

/** Where the inspector's replay button sends, and how it re-signs (`inspect`, `listen --ui`, `sandbox --ui`). */
export function uiReplay(options: UiReplayFlags, secrets: readonly string[]): ReplaySettings {
  return {
    to: optionalUrl(options.forwardTo, '--forward-to'),
    scheme: options.replayScheme === undefined ? undefined : signingSchemeFlag(options.replayScheme, '--replay-scheme'),
    secrets,
    newIds: Boolean(options.newIds),
  };
}

/**
 * `--junit <file>` (offer create --claim, check) and the job summary that goes to
 * `GITHUB_STEP_SUMMARY` when GitHub Actions sets it. The JUnit file's directory is checked now:
 * a typo must not cost a whole smoke test and leave CI without its report.
 */
export function reportTargets(junit: string | undefined, env: NodeJS.ProcessEnv): ReportTargets {
  if (junit !== undefined) {
    if (junit === '') throw new UsageError('invalid --junit "": name the file to write');
    const dir = dirname(resolve(junit));
    if (!statSync(dir, { throwIfNoEntry: false })?.isDirectory()) throw new UsageError(`invalid --junit ${junit}: the directory ${dir} does not exist`);
    if (statSync(junit, { throwIfNoEntry: false })?.isDirectory()) throw new UsageError(`invalid --junit ${junit}: it is a directory; name a file`);
  }
  return { junit, stepSummary: env.GITHUB_STEP_SUMMARY || undefined };
}

/** `--filter key=value`, repeatable (replay): the key one of the record fields a filter matches. */
export function filterFlag(specs: readonly string[], flag = '--filter'): RecordFilter {
  const wanted = new Map<(typeof FILTER_KEYS)[number], string[]>();
  for (const spec of specs) {
    const eq = spec.indexOf('=');
    const key = FILTER_KEYS.find((k) => k === spec.slice(0, eq));
    if (eq <= 0 || !key) throw new UsageError(`invalid ${flag} "${spec}": use ${FILTER_KEYS.map((k) => `${k}=…`).join(', ')}`);
    wanted.set(key, [...(wanted.get(key) ?? []), spec.slice(eq + 1)]);
  }
  return recordFilter(wanted);
}
