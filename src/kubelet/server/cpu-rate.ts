/**
 * CPU usage rates from cumulative counters, as cAdvisor derives
 * usageNanoCores: the delta of cumulative CPU time between two samples
 * divided by the time between them. Samples are kept per key (container
 * ID, pod UID, "node"); the rate uses the newest sample and the newest
 * older one at least `minWindowMs` before it.
 */

interface Sample {
  timeMs: number;
  cumulativeNs: number;
}

export interface CpuRateOptions {
  /** Shortest window a rate is computed over (default 1000 ms). */
  minWindowMs?: number;
  /** Samples older than this are dropped (default 60 s). */
  maxAgeMs?: number;
}

/** Tracks cumulative CPU samples and answers rates in nanocores. */
export class CpuRateTracker {
  readonly #samples = new Map<string, Sample[]>();
  readonly #minWindowMs: number;
  readonly #maxAgeMs: number;

  constructor(opts: CpuRateOptions = {}) {
    this.#minWindowMs = opts.minWindowMs ?? 1000;
    this.#maxAgeMs = opts.maxAgeMs ?? 60_000;
  }

  /**
   * Records a sample and returns the rate in nanocores (1e9 = one core),
   * or undefined when no sample is old enough yet. A counter that went
   * backwards (new container instance) restarts the history.
   */
  observe(key: string, cumulativeNs: number, timeMs: number): number | undefined {
    let list = this.#samples.get(key) ?? [];
    const last = list[list.length - 1];
    if (last && (cumulativeNs < last.cumulativeNs || timeMs < last.timeMs)) list = [];
    if (!last || timeMs > last.timeMs) list.push({ timeMs, cumulativeNs });
    list = list.filter((s) => timeMs - s.timeMs <= this.#maxAgeMs);
    this.#samples.set(key, list);
    const newest = list[list.length - 1];
    for (let i = list.length - 2; i >= 0; i--) {
      const dt = newest.timeMs - list[i].timeMs;
      if (dt >= this.#minWindowMs)
        return Math.round(((newest.cumulativeNs - list[i].cumulativeNs) / dt) * 1000);
    }
    return undefined;
  }

  /** Forgets keys not in `live` (containers that are gone). */
  retain(live: Set<string>): void {
    for (const k of this.#samples.keys()) if (!live.has(k)) this.#samples.delete(k);
  }
}
