/**
 * Spacing of a controller's status writes per object key. During a burst of
 * pod events (a 2,000-replica rollout sends ~4 per pod) an owner's counts
 * change with nearly every sync; writing each change costs a status PUT plus
 * its watch fan-out and a sync of every controller watching the owner.
 * Upstream's controllers are spaced by their client's rate limit (20 QPS);
 * ours have none, so this spaces count-only status changes instead: the
 * first change after a quiet period is written at once, later ones at most
 * once per interval, and the last one at most one interval late (the caller
 * re-queues the key for then). Changes that are not count-only (observed
 * generation, conditions) are never held.
 */
import type { Clock } from "../../client/clock.ts";

/** Default spacing of count-only status writes per key. */
export const STATUS_WRITE_INTERVAL_MS = 1000;

export class StatusThrottle {
  /** Last write time per key; entries older than the interval are dropped lazily. */
  private readonly lastWrite = new Map<string, number>();

  constructor(
    private readonly clock: Clock,
    private readonly intervalMs = STATUS_WRITE_INTERVAL_MS,
  ) {}

  /**
   * Milliseconds until key's count-only status change may be written; 0
   * means now. A caller that gets > 0 must not write and must sync the key
   * again after that long (e.g. queue.addAfter(key, ms)).
   */
  holdFor(key: string): number {
    const last = this.lastWrite.get(key);
    if (last === undefined) return 0;
    const wait = last + this.intervalMs - this.clock.now();
    return wait > 0 ? wait : 0;
  }

  /** Records a status write of key now (held or not). */
  wrote(key: string): void {
    const now = this.clock.now();
    if (this.lastWrite.size >= 1024) this.prune(now);
    this.lastWrite.delete(key);
    this.lastWrite.set(key, now);
  }

  /** Forgets key (its object was deleted). */
  forget(key: string): void {
    this.lastWrite.delete(key);
  }

  /** Keys whose last write is still within the interval (for tests and metrics). */
  get size(): number {
    return this.lastWrite.size;
  }

  /** Drops entries older than the interval (insertion order is write order). */
  private prune(now: number): void {
    for (const [key, at] of this.lastWrite) {
      if (at + this.intervalMs > now) break;
      this.lastWrite.delete(key);
    }
  }
}
