import { performance } from "node:perf_hooks";
import type { Logger } from "./logger.ts";

/**
 * Times the consecutive steps of one task (a stop, say) for a log line:
 * `lap(name)` ends the step running since the previous lap (or the start).
 */
export class StepTimer {
  readonly #start = performance.now();
  #last = this.#start;
  /** Milliseconds per step, in the order the steps ended. */
  readonly laps: Record<string, number> = {};

  lap(step: string): void {
    const now = performance.now();
    this.laps[step] = Math.round(now - this.#last);
    this.#last = now;
  }

  /** Milliseconds since the timer was made. */
  get totalMs(): number {
    return Math.round(performance.now() - this.#start);
  }
}

/** Logs a task's step times (and total): info, or warn when it took longer than slowMs (2 s). */
export function logSteps(log: Logger, what: string, t: StepTimer, slowMs = 2000): void {
  const fields = { totalMs: t.totalMs, ...t.laps };
  if (fields.totalMs > slowMs) log.warn(`${what} slowly`, fields);
  else log.info(what, fields);
}
