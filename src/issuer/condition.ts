import { UsageError } from '../errors.js';
import type { IssuerEvent } from './catalog.js';

/** `--until`: an event type, or `status:<STATUS>`. */
export type Condition = { kind: 'type'; type: string } | { kind: 'status'; status: string };

/** An event type, or `status:<STATUS>`; anything else is a usage error (exit 2). */
export function parseCondition(text: string): Condition {
  const trimmed = text.trim();
  const match = /^status:(.+)$/i.exec(trimmed);
  if (match) return { kind: 'status', status: match[1]!.trim().toUpperCase() };
  if (trimmed === '' || /\s/.test(trimmed)) throw new UsageError(`invalid condition "${text}": use an event type or status:<STATUS>`);
  return { kind: 'type', type: trimmed };
}

export function describeCondition(condition: Condition): string {
  return condition.kind === 'status' ? `status:${condition.status}` : condition.type;
}

export function conditionMet(condition: Condition, event: Pick<IssuerEvent, 'type' | 'status'>): boolean {
  if (condition.kind === 'status') return event.status?.toUpperCase() === condition.status;
  return event.type === condition.type;
}
