import type { Watcher, WatchEvent } from "./backend.ts";
import { StorageError } from "./errors.ts";

/**
 * Reads committed events for keys under prefix with from <= modRevision <= to,
 * in revision order, at most limit of them. Throws a StorageError (Compacted)
 * when from is older than the oldest revision still kept.
 */
export type HistoryReader = (
  prefix: string,
  from: number,
  to: number,
  limit: number,
) => WatchEvent[] | Promise<WatchEvent[]>;

export interface SubscribeOptions {
  /** Deliver events with modRevision >= startRevision; 0 means after currentRevision. */
  startRevision: number;
  /** The newest revision already published; events up to it come from history. */
  currentRevision: number;
  /** Reads the replayed part; required when startRevision <= currentRevision. */
  history?: HistoryReader;
  /** Events buffered before the watcher is cut off with WatcherTooSlow. */
  bufferSize?: number;
  signal?: AbortSignal;
  /** When set, the watcher fails with this error on first read (e.g. Compacted). */
  error?: StorageError;
}

export const DEFAULT_WATCH_BUFFER = 10_000;
const HISTORY_PAGE = 1000;

/**
 * Fans committed events out to watchers. One producer calls publish() with
 * each committed batch, in revision order; publish never waits for a watcher.
 * Each watcher owns a bounded buffer; on overflow that watcher alone ends with
 * WatcherTooSlow and its buffer is dropped. Watchers of the same prefix share
 * one filtered event array per batch: delivered arrays and events are
 * read-only for consumers.
 */
export class Broadcaster {
  readonly #groups = new Map<string, Set<Subscription>>();
  #count = 0;
  #closed = false;

  /** Number of live watchers. */
  get size(): number {
    return this.#count;
  }

  /**
   * Registers a watcher. Gap-free start: the watcher receives live events from
   * this call on (buffered), replays history (startRevision..currentRevision)
   * page by page as it is read, then the buffered live events newer than the
   * replayed range.
   */
  subscribe(prefix: string, opts: SubscribeOptions): Watcher {
    const sub = new Subscription(prefix, opts, () => this.#remove(sub));
    if (this.#closed) {
      sub.end();
      return sub;
    }
    if (opts.error) {
      sub.fail(opts.error);
      return sub;
    }
    let group = this.#groups.get(prefix);
    if (!group) this.#groups.set(prefix, (group = new Set()));
    group.add(sub);
    this.#count++;
    if (opts.signal) {
      if (opts.signal.aborted) sub.cancel();
      else opts.signal.addEventListener("abort", () => sub.cancel(), { once: true });
    }
    return sub;
  }

  /** Delivers one committed batch (ascending revisions) to every matching watcher. */
  publish(events: readonly WatchEvent[]): void {
    if (events.length === 0) return;
    for (const [prefix, group] of this.#groups) {
      const matched = prefix === "" ? events : events.filter((ev) => ev.kv.key.startsWith(prefix));
      if (matched.length === 0) continue;
      for (const sub of group) sub.push(matched);
    }
  }

  /** Ends every watcher (iteration finishes normally) and refuses new ones. */
  close(): void {
    this.#closed = true;
    for (const group of this.#groups.values()) for (const sub of group) sub.end();
  }

  #remove(sub: Subscription): void {
    const group = this.#groups.get(sub.prefix);
    if (group?.delete(sub)) {
      this.#count--;
      if (group.size === 0) this.#groups.delete(sub.prefix);
    }
  }
}

type Waiter = {
  resolve(r: IteratorResult<WatchEvent[]>): void;
  reject(err: unknown): void;
};

/** One watcher: a bounded queue of event batches fed by the Broadcaster. */
class Subscription implements Watcher {
  readonly prefix: string;
  readonly #bufferSize: number;
  readonly #history?: HistoryReader;
  readonly #onEnd: () => void;
  /** Live events below this revision are dropped (already replayed or before start). */
  #minLive: number;
  /** Next revision to replay; replay is finished when > #historyTo. */
  #historyFrom: number;
  readonly #historyTo: number;
  #buffer: (readonly WatchEvent[])[] = [];
  #buffered = 0;
  #waiter?: Waiter;
  #error?: unknown;
  #done = false;
  #reading = false;

  constructor(prefix: string, opts: SubscribeOptions, onEnd: () => void) {
    this.prefix = prefix;
    this.#bufferSize = Math.max(1, opts.bufferSize ?? DEFAULT_WATCH_BUFFER);
    this.#history = opts.history;
    this.#onEnd = onEnd;
    const start = opts.startRevision > 0 ? opts.startRevision : opts.currentRevision + 1;
    this.#historyFrom = start;
    this.#historyTo = opts.currentRevision;
    this.#minLive = Math.max(start, opts.currentRevision + 1);
  }

  push(events: readonly WatchEvent[]): void {
    if (this.#done) return;
    if (events[0].kv.modRevision < this.#minLive) {
      events = events.filter((ev) => ev.kv.modRevision >= this.#minLive);
      if (events.length === 0) return;
    }
    const waiter = this.#waiter;
    if (waiter && this.#buffered === 0 && !this.#replaying()) {
      this.#waiter = undefined;
      waiter.resolve({ done: false, value: events as WatchEvent[] });
      return;
    }
    this.#buffered += events.length;
    if (this.#buffered > this.#bufferSize) {
      this.fail(
        new StorageError(
          "WatcherTooSlow",
          `Watcher on ${JSON.stringify(this.prefix)} fell more than ${this.#bufferSize} events behind`,
        ),
      );
      return;
    }
    this.#buffer.push(events);
  }

  /** Ends the watch with an error; buffered events are dropped. */
  fail(err: unknown): void {
    if (this.#done) return;
    this.#error = err;
    this.#finish();
    const waiter = this.#waiter;
    if (waiter) {
      this.#waiter = undefined;
      this.#error = undefined;
      waiter.reject(err);
    }
  }

  /** Ends the watch normally. */
  end(): void {
    if (this.#done) return;
    this.#finish();
    const waiter = this.#waiter;
    this.#waiter = undefined;
    waiter?.resolve({ done: true, value: undefined });
  }

  cancel(): void {
    this.end();
  }

  /** A waiting reader: nothing is buffered, replayed or in flight to it. */
  drained(): boolean {
    return this.#waiter !== undefined;
  }

  [Symbol.asyncIterator](): AsyncIterator<WatchEvent[]> {
    return {
      next: () => this.#next(),
      return: async () => {
        this.cancel();
        return { done: true, value: undefined };
      },
    };
  }

  #finish(): void {
    this.#done = true;
    this.#buffer = [];
    this.#buffered = 0;
    this.#onEnd();
  }

  #replaying(): boolean {
    return this.#historyFrom <= this.#historyTo;
  }

  async #next(): Promise<IteratorResult<WatchEvent[]>> {
    if (this.#error !== undefined) {
      const err = this.#error;
      this.#error = undefined;
      throw err;
    }
    if (this.#done) return { done: true, value: undefined };
    if (this.#waiter || this.#reading) throw new Error("Watcher: next() called concurrently");
    while (this.#replaying()) {
      const page = await this.#readHistory();
      if (this.#done) return this.#next();
      if (page.length > 0) return { done: false, value: page };
    }
    if (this.#buffer.length > 0) {
      const batches = this.#buffer;
      this.#buffer = [];
      this.#buffered = 0;
      const value = batches.length === 1 ? batches[0] : batches.flat();
      return { done: false, value: value as WatchEvent[] };
    }
    return new Promise((resolve, reject) => {
      this.#waiter = { resolve, reject };
    });
  }

  async #readHistory(): Promise<WatchEvent[]> {
    if (!this.#history) throw new Error("Watcher: history requested but no HistoryReader given");
    this.#reading = true;
    try {
      const page = await this.#history(
        this.prefix,
        this.#historyFrom,
        this.#historyTo,
        HISTORY_PAGE,
      );
      if (page.length < HISTORY_PAGE) this.#historyFrom = this.#historyTo + 1;
      else this.#historyFrom = page[page.length - 1].kv.modRevision + 1;
      return page;
    } catch (err) {
      this.fail(err);
      this.#error = undefined;
      throw err;
    } finally {
      this.#reading = false;
    }
  }
}
