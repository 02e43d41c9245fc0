/**
 * Per-zone disruption bookkeeping of the node lifecycle controller
 * (upstream's handleDisruption): each zone has a state and a
 * RateLimitedTimedQueue of nodes waiting for their NoExecute taint, whose
 * rate follows the state. When every zone is in FullDisruption the
 * controller assumes the problem is its own (or the network's), not the
 * nodes': all tainting stops, and the caller removes the NoExecute taints.
 */
import type { Clock } from "../../client/clock.ts";
import { RateLimitedTimedQueue } from "./rate-limited-timed-queue.ts";
import {
  computeZoneState,
  zoneTaintQPS,
  type ZoneEvictionOptions,
  type ZoneState,
} from "./zones.ts";

/** What the caller must do after update(). */
export type DisruptionTransition = "enteredFullDisruption" | "exitedFullDisruption" | undefined;

export class ZoneDisruption {
  private readonly states = new Map<string, ZoneState>();
  private readonly tainters = new Map<string, RateLimitedTimedQueue>();

  constructor(
    private readonly opts: ZoneEvictionOptions,
    private readonly clock: Clock,
  ) {}

  /** The zone's tainting queue, created (state Initial, normal rate) for a new zone. */
  tainter(zone: string): RateLimitedTimedQueue {
    let q = this.tainters.get(zone);
    if (!q) {
      q = new RateLimitedTimedQueue(this.opts.nodeEvictionRate, this.clock);
      this.tainters.set(zone, q);
      if (!this.states.has(zone)) this.states.set(zone, "Initial");
    }
    return q;
  }

  allTainters(): RateLimitedTimedQueue[] {
    return [...this.tainters.values()];
  }

  stateOf(zone: string): ZoneState | undefined {
    return this.states.get(zone);
  }

  /** Recomputes every zone's state from its nodes' Ready statuses (zone → statuses). */
  update(zones: Map<string, (string | undefined)[]>): DisruptionTransition {
    const next = new Map<string, ZoneState>();
    let allAreFully = true;
    for (const [zone, statuses] of zones) {
      const { state } = computeZoneState(statuses, this.opts.unhealthyZoneThreshold);
      if (state !== "FullDisruption") allAreFully = false;
      next.set(zone, state);
      this.tainter(zone);
    }
    for (const zone of [...this.states.keys()]) {
      if (zones.has(zone)) continue;
      this.states.delete(zone);
      this.tainters.delete(zone);
    }
    const allWereFully = [...this.states.values()].every((s) => s === "FullDisruption");
    if (allAreFully && allWereFully) return undefined;
    const size = (zone: string) => zones.get(zone)?.length ?? 0;
    if (allAreFully) {
      for (const zone of this.states.keys()) {
        this.tainter(zone).swapLimiter(0);
        this.states.set(zone, "FullDisruption");
      }
      return "enteredFullDisruption";
    }
    for (const [zone, was] of this.states) {
      const now = next.get(zone)!;
      if (!allWereFully && was === now) continue;
      this.tainter(zone).swapLimiter(zoneTaintQPS(now, size(zone), this.opts));
      this.states.set(zone, now);
    }
    return allWereFully ? "exitedFullDisruption" : undefined;
  }
}
