/** How far down a `cause` chain is looked: fetch wraps the socket error two or three levels deep. */
const MAX_CAUSE_DEPTH = 5;

/** An error and the errors it wraps (`cause`), outermost first, at most five deep. */
export function* causeChain(error: unknown): Generator<unknown> {
  for (let e: unknown = error, depth = 0; e && depth < MAX_CAUSE_DEPTH; e = (e as { cause?: unknown }).cause, depth++) yield e;
}

/** The first error in `error`'s cause chain that `test` accepts. */
export function findCause<T>(error: unknown, test: (e: unknown) => e is T): T | undefined {
  for (const e of causeChain(error)) if (test(e)) return e;
  return undefined;
}
