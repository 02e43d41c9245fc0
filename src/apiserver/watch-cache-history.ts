/**
 * The recent events of one WatchCache (upstream's watch cache cyclic buffer):
 * the newest `capacity` events in revision order, from which a client watch
 * starting at resourceVersion N is replayed when every event after N is still
 * held (else 410 Gone, "too old resource version", as upstream).
 *
 * Memory contract: the ring keeps one string per object version. `recent`
 * remembers the newest PUT KeyValue per key among the held events, so an
 * event's previous state can point at it instead of at storage's own copy.
 */
import { StatusError } from "../api/status.ts";
import type { KeyValue } from "../storage/backend.ts";
import type { CacheEvent } from "./watch-cache-events.ts";

export class EventHistory {
  readonly #capacity: number;
  #ring: CacheEvent[] = [];
  #recent = new Map<string, KeyValue>();
  /** Every event with revision > coveredFrom is held. */
  #coveredFrom = 0;

  constructor(capacity: number) {
    this.#capacity = capacity;
  }

  /** Every event with a revision above this one is held. */
  get coveredFrom(): number {
    return this.#coveredFrom;
  }

  /** Forgets every event; events after `revision` will be appended from now on. */
  reset(revision: number): void {
    this.#ring = [];
    this.#recent = new Map();
    this.#coveredFrom = revision;
  }

  /** The newest held PUT of key, if its modRevision is `modRevision`. */
  recentPut(key: string, modRevision: number): KeyValue | undefined {
    const kv = this.#recent.get(key);
    return kv?.modRevision === modRevision ? kv : undefined;
  }

  /** Appends one event (in revision order); drops the oldest past capacity. */
  append(e: CacheEvent): void {
    this.#ring.push(e);
    if (e.type === "DELETED") this.#recent.delete(e.key);
    else this.#recent.set(e.key, e.kv);
    if (this.#ring.length > this.#capacity * 1.25) this.#trim();
  }

  /**
   * The held events with revision > fromRevision under prefix, in order.
   * Throws 410 Gone when events after fromRevision were already dropped.
   */
  since(fromRevision: number, prefix: string): CacheEvent[] {
    this.#trim();
    if (fromRevision < this.#coveredFrom) {
      throw new StatusError(
        "Gone",
        `too old resource version: ${fromRevision} (${this.#coveredFrom + 1})`,
      );
    }
    const out: CacheEvent[] = [];
    for (const e of this.#ring)
      if (e.revision > fromRevision && e.key.startsWith(prefix)) out.push(e);
    return out;
  }

  /** Drops the oldest events beyond capacity (amortized: the ring may briefly hold 25% more). */
  #trim(): void {
    if (this.#ring.length <= this.#capacity) return;
    const dropped = this.#ring.splice(0, this.#ring.length - this.#capacity);
    for (const d of dropped) if (this.#recent.get(d.key) === d.kv) this.#recent.delete(d.key);
    this.#coveredFrom = dropped[dropped.length - 1]!.revision;
  }
}
