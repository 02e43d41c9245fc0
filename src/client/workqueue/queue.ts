/**
 * A work queue of string keys with client-go's guarantees: a key waiting in
 * the queue is held once however often it is added (dirty set), and a key
 * being processed is never handed to a second worker; if it is added while
 * processing, it is queued again when the worker calls done().
 */
import { realClock, type Clock, type TimerHandle } from "../clock.ts";
import { createLogger } from "../../util/logger.ts";
import type { WorkQueueMetrics, WorkQueueMetricsProvider } from "./metrics.ts";
import { defaultControllerRateLimiter, type RateLimiter } from "./rate-limiter.ts";

const defaultLog = createLogger("workqueue");

export class WorkQueue {
  private queue: string[] = [];
  private dirty = new Set<string>();
  private processing = new Set<string>();
  private waiters: ((key: string | undefined) => void)[] = [];
  private shuttingDown = false;
  private timers = new Map<string, { at: number; handle: TimerHandle }>();
  private readonly clock: Clock;
  private readonly rateLimiter: RateLimiter;
  private readonly metrics?: WorkQueueMetrics;

  /**
   * `name` (upstream's queue name, e.g. "deployment") labels the queue's
   * metrics when a metrics provider is given.
   */
  constructor(
    opts: {
      clock?: Clock;
      rateLimiter?: RateLimiter;
      name?: string;
      metrics?: WorkQueueMetricsProvider;
    } = {},
  ) {
    this.clock = opts.clock ?? realClock;
    this.rateLimiter = opts.rateLimiter ?? defaultControllerRateLimiter(this.clock);
    if (opts.name && opts.metrics)
      this.metrics = opts.metrics.forQueue(opts.name, () => this.clock.now());
  }

  /** Marks key as needing processing. */
  add(key: string): void {
    if (this.shuttingDown || this.dirty.has(key)) return;
    this.dirty.add(key);
    if (this.processing.has(key)) return;
    this.metrics?.added(key, this.clock.now());
    const waiter = this.waiters.shift();
    if (waiter) {
      this.dirty.delete(key);
      this.processing.add(key);
      this.metrics?.started(key, this.clock.now());
      waiter(key);
    } else {
      this.queue.push(key);
    }
  }

  /** Adds key after ms; an earlier pending add for the same key wins. */
  addAfter(key: string, ms: number): void {
    if (this.shuttingDown) return;
    if (ms <= 0) return this.add(key);
    const at = this.clock.now() + ms;
    const existing = this.timers.get(key);
    if (existing && existing.at <= at) return;
    existing?.handle.cancel();
    const handle = this.clock.after(ms, () => {
      this.timers.delete(key);
      this.add(key);
    });
    this.timers.set(key, { at, handle });
  }

  /** Re-adds key after its rate-limited backoff (a failed sync). */
  addRateLimited(key: string): void {
    this.metrics?.retried();
    this.addAfter(key, this.rateLimiter.when(key));
  }

  /** Clears key's backoff history (a successful sync). */
  forget(key: string): void {
    this.rateLimiter.forget(key);
  }

  numRequeues(key: string): number {
    return this.rateLimiter.numRequeues(key);
  }

  /** Waits for the next key; undefined once the queue is shut down. */
  get(): Promise<string | undefined> {
    const key = this.queue.shift();
    if (key !== undefined) {
      this.dirty.delete(key);
      this.processing.add(key);
      this.metrics?.started(key, this.clock.now());
      return Promise.resolve(key);
    }
    if (this.shuttingDown) return Promise.resolve(undefined);
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Must be called once per key returned by get(), after processing. */
  done(key: string): void {
    this.processing.delete(key);
    this.metrics?.finished(key, this.clock.now());
    if (this.dirty.has(key)) {
      this.dirty.delete(key);
      this.add(key);
    }
  }

  len(): number {
    return this.queue.length;
  }

  /** Stops handing out keys; waiting get() calls resolve undefined. */
  shutDown(): void {
    this.shuttingDown = true;
    for (const t of this.timers.values()) t.handle.cancel();
    this.timers.clear();
    for (const w of this.waiters.splice(0)) w(undefined);
  }

  isShuttingDown(): boolean {
    return this.shuttingDown;
  }
}

/**
 * Runs `workers` loops that take keys and call sync(key); failures are retried
 * with backoff, successes forget the key. Resolves when the queue shuts down:
 * each loop finishes the key in hand and takes no more, leaving the queued
 * keys undone (a stopping controller manager ends like upstream's process
 * exit; a new leader re-lists everything). Draining a deep queue on stop
 * kept a stopping server busy for seconds (the garbage collector's queue
 * during a mass deletion).
 */
export async function runWorkers(
  queue: WorkQueue,
  workers: number,
  sync: (key: string) => Promise<void>,
  onError: (key: string, err: unknown) => void = (key, err) =>
    defaultLog.warn("sync failed; retrying with backoff", { key, err }),
): Promise<void> {
  const loop = async () => {
    while (!queue.isShuttingDown()) {
      const key = await queue.get();
      if (key === undefined) return;
      try {
        await sync(key);
        queue.forget(key);
      } catch (err) {
        onError(key, err);
        queue.addRateLimited(key);
      } finally {
        queue.done(key);
      }
    }
  };
  await Promise.all(Array.from({ length: workers }, loop));
}
