/**
 * The kubelet's periodic loops on its clock: each task runs every `ms`
 * after its previous run ended (never two runs of one task at once);
 * failures are logged and the loop goes on. stop() ends every loop.
 */
import type { Clock, TimerHandle } from "../client/clock.ts";
import type { Logger } from "../util/logger.ts";

export class PeriodicTasks {
  private stopped = false;
  private readonly timers = new Set<TimerHandle>();

  constructor(
    private readonly clock: Clock,
    private readonly log: Logger,
  ) {}

  /** Runs `fn` every `ms` (first run after `ms`). */
  every(ms: number, fn: () => Promise<unknown>): void {
    const schedule = () => {
      if (this.stopped) return;
      const t = this.clock.after(ms, () => {
        this.timers.delete(t);
        fn()
          .catch((err) => this.log.warn("periodic task failed", { err }))
          .finally(schedule);
      });
      this.timers.add(t);
    };
    schedule();
  }

  stop(): void {
    this.stopped = true;
    for (const t of this.timers) t.cancel();
    this.timers.clear();
  }
}
