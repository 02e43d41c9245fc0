/**
 * Runtime cost accounting: each comprehension iteration costs 1, library
 * functions charge in proportion to the size of their input, and the
 * wall clock is checked every 64 units of cost.
 */
import { CelCostError } from "./errors.ts";

/** Upstream's per-expression runtime cost limit (apiextensions PerCallLimit). */
export const PER_CALL_COST_LIMIT = 1_000_000;
/** Upstream's per-object runtime cost budget for all CRD rules (RuntimeCELCostBudget). */
export const RUNTIME_COST_BUDGET = 10_000_000;
/** Default wall-clock limit of one evaluation, in milliseconds. */
export const DEFAULT_EVAL_TIMEOUT_MS = 1000;

/** Counts cost for one evaluation and stops it past its limit or deadline. */
export class CostTracker {
  cost = 0;
  /** Set once the limit or deadline was passed; evaluation results are then discarded. */
  stopped: CelCostError | undefined;
  private readonly limit: number;
  private readonly deadline: number;
  private readonly now: () => number;
  private sinceClock = 0;

  constructor(options: { limit: number; timeoutMs: number; now?: () => number }) {
    this.limit = options.limit;
    this.now = options.now ?? Date.now;
    this.deadline = this.now() + options.timeoutMs;
  }

  /** Adds `n` to the cost; throws CelCostError when over the limit or the deadline. */
  charge(n: number): void {
    if (this.stopped) throw this.stopped;
    this.cost += n;
    if (this.cost > this.limit) {
      this.stopped = new CelCostError("CEL_COST_LIMIT", this.cost);
      throw this.stopped;
    }
    this.sinceClock += n;
    if (this.sinceClock >= 64) {
      this.sinceClock = 0;
      if (this.now() > this.deadline) {
        this.stopped = new CelCostError("CEL_TIMEOUT", this.cost);
        throw this.stopped;
      }
    }
  }
}

/** Upstream's limit on one CRD rule's estimated cost (apiextensions StaticEstimatedCostLimit). */
export const STATIC_ESTIMATED_COST_LIMIT = 10_000_000;
/** Upstream's limit on the estimated cost of all rules of one schema, times their cardinality. */
export const STATIC_ESTIMATED_CRD_COST_LIMIT = 100_000_000;

/** Upstream's "exceeds budget by factor of ..." text for an estimated cost over its limit. */
export function costErrorMessage(costName: string, cost: number, limit: number): string {
  const f = cost / limit;
  const factor = f > 100 ? "more than 100x" : f < 1.5 ? `${f.toFixed(6)}x` : `${f.toFixed(1)}x`;
  return (
    `${costName} exceeds budget by factor of ${factor} (try simplifying the rule, or adding maxItems, ` +
    "maxProperties, and maxLength where arrays, maps, and strings are declared)"
  );
}
