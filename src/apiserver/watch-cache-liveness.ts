/**
 * Whether a WatchCache still hears from storage.
 *
 * Upstream: the cacher's storage watch asks etcd to cancel it when the member
 * loses its leader (WithRequireLeader), or breaks when the member stops
 * answering (gRPC keepalive); its reflector retries such a failing watch for
 * at most MaxInternalErrorRetryDuration (30 s), then the cacher turns Pending
 * (ResilientWatchCacheInitialization, on in v1.32): watches and most lists
 * are refused with 429 "storage is (re)initializing", GETs and limited
 * unfiltered lists go to storage, until a new list succeeds.
 *
 * k8ts's etcd driver hides a broken watch stream (it reconnects and resumes),
 * so the cache cannot see the failure itself; it sees silence. This tracks
 * when the storage watch last delivered anything (events or progress
 * notifications), asks storage for watch progress while the watch is quiet,
 * and reports the cache stale once nothing came for `staleAfterMs`. Only for
 * backends with watch progress (etcd): an in-process backend's watch cannot
 * go quiet while storage works.
 *
 * Contract: after start(), onStale runs at most once, from a clock timer, no
 * earlier than staleAfterMs and no later than staleAfterMs + probeEveryMs
 * after the last heard(); stop() cancels it.
 */
import type { Clock, TimerHandle } from "../client/clock.ts";

/** How long a cache may hear nothing from storage before it stops serving (upstream's MaxInternalErrorRetryDuration). */
export const STALE_AFTER_MS = 30_000;
/** How long the storage watch may be quiet before the cache asks for progress. */
export const PROBE_EVERY_MS = 5_000;

export interface LivenessOptions {
  clock: Clock;
  /** Asks storage to confirm the watch is alive (a watch progress request). */
  probe: () => void;
  /** The cache stopped hearing from storage. */
  onStale: () => void;
  staleAfterMs?: number;
  probeEveryMs?: number;
}

export class StorageLiveness {
  readonly #opts: LivenessOptions;
  readonly #staleAfterMs: number;
  readonly #probeEveryMs: number;
  #lastHeard = 0;
  #timer?: TimerHandle;

  constructor(opts: LivenessOptions) {
    this.#opts = opts;
    this.#staleAfterMs = opts.staleAfterMs ?? STALE_AFTER_MS;
    this.#probeEveryMs = Math.min(opts.probeEveryMs ?? PROBE_EVERY_MS, this.#staleAfterMs);
  }

  /** Starts watching for silence, counting from now. */
  start(): void {
    this.stop();
    this.#lastHeard = this.#opts.clock.now();
    this.#schedule();
  }

  /** Storage delivered something on the watch. */
  heard(): void {
    this.#lastHeard = this.#opts.clock.now();
  }

  stop(): void {
    this.#timer?.cancel();
    this.#timer = undefined;
  }

  #schedule(): void {
    this.#timer = this.#opts.clock.after(this.#probeEveryMs, () => this.#tick());
  }

  #tick(): void {
    this.#timer = undefined;
    const quiet = this.#opts.clock.now() - this.#lastHeard;
    if (quiet >= this.#staleAfterMs) {
      this.#opts.onStale();
      return;
    }
    if (quiet >= this.#probeEveryMs) this.#opts.probe();
    this.#schedule();
  }
}

/**
 * Retry-After seconds for a request refused while a cache re-initializes,
 * growing with how long it has been down: e^(0.06 s⁻¹ · downtime), between 1
 * and 30 (upstream's calculateRetryAfterForUnreadyCache).
 */
export function retryAfterForUnreadyCache(downtimeMs: number): number {
  return Math.trunc(Math.min(30, Math.max(1, Math.exp(0.06 * (downtimeMs / 1000)))));
}
