import type { WatchEvent } from "../backend.ts";
import { StorageError } from "../errors.ts";
import type { WatchRequest } from "./etcd-proto-requests.ts";
import type { WatchResponse } from "./etcd-proto-responses.ts";

/** A Watch RPC (WatchRpc in etcd-client.ts): "data" carries WatchResponses, then "error" or "end". */
export interface Stream {
  write(req: WatchRequest): void;
  on(event: "data", fn: (res: WatchResponse) => void): unknown;
  on(event: "error" | "end", fn: (err?: unknown) => void): unknown;
  cancel(): void;
}

/** One etcd watch on the stream. */
export interface WatchTarget {
  /** The etcd watch_id: unique per stream, never reused. */
  readonly id: number;
  readonly key: Buffer;
  readonly rangeEnd: Buffer;
  /** Where to (re)start the etcd watch: one past the last event pushed. */
  readonly nextRevision: number;
  /** Receives each response's events, in revision order; must not block. */
  push(events: WatchEvent[]): void;
  /** etcd confirmed every event of this watch up to revision was sent (a progress notification). */
  progress(revision: number): void;
  /** The watch cannot continue (compacted, or cancelled by etcd). */
  fail(err: StorageError): void;
  /** The stream is closing. */
  cancel(): void;
}

/** Runs fn once after ms; returns a function that cancels it. */
export type SetTimer = (fn: () => void, ms: number) => () => void;

const realTimer: SetTimer = (fn, ms) => {
  const t = setTimeout(fn, ms);
  return () => clearTimeout(t);
};

/** Reconnect delays after a broken stream: doubling from the first to the last. */
const BACKOFF_MS = { first: 100, max: 3000 };

/**
 * Multiplexes every etcd watch of one backend over a single Watch gRPC
 * stream, with client-chosen watch IDs so creation order does not matter.
 * The stream is always read eagerly and each response is handed to its
 * target at once (targets queue per consumer, boundedly), so a slow consumer
 * never delays the stream. When the stream breaks it reconnects (possibly to
 * another endpoint) and re-creates each watch from its nextRevision: no
 * event is skipped or repeated.
 */
export class EtcdWatchStream {
  readonly #open: () => Promise<Stream>;
  readonly #onRevision: (revision: number) => void;
  readonly #onCompacted: (revision: number) => void;
  readonly #watchers = new Map<number, WatchTarget>();
  #stream: Stream | undefined;
  #connecting = false;
  #closed = false;
  #backoffMs = BACKOFF_MS.first;
  readonly #setTimer: SetTimer;
  #cancelRetry: (() => void) | undefined;

  /**
   * @param open starts a new Watch RPC on some endpoint.
   * @param onRevision receives every response header's store revision.
   * @param opts.onCompacted receives the compacted revision etcd reports when refusing a watch.
   */
  constructor(
    open: () => Promise<Stream>,
    onRevision: (revision: number) => void,
    opts: { setTimer?: SetTimer; onCompacted?: (revision: number) => void } = {},
  ) {
    this.#open = open;
    this.#onRevision = onRevision;
    this.#setTimer = opts.setTimer ?? realTimer;
    this.#onCompacted = opts.onCompacted ?? (() => {});
  }

  /** Starts delivering events in the target's range from its nextRevision. */
  add(w: WatchTarget): void {
    if (this.#closed) {
      w.fail(new StorageError("Unavailable", "Cannot watch: the etcd backend is closed"));
      return;
    }
    this.#watchers.set(w.id, w);
    if (this.#stream) this.#create(this.#stream, w);
    else this.#connect();
  }

  /** Stops a watch; further responses for it are dropped. Idempotent. */
  remove(w: WatchTarget): void {
    if (!this.#watchers.delete(w.id)) return;
    try {
      this.#stream?.write({ cancel: { watchId: w.id } });
    } catch {
      // A broken stream cancels every watch on it anyway.
    }
  }

  /**
   * Asks etcd for a progress notification on the stream (RequestProgress):
   * etcd answers with its current revision once, for every watch (watch_id
   * -1) or per watch. Nothing happens while the stream is down; callers ask
   * again while they wait.
   */
  requestProgress(): void {
    if (!this.#stream || this.#watchers.size === 0) return;
    try {
      this.#stream.write({ progress: true });
    } catch (err) {
      this.#broken(this.#stream, err);
    }
  }

  /** Ends the stream; open targets are cancelled. */
  close(): void {
    this.#closed = true;
    this.#cancelRetry?.();
    for (const w of [...this.#watchers.values()]) w.cancel();
    this.#watchers.clear();
    this.#stream?.cancel();
    this.#stream = undefined;
  }

  #connect(): void {
    if (this.#connecting || this.#stream || this.#closed) return;
    this.#connecting = true;
    this.#open().then(
      (stream) => {
        this.#connecting = false;
        if (this.#closed) {
          stream.cancel();
          return;
        }
        this.#stream = stream;
        stream.on("data", (res: WatchResponse) => {
          if (stream === this.#stream) this.#onResponse(res);
        });
        stream.on("error", (err) => this.#broken(stream, err));
        stream.on("end", () => this.#broken(stream, new Error("watch stream ended")));
        for (const w of this.#watchers.values()) this.#create(stream, w);
      },
      (err: unknown) => {
        this.#connecting = false;
        this.#broken(undefined, err);
      },
    );
  }

  #create(stream: Stream, w: WatchTarget): void {
    try {
      stream.write({
        create: {
          key: w.key,
          rangeEnd: w.rangeEnd,
          startRevision: w.nextRevision,
          prevKv: true,
          watchId: w.id,
        },
      });
    } catch (err) {
      // The stream broke; reconnecting re-creates every watch.
      this.#broken(stream, err);
    }
  }

  #broken(stream: Stream | undefined, _err: unknown): void {
    if (stream !== this.#stream || this.#closed) return;
    this.#stream?.cancel();
    this.#stream = undefined;
    if (this.#watchers.size === 0) return;
    this.#cancelRetry?.();
    this.#cancelRetry = this.#setTimer(() => this.#connect(), this.#backoffMs);
    this.#backoffMs = Math.min(this.#backoffMs * 2, BACKOFF_MS.max);
  }

  #onResponse(res: WatchResponse): void {
    this.#backoffMs = BACKOFF_MS.first;
    if (res.hasHeader) this.#onRevision(res.revision);
    const id = res.watchId;
    if (isProgressNotify(res)) {
      const revision = res.revision;
      if (id === PROGRESS_WATCH_ID) for (const t of this.#watchers.values()) t.progress(revision);
      else this.#watchers.get(id)?.progress(revision);
      return;
    }
    const w = this.#watchers.get(id);
    if (!w) return;
    if (res.canceled) {
      const compacted = res.compactRevision;
      if (compacted > 0) this.#onCompacted(compacted);
      w.fail(
        compacted > 0
          ? new StorageError(
              "Compacted",
              `Cannot watch ${w.key.toString()} from revision ${w.nextRevision}: compacted to ${compacted}`,
              { compactedRevision: compacted },
            )
          : new StorageError(
              "Unavailable",
              `etcd cancelled the watch on ${w.key.toString()}: ${res.cancelReason}`,
            ),
      );
      return;
    }
    if (res.events.length > 0) w.push(res.events);
  }
}

/** The watch_id of a progress notification that concerns every watch on the stream. */
const PROGRESS_WATCH_ID = -1;

/** A response with no events that neither creates nor cancels a watch: a progress notification. */
function isProgressNotify(res: WatchResponse): boolean {
  return res.hasHeader && res.events.length === 0 && !res.created && !res.canceled && !res.fragment;
}
