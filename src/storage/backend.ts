/**
 * The storage contract the API server needs from etcd: one global revision
 * counter, compare-and-swap writes, ranged reads at a revision, and ordered
 * watches that never skip or repeat an event. Drivers live in ./drivers and
 * are chosen by URL scheme (see openBackend).
 */

/** One stored key. Revisions are the global store revision at which the key was created/last written. */
export interface KeyValue {
  key: string;
  /** The stored value (JSON text for API objects). */
  value: string;
  createRevision: number;
  modRevision: number;
}

export interface WatchEvent {
  type: "PUT" | "DELETE";
  /** For DELETE: key and the delete's revision as modRevision, value empty, createRevision 0 (as etcd). */
  kv: KeyValue;
  /** The value before this event, when there was one. */
  prevKv?: KeyValue;
}

export interface GetOptions {
  /** Read as of this revision (0/undefined: latest). Compacted revisions fail with Compacted. */
  revision?: number;
}

export interface ListOptions {
  /** Read as of this revision (0/undefined: latest). Pass the first page's revision to keep pages consistent. */
  revision?: number;
  /** At most this many keys (0/undefined: all). */
  limit?: number;
  /** Only keys strictly greater than this one (continuation). */
  after?: string;
  /**
   * Count the keys left after a limited page (ListResult.remaining). Backends
   * for which the count costs a walk of the rest skip it unless asked.
   */
  countRemaining?: boolean;
}

export interface ListResult {
  /** The revision the list was read at. */
  revision: number;
  kvs: KeyValue[];
  /** True when keys beyond the returned page exist at that revision. */
  more: boolean;
  /** Keys left after this page (only set when more is true, best effort; see countRemaining). */
  remaining?: number;
}

export interface WriteOptions {
  /** Key expires (and is deleted, emitting a DELETE event) after this many seconds. */
  ttlSeconds?: number;
}

export interface WatchOptions {
  /** Deliver every event with modRevision >= startRevision (0: only events after the current revision). */
  startRevision: number;
  /** Events buffered for this watcher before it is cut off with WatcherTooSlow. Default 10000. */
  bufferSize?: number;
  signal?: AbortSignal;
  /**
   * Progress notifications (etcd's watch progress): called with revision R
   * once every event of this watch with modRevision <= R has been yielded
   * by the iterator (so a consumer that applies each batch before asking for
   * the next holds storage's state at R). Called from within the iteration,
   * between batches. Only backends with `requestWatchProgress` call it.
   */
  onProgress?: (revision: number) => void;
}

/**
 * An ordered stream of event batches. Iteration ends when cancelled; it throws
 * a StorageError with code Compacted (start revision too old) or WatcherTooSlow
 * (buffer overflowed) when the watch cannot continue.
 */
export interface Watcher extends AsyncIterable<WatchEvent[]> {
  cancel(): void;
  /**
   * Optional (in-process backends): true while the consumer has taken every
   * event published so far and waits for the next batch.
   */
  drained?(): boolean;
}

export interface Backend {
  /** Opens connections/files and starts background work (TTL expiry, compaction). */
  start(): Promise<void>;
  close(): Promise<void>;
  /** The latest committed revision. */
  currentRevision(): Promise<number>;
  get(key: string, opts?: GetOptions): Promise<{ revision: number; kv?: KeyValue }>;
  list(prefix: string, opts?: ListOptions): Promise<ListResult>;
  /**
   * Optional (etcd's keys_only range): list without the values, every kv's
   * value "", keys and revisions and paging as list returns them. For
   * readers that already hold most values: a (key, modRevision) pair names
   * one value, as a key is written at most once per revision.
   */
  listKeys?(prefix: string, opts?: ListOptions): Promise<ListResult>;
  count(prefix: string): Promise<{ revision: number; count: number }>;
  /** Fails with KeyExists when the key is present. */
  create(key: string, value: string, opts?: WriteOptions): Promise<KeyValue>;
  /**
   * Replaces the value when the key's modRevision equals expectedModRevision;
   * otherwise fails with Conflict (current kv attached) or KeyNotFound.
   */
  update(
    key: string,
    value: string,
    expectedModRevision: number,
    opts?: WriteOptions,
  ): Promise<KeyValue>;
  /**
   * Deletes the key, guarded by expectedModRevision when given. Returns the
   * deleted value and the delete's revision. Fails with KeyNotFound or Conflict.
   */
  delete(
    key: string,
    expectedModRevision?: number,
  ): Promise<{ revision: number; prevKv: KeyValue }>;
  watch(prefix: string, opts: WatchOptions): Watcher;
  /** Drops history older than revision. Never blocks writers for long. */
  compact(revision: number): Promise<void>;
  /** The oldest revision still readable. */
  compactedRevision(): Promise<number>;
  /**
   * Optional (etcd): asks storage to confirm the progress of this backend's
   * open watches (etcd's RequestProgress); each watcher then reports it
   * through WatchOptions.onProgress. Confirmations may be skipped (a watch
   * still catching up); callers re-ask while they wait.
   */
  requestWatchProgress?(): void;
  /**
   * Optional, with requestWatchProgress: whether its confirmations can be
   * trusted (etcd before v3.4.31 / v3.5.13 may send a progress notification
   * ahead of events still queued for the stream, as upstream notes).
   */
  watchProgressSupported?(): Promise<boolean>;
}

/** etcd's request size limit; values larger than this are rejected with TooLarge. */
export const MAX_VALUE_BYTES = 1.5 * 1024 * 1024;
