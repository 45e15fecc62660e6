/**
 * Remembers the last `capacity` keys. walt.id replays its last 10 events to every new
 * subscriber, so a window much larger than 10 catches every replay while memory stays flat
 * on streams of millions of events.
 */
export class RecentKeys {
  private readonly keys = new Set<string>();
  private readonly order: string[] = [];
  private next = 0;

  constructor(private readonly capacity = 1024) {}

  /** Forgets a key (e.g. its record could not be written, so a retry must not count as a repeat). */
  forget(key: string): void {
    this.keys.delete(key);
  }

  /** True when the key was seen within the window; otherwise remembers it. */
  seen(key: string): boolean {
    if (this.keys.has(key)) return true;
    if (this.order.length < this.capacity) {
      this.order.push(key);
    } else {
      this.keys.delete(this.order[this.next]!);
      this.order[this.next] = key;
      this.next = (this.next + 1) % this.capacity;
    }
    this.keys.add(key);
    return false;
  }
}
