/** One WatchCache per storage prefix, created on first use. */
import type { Clock } from "../client/clock.ts";
import type { Backend } from "../storage/backend.ts";
import { WatchCache } from "./watch-cache.ts";

export class WatchCacheSet {
  readonly #backend: Backend;
  readonly #caches = new Map<string, WatchCache>();
  readonly #capacity?: number;
  readonly #clientBuffer?: number;
  readonly #clock?: Clock;

  /** `clock` times the caches' liveness checks and re-initialization (default the wall clock). */
  constructor(
    backend: Backend,
    opts: { capacity?: number; clientBuffer?: number; clock?: Clock } = {},
  ) {
    this.#backend = backend;
    this.#capacity = opts.capacity;
    this.#clientBuffer = opts.clientBuffer;
    this.#clock = opts.clock;
  }

  /** The cache for a storage prefix ("/registry/pods/"). */
  forPrefix(prefix: string): WatchCache {
    let cache = this.#caches.get(prefix);
    if (!cache) {
      cache = new WatchCache({
        backend: this.#backend,
        prefix,
        capacity: this.#capacity,
        clientBuffer: this.#clientBuffer,
        clock: this.#clock,
      });
      this.#caches.set(prefix, cache);
    }
    return cache;
  }

  /** The cache for a prefix if one was made, without making one. */
  get(prefix: string): WatchCache | undefined {
    return this.#caches.get(prefix);
  }

  stopAll(): void {
    for (const cache of this.#caches.values()) cache.stop();
    this.#caches.clear();
  }
}
