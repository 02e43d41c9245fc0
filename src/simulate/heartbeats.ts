/**
 * The hollow nodes' periodic work (lease renewals, node status checks) on
 * one clock, as upstream's kubelet runs it: wait.JitterUntil with sliding
 * periods — the next run starts periodMs × (1 + random × jitter) after the
 * previous one ended. The jitter keeps renewals spread: after a server stall
 * finishes many late calls at once, their next runs drift apart again
 * instead of staying bunched forever.
 */
import type { Clock, TimerHandle } from "../client/clock.ts";

/** Upstream's jitter factor for the node lease and node status loops. */
export const HEARTBEAT_JITTER = 0.04;

export class Heartbeats {
  private readonly timers = new Set<TimerHandle>();
  private stopped = false;

  constructor(
    private readonly clock: Clock,
    private readonly opts: {
      /** Uniform in [0, 1) (default Math.random; tests pass a seeded one). */
      random?: () => number;
      onError?(err: unknown): void;
    } = {},
  ) {}

  /** Runs fn first after offsetMs, then periodMs (+ jitter) after each run ended, until stop(). */
  every(offsetMs: number, periodMs: number, fn: () => Promise<unknown>, jitter = HEARTBEAT_JITTER) {
    const random = this.opts.random ?? Math.random;
    const schedule = (ms: number) => {
      if (this.stopped) return;
      const t = this.clock.after(ms, () => {
        this.timers.delete(t);
        fn()
          .catch((err: unknown) => this.opts.onError?.(err))
          .finally(() => schedule(periodMs * (1 + random() * jitter)));
      });
      this.timers.add(t);
    };
    schedule(offsetMs);
  }

  /** Cancels every pending run; runs in progress finish without rescheduling. */
  stop(): void {
    this.stopped = true;
    for (const t of this.timers) t.cancel();
    this.timers.clear();
  }
}
