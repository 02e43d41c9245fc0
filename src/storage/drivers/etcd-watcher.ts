import type { WatchEvent, Watcher } from "../backend.ts";
import { StorageError } from "../errors.ts";

/** Default per-watcher buffer, in events (WatchOptions.bufferSize). */
export const DEFAULT_WATCH_BUFFER = 10_000;

/**
 * One Backend watch: the consumer side of a bounded event queue that a
 * watch feed fills. The feed never waits for the consumer: when more than
 * bufferSize events are queued the watcher is cut off with WatcherTooSlow
 * (its queue dropped) and detached. May be iterated once.
 */
export class EtcdWatcher implements Watcher {
  /** What is watched, for messages (the prefix). */
  readonly what: string;
  /** The lowest revision still to deliver: the start revision, then one past the last delivered event. */
  nextRevision: number;

  readonly #bufferSize: number;
  readonly #detach: (w: EtcdWatcher) => void;
  readonly #onProgress?: (revision: number) => void;
  /** Event batches and progress confirmations (numbers), in arrival order. */
  #queue: (WatchEvent[] | number)[] = [];
  #queued = 0;
  #error: StorageError | undefined;
  #done = false;
  #wake: (() => void) | undefined;
  #iterated = false;

  constructor(opts: {
    what: string;
    startRevision: number;
    bufferSize?: number;
    /** Called once when the watcher ends for any reason, to take it off its feed. */
    detach: (w: EtcdWatcher) => void;
    /** WatchOptions.onProgress. */
    onProgress?: (revision: number) => void;
  }) {
    this.what = opts.what;
    this.nextRevision = opts.startRevision;
    this.#bufferSize = opts.bufferSize ?? DEFAULT_WATCH_BUFFER;
    this.#detach = opts.detach;
    this.#onProgress = opts.onProgress;
  }

  /** True once cancelled or failed; pushes are ignored then. */
  get ended(): boolean {
    return this.#done || this.#error !== undefined;
  }

  /** Queues a batch (ordered, revisions >= nextRevision) or cuts the watcher off when it would overflow. */
  push(events: WatchEvent[]): void {
    if (this.ended || events.length === 0) return;
    this.nextRevision = events[events.length - 1]!.kv.modRevision + 1;
    if (this.#queued + events.length > this.#bufferSize) {
      this.fail(
        new StorageError(
          "WatcherTooSlow",
          `Watch on ${this.what} fell ${this.#queued + events.length} events behind (buffer ${this.#bufferSize}); re-list and watch again`,
        ),
      );
      return;
    }
    this.#queue.push(events);
    this.#queued += events.length;
    this.#notify();
  }

  /**
   * Storage confirmed every event up to revision was pushed: onProgress
   * gets it once the batches queued before it have been yielded.
   */
  progress(revision: number): void {
    if (this.ended || !this.#onProgress) return;
    this.#queue.push(revision);
    this.#notify();
  }

  /** Ends the watch with err: queued events are dropped and the next read throws. */
  fail(err: StorageError): void {
    if (this.ended) return;
    this.#error = err;
    this.#queue = [];
    this.#queued = 0;
    this.#detach(this);
    this.#notify();
  }

  cancel(): void {
    if (this.ended) return;
    this.#done = true;
    this.#queue = [];
    this.#queued = 0;
    this.#detach(this);
    this.#notify();
  }

  [Symbol.asyncIterator](): AsyncIterator<WatchEvent[]> {
    if (this.#iterated) throw new Error("Cannot iterate a Watcher twice");
    this.#iterated = true;
    return {
      next: () => this.#next(),
      return: async () => {
        this.cancel();
        return { done: true, value: undefined };
      },
    };
  }

  async #next(): Promise<IteratorResult<WatchEvent[]>> {
    for (;;) {
      const batch = this.#queue.shift();
      if (typeof batch === "number") {
        this.#onProgress!(batch);
        continue;
      }
      if (batch) {
        this.#queued -= batch.length;
        return { done: false, value: batch };
      }
      if (this.#error) throw this.#error;
      if (this.#done) return { done: true, value: undefined };
      await new Promise<void>((resolve) => (this.#wake = resolve));
    }
  }

  #notify(): void {
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }
}
