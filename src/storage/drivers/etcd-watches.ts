import { StorageError } from "../errors.ts";
import { prefixRange } from "./etcd-kv.ts";
import { EtcdWatchFeed } from "./etcd-watch-feed.ts";
import { EtcdWatchStream, type Stream } from "./etcd-watch-stream.ts";
import { EtcdWatcher } from "./etcd-watcher.ts";

/**
 * The watch side of EtcdBackend: places each Backend watcher on a feed
 * (one etcd watch per prefix, shared by every watcher that can join it) and
 * keeps all feeds on one gRPC stream. A watcher whose start revision a feed
 * has already passed gets a new feed from its start.
 */
export class EtcdWatches {
  readonly #stream: EtcdWatchStream;
  /** Open feeds by prefix (several when watchers started at revisions a feed had passed). */
  readonly #feeds = new Map<string, EtcdWatchFeed[]>();
  readonly #feedOf = new Map<EtcdWatcher, EtcdWatchFeed>();
  #nextWatchId = 1;
  #closed = false;

  /**
   * @param open starts a new Watch RPC on some endpoint.
   * @param onRevision receives every watch response header's store revision.
   * @param onCompacted receives the compacted revision etcd reports when refusing a watch.
   */
  constructor(
    open: () => Promise<Stream>,
    onRevision: (revision: number) => void,
    onCompacted: (revision: number) => void,
  ) {
    this.#stream = new EtcdWatchStream(open, onRevision, { onCompacted });
  }

  /**
   * A watcher of every key under prefix from startRevision (> 0) on. An
   * aborted signal cancels it; the abort listener is removed when it ends.
   */
  watch(
    prefix: string,
    opts: {
      startRevision: number;
      bufferSize?: number;
      signal?: AbortSignal;
      onProgress?: (revision: number) => void;
    },
  ): EtcdWatcher {
    const { signal } = opts;
    const onAbort = () => w.cancel();
    const w: EtcdWatcher = new EtcdWatcher({
      what: prefix,
      startRevision: opts.startRevision,
      bufferSize: opts.bufferSize,
      onProgress: opts.onProgress,
      detach: (x) => {
        signal?.removeEventListener("abort", onAbort);
        this.#feedOf.get(x)?.leave(x);
        this.#feedOf.delete(x);
      },
    });
    if (signal?.aborted) {
      w.cancel();
      return w;
    }
    signal?.addEventListener("abort", onAbort, { once: true });
    this.#subscribe(prefix, w);
    return w;
  }

  /** Asks etcd to confirm the progress of every watch (see EtcdWatchStream.requestProgress). */
  requestProgress(): void {
    this.#stream.requestProgress();
  }

  /** Cancels every watcher and ends the stream. */
  close(): void {
    this.#closed = true;
    this.#stream.close();
  }

  #subscribe(prefix: string, w: EtcdWatcher): void {
    if (this.#closed) {
      w.fail(new StorageError("Unavailable", "Cannot watch: the etcd backend is closed"));
      return;
    }
    const feeds = this.#feeds.get(prefix) ?? [];
    let feed = feeds.find((f) => f.canJoin(w.nextRevision));
    if (!feed) {
      const [key, rangeEnd] = prefixRange(prefix);
      feed = new EtcdWatchFeed({
        id: this.#nextWatchId++,
        prefix,
        key,
        rangeEnd,
        startRevision: w.nextRevision,
        onEmpty: (f) => this.#drop(f),
        resubscribe: (x) => this.#subscribe(prefix, x),
      });
      this.#feeds.set(prefix, [...feeds, feed]);
      this.#stream.add(feed);
    }
    feed.join(w);
    this.#feedOf.set(w, feed);
  }

  #drop(feed: EtcdWatchFeed): void {
    const rest = (this.#feeds.get(feed.prefix) ?? []).filter((f) => f !== feed);
    if (rest.length > 0) this.#feeds.set(feed.prefix, rest);
    else this.#feeds.delete(feed.prefix);
    this.#stream.remove(feed);
  }
}
