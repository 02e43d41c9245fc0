import type { WatchEvent } from "../backend.ts";
import type { StorageError } from "../errors.ts";
import type { WatchTarget } from "./etcd-watch-stream.ts";
import type { EtcdWatcher } from "./etcd-watcher.ts";

/**
 * One etcd watch on a prefix shared by every Backend watcher of that prefix
 * that can join it: the single producer of their events. A feed has delivered
 * every event below nextRevision; a watcher starting at S may join while
 * S >= nextRevision, since every event it needs is still to come. Each batch
 * goes to each subscriber's own bounded queue (events below its start
 * filtered out), so a slow subscriber is cut off without holding up others.
 */
export class EtcdWatchFeed implements WatchTarget {
  readonly id: number;
  readonly prefix: string;
  readonly key: Buffer;
  readonly rangeEnd: Buffer;
  nextRevision: number;

  readonly #subs = new Set<EtcdWatcher>();
  readonly #onEmpty: (feed: EtcdWatchFeed) => void;
  readonly #resubscribe: (w: EtcdWatcher) => void;
  #ended = false;

  constructor(opts: {
    /** The etcd watch_id on the shared stream; unique per stream, never reused. */
    id: number;
    prefix: string;
    key: Buffer;
    rangeEnd: Buffer;
    startRevision: number;
    /** Called once the last subscriber left or the feed failed: cancel it on the stream. */
    onEmpty: (feed: EtcdWatchFeed) => void;
    /** Places a subscriber that outlives this feed (see fail) on another feed. */
    resubscribe: (w: EtcdWatcher) => void;
  }) {
    this.id = opts.id;
    this.prefix = opts.prefix;
    this.key = opts.key;
    this.rangeEnd = opts.rangeEnd;
    this.nextRevision = opts.startRevision;
    this.#onEmpty = opts.onEmpty;
    this.#resubscribe = opts.resubscribe;
  }

  get ended(): boolean {
    return this.#ended;
  }

  /** Whether a watcher starting at startRevision gets every event it needs from this feed. */
  canJoin(startRevision: number): boolean {
    return !this.#ended && startRevision >= this.nextRevision;
  }

  /** Adds a subscriber; the caller checked canJoin(w.nextRevision). */
  join(w: EtcdWatcher): void {
    this.#subs.add(w);
  }

  /** Removes a subscriber (its detach hook); the feed ends with its last one. */
  leave(w: EtcdWatcher): void {
    if (this.#subs.delete(w) && this.#subs.size === 0) this.#end();
  }

  push(events: WatchEvent[]): void {
    if (this.#ended || events.length === 0) return;
    this.nextRevision = events[events.length - 1]!.kv.modRevision + 1;
    for (const w of [...this.#subs]) {
      // Only a subscriber that joined ahead of the feed skips events.
      const from = w.nextRevision;
      w.push(
        events[0]!.kv.modRevision >= from ? events : events.filter((e) => e.kv.modRevision >= from),
      );
    }
  }

  /** etcd confirmed every event up to revision was sent: each subscriber learns it after its queued events. */
  progress(revision: number): void {
    if (this.#ended) return;
    for (const w of this.#subs) w.progress(revision);
  }

  /**
   * Ends the feed. On Compacted (the feed's start was compacted away), a
   * subscriber that started at or after the compacted revision lost nothing
   * and moves to another feed; all others fail with err.
   */
  fail(err: StorageError): void {
    if (this.#ended) return;
    const subs = [...this.#subs];
    this.#subs.clear();
    this.#end();
    for (const w of subs) {
      const survives =
        err.code === "Compacted" && w.nextRevision >= (err.compactedRevision ?? Infinity);
      if (survives) this.#resubscribe(w);
      else w.fail(err);
    }
  }

  /** Cancels every subscriber (the backend is closing). */
  cancel(): void {
    for (const w of [...this.#subs]) w.cancel();
    this.#end();
  }

  #end(): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#onEmpty(this);
  }
}
