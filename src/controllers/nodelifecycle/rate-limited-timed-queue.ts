/**
 * Upstream's RateLimitedTimedQueue: node names waiting for a rate-limited
 * action (here: the NoExecute taint), taken in the order they were added,
 * each only when the zone's token bucket (burst 1) has a token. A failed
 * action is retried after a delay. The limiter can be swapped when the
 * zone's state changes; a rate of 0 takes nothing.
 */
import type { Clock } from "../../client/clock.ts";
import { TokenBucket } from "../../client/workqueue/rate-limiter.ts";

/** Upstream's EvictionRateLimiterBurst. */
const burst = 1;

export class RateLimitedTimedQueue {
  /** name → when it may be processed (ms); Map keeps insertion order. */
  private readonly items = new Map<string, number>();
  private limiter?: TokenBucket;
  private currentQPS: number;

  constructor(
    qps: number,
    private readonly clock: Clock,
  ) {
    this.currentQPS = qps;
    this.limiter = qps > 0 ? new TokenBucket(qps, burst, clock) : undefined;
  }

  get qps(): number {
    return this.currentQPS;
  }

  /** False when the name is already queued. */
  add(name: string): boolean {
    if (this.items.has(name)) return false;
    this.items.set(name, this.clock.now());
    return true;
  }

  /** True when the name was queued. */
  remove(name: string): boolean {
    return this.items.delete(name);
  }

  has(name: string): boolean {
    return this.items.has(name);
  }

  get size(): number {
    return this.items.size;
  }

  /**
   * A new rate. Taking a token from the new bucket when the old one was
   * empty keeps a swap from granting an immediate extra action (upstream).
   */
  swapLimiter(qps: number): void {
    if (qps === this.currentQPS) return;
    const next = qps > 0 ? new TokenBucket(qps, burst, this.clock) : undefined;
    if (next && !(this.limiter?.tryTake() ?? false)) next.tryTake();
    this.limiter = next;
    this.currentQPS = qps;
  }

  /**
   * Processes due names in order while tokens last. `fn` returns true when
   * done with the name, or a retry delay (ms) to try it again later.
   */
  async try(fn: (name: string) => Promise<true | number>): Promise<void> {
    for (const [name, at] of [...this.items]) {
      if (!this.items.has(name)) continue;
      if (at > this.clock.now()) continue;
      if (!this.limiter?.tryTake()) return;
      const result = await fn(name);
      if (result === true) this.items.delete(name);
      else if (this.items.has(name)) {
        this.items.delete(name);
        this.items.set(name, this.clock.now() + result);
      }
    }
  }
}
