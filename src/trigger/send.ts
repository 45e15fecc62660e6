import { randomUUID } from 'node:crypto';
import type { Dispatcher } from 'undici';
import type { CatalogProvider, EventTypeEntry } from '../issuer/event-types.js';
import { httpRequest, MAX_SHOWN_RESPONSE_BYTES, type ExchangeTrace } from '../http/client.js';
import { setPath, type Assignment } from '../shared/json-path.js';
import { type SchemeName, SCHEMES } from '../webhooks/index.js';
import { newDeliveryId, samplePayload } from './templates.js';

export interface TriggerPlan {
  entry: EventTypeEntry;
  to: string;
  /** A signing scheme name, or 'none' for an unsigned delivery (walt.id's own way). */
  scheme: SchemeName | 'none';
  secret?: string;
  sets: readonly Assignment[];
  sessionId?: string;
  /** Send nothing; only build the request (`--dry-run`). */
  dryRun?: boolean;
  dispatcher?: Dispatcher;
  signal?: AbortSignal;
  trace?: ExchangeTrace;
}

/** The request trigger sends, built before anything goes out. */
export interface TriggerRequest {
  provider: CatalogProvider;
  type: string;
  scheme: SchemeName | 'none';
  id: string;
  sessionId: string;
  headers: Record<string, string>;
  body: string;
}

export interface TriggerResult extends TriggerRequest {
  to: string;
  status: number | null;
  ok: boolean;
  ms: number;
  /** The receiver's answer, as text: its first MAX_SHOWN_RESPONSE_BYTES (cut again by the renderer). */
  response: string;
}

/** The payload from the provider's template with `--set` applied, signed as the provider signs. */
export function buildTrigger(plan: TriggerPlan, now = new Date()): TriggerRequest {
  const { entry } = plan;
  const id = newDeliveryId(entry.provider);
  const sessionId = plan.sessionId ?? randomUUID();
  const payload = samplePayload(entry, { sessionId, deliveryId: id, now });
  for (const assignment of plan.sets) setPath(payload, assignment);
  const body = JSON.stringify(payload);
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (plan.scheme !== 'none') {
    const scheme = SCHEMES[plan.scheme];
    if (!scheme?.sign || plan.secret === undefined) throw new Error(`scheme ${plan.scheme} cannot sign without a secret`);
    const signed = scheme.sign(Buffer.from(body, 'utf8'), plan.secret, { id, timestamp: Math.floor(now.getTime() / 1000) });
    for (const [name, value] of Object.entries(signed)) headers[name.toLowerCase()] = value;
  }
  // The id a receiver deduplicates on: iGrant's is the deliveryID inside the (possibly --set) body.
  const deliveryId = entry.provider === 'igrant' && typeof payload.deliveryID === 'string' ? payload.deliveryID : id;
  return { provider: entry.provider, type: entry.type, scheme: plan.scheme, id: deliveryId, sessionId, headers, body };
}

/** Builds and POSTs one synthetic event; a 2xx answer is success. */
export async function sendTrigger(plan: TriggerPlan): Promise<TriggerResult> {
  const built = buildTrigger(plan);
  if (plan.dryRun) return { ...built, to: plan.to, status: null, ok: true, ms: 0, response: '' };
  const started = performance.now();
  const response = await httpRequest(plan.to, {
    method: 'POST',
    headers: built.headers,
    body: built.body,
    dispatcher: plan.dispatcher,
    signal: plan.signal,
    trace: plan.trace,
    maxResponseBytes: MAX_SHOWN_RESPONSE_BYTES,
  });
  return {
    ...built,
    to: plan.to,
    status: response.status,
    ok: response.status >= 200 && response.status < 300,
    ms: Math.round(performance.now() - started),
    response: response.text,
  };
}
