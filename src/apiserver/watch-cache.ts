/**
 * One storage watch per stored resource, shared by every client watch on it,
 * and the resource's current state (upstream's cacher and watch cache).
 *
 * Contract: starting lists the prefix at revision S and watches from S+1;
 * from then on `store` is storage's state under the prefix at `lastRevision`
 * (reads from it are consistent snapshots taken synchronously). Events are
 * kept in a ring buffer of the most recent `capacity` events, so a client
 * watch from resourceVersion N is served from memory when every event after
 * N is still buffered (else 410 Gone, "too old resource version", as
 * upstream's watch cache). Each client has a bounded queue; a client that
 * falls `clientBuffer` events behind is cut off (its watch ends and it
 * re-watches) so a slow client never holds up the others or the storage
 * watch. When the storage watch ends the cache is not `ready` until the next
 * ensureStarted() lists again. When storage goes quiet for too long (see
 * watch-cache-liveness.ts) the cache turns `initializing`, as upstream's
 * Pending cacher: it ends every client watch, refuses ensureStarted() with
 * 429 "storage is (re)initializing", and lists again in the background every
 * REINIT_RETRY_MS until that succeeds.
 */
import { StatusError } from "../api/status.ts";
import { realClock, type Clock, type TimerHandle } from "../client/clock.ts";
import type { Backend, KeyValue, Watcher } from "../storage/backend.ts";
import { isStorageError } from "../storage/errors.ts";
import { hasLatestRevision } from "../storage/latest-revision.ts";
import type { KObject, ResourceDef } from "../api/types.ts";
import { DecodedKeyValue, SETTLE_AFTER_MS, WatchCacheStore } from "./watch-cache-store.ts";
import { WatchEventMemo } from "./watch-event-memo.ts";
import { FreshWaiters } from "./watch-cache-waiters.ts";
import { EventHistory } from "./watch-cache-history.ts";
import { retryAfterForUnreadyCache, StorageLiveness } from "./watch-cache-liveness.ts";
import type { WatchTrigger } from "./watch-cache-subscribers.ts";
import { toCacheEvent, type CacheEvent, type CacheSubscription } from "./watch-cache-events.ts";

export type { CacheEvent, CacheEventType, CacheSubscription } from "./watch-cache-events.ts";
import { WatchFanout } from "./watch-cache-fanout.ts";
import { ExpectedWrites, type ExpectedWrite } from "./watch-cache-writes.ts";

export interface WatchCacheOptions {
  backend: Backend;
  /** Storage prefix, "/registry/pods/". */
  prefix: string;
  /** Ring buffer size in events. */
  capacity?: number;
  /** Per-client queue bound in events. */
  clientBuffer?: number;
  /** How long a consistent read waits for watch progress before reading storage (default FRESH_WAIT_MS). */
  freshWaitMs?: number;
  /** Time for the liveness checks and re-initialization (default the wall clock). */
  clock?: Clock;
  /** How long storage may be silent before the cache stops serving (default STALE_AFTER_MS). */
  staleAfterMs?: number;
}

export const DEFAULT_CACHE_CAPACITY = 10_000;
export const DEFAULT_CLIENT_BUFFER = 10_000;
/** Keys per storage list page when the cache (re)starts (upstream's storageWatchListPageSize). */
export const LIST_PAGE_SIZE = 10_000;
/** How often a consistent read waiting on etcd asks for watch progress (upstream's progress requester ticks at 100 ms). */
export const PROGRESS_REQUEST_MS = 100;
/** How long a consistent read waits for the cache to catch up before reading storage (upstream's 3 s block timeout). */
export const FRESH_WAIT_MS = 3_000;
/** How often a cache that went stale tries to list again (upstream's cacher restarts its reflector every second). */
export const REINIT_RETRY_MS = 1_000;
/** Elements settled per batch (see WatchCacheStore.settle: ≈15-20 µs each, so a batch is a few ms). */
export const SETTLE_BATCH = 256;
/** Pause between settle batches while a backlog waits. */
export const SETTLE_GAP_MS = 100;

export class WatchCache {
  readonly prefix: string;
  /** Decoded and encoded events shared by this cache's client watches. */
  readonly memo = new WatchEventMemo();
  /** The current state (valid while `ready`). */
  readonly store: WatchCacheStore;
  readonly #backend: Backend;
  readonly #capacity: number;
  readonly #freshWaitMs: number;
  readonly #clock: Clock;
  readonly #history: EventHistory;
  /** Set for backends with watch progress: notices a storage watch gone quiet. */
  readonly #liveness?: StorageLiveness;
  /** Since when the cache is re-initializing after going stale (undefined: it is not). */
  #pendingSince?: number;
  #reinitTimer?: TimerHandle;
  #settleTimer?: TimerHandle;
  #lastRevision = 0;
  /** The client watches. */
  readonly #fanout: WatchFanout;
  #starting?: Promise<void>;
  #watcher?: Watcher;
  #ready = false;
  #stopped = false;
  /** Why the storage watch ended; subscriptions fail with it until the cache restarts. */
  #failure?: StatusError;
  /** Whether storage's watch progress notifications can confirm freshness (asked once). */
  #progress?: Promise<boolean>;
  /** Consistent reads waiting for lastRevision to reach a revision. */
  readonly #freshWaiters = new FreshWaiters();
  /** Writes in flight, announced with their decodings. */
  readonly #writes = new ExpectedWrites();

  constructor(opts: WatchCacheOptions) {
    this.prefix = opts.prefix;
    this.#backend = opts.backend;
    this.#capacity = opts.capacity ?? DEFAULT_CACHE_CAPACITY;
    this.#fanout = new WatchFanout(opts.clientBuffer ?? DEFAULT_CLIENT_BUFFER);
    this.#freshWaitMs = opts.freshWaitMs ?? FRESH_WAIT_MS;
    this.#clock = opts.clock ?? realClock;
    this.store = new WatchCacheStore(this.#clock);
    this.#history = new EventHistory(this.#capacity);
    const backend = this.#backend;
    if (backend.requestWatchProgress) {
      this.#liveness = new StorageLiveness({
        clock: this.#clock,
        probe: () => backend.requestWatchProgress?.(),
        onStale: () => this.#goStale(),
        staleAfterMs: opts.staleAfterMs,
      });
    }
  }

  /** The newest revision the cache knows to be complete for its prefix. */
  get lastRevision(): number {
    return this.#lastRevision;
  }

  /**
   * True while the storage watch (of an in-process backend) has handed the
   * cache every event published so far: the cache then holds its prefix's
   * state at the backend's latestRevision(), whatever other prefixes wrote
   * after lastRevision.
   */
  get drained(): boolean {
    return this.#ready && this.#watcher?.drained?.() === true;
  }

  /** True while `store` holds the state at `lastRevision` (listed, and the storage watch is live). */
  get ready(): boolean {
    return this.#ready;
  }

  /**
   * True while the cache re-initializes after storage went quiet (upstream's
   * Pending cacher): reads should go to storage or be refused with 429.
   */
  get initializing(): boolean {
    return this.#pendingSince !== undefined;
  }

  /** The 429 a request gets while the cache re-initializes (Retry-After grows with the downtime). */
  unavailable(): StatusError {
    const downtime = this.#clock.now() - (this.#pendingSince ?? this.#clock.now());
    return new StatusError("TooManyRequests", "storage is (re)initializing", {
      retryAfterSeconds: retryAfterForUnreadyCache(downtime),
    });
  }

  /**
   * Whether freshRevision() can confirm freshness: the backend publishes
   * events in-process (SQLite), or its watch progress notifications are
   * trusted (etcd v3.4.31+ / v3.5.13+, see Backend.watchProgressSupported).
   */
  async canConfirmFresh(): Promise<boolean> {
    if (hasLatestRevision(this.#backend)) return true;
    const backend = this.#backend;
    if (!backend.requestWatchProgress || !backend.watchProgressSupported) return false;
    this.#progress ??= backend.watchProgressSupported().catch(() => {
      this.#progress = undefined;
      return false;
    });
    return this.#progress;
  }

  /**
   * For a consistent read (upstream's ConsistentListFromCache): the revision
   * the ready cache is complete at, not older than storage's latest revision
   * at the call; undefined when that cannot be confirmed in time (the caller
   * reads storage, as upstream falls back to etcd).
   * - In-process backend (SQLite): every event up to latestRevision() is
   *   already with the storage watch's broadcaster, and its batches reach
   *   this cache in microtasks: after one macrotask turn the cache has them
   *   (at once when the watch is drained).
   * - etcd: reads the current revision R (one round trip), then, unless the
   *   cache is already at R, asks for watch progress notifications every
   *   PROGRESS_REQUEST_MS until the cache reaches R, for at most
   *   freshWaitMs (upstream: 100 ms ticks, 3 s block timeout).
   * Fails with the storage error when the current revision cannot be read.
   */
  async freshRevision(): Promise<number | undefined> {
    if (!this.#ready) return undefined;
    if (hasLatestRevision(this.#backend)) {
      const latest = this.#backend.latestRevision();
      if (this.#lastRevision < latest) {
        if (!this.drained) {
          await new Promise((resolve) => setImmediate(resolve));
          if (!this.#ready) return undefined;
        }
        this.#lastRevision = Math.max(this.#lastRevision, latest);
      }
      return this.#lastRevision;
    }
    if (!(await this.canConfirmFresh())) return undefined;
    const target = await this.#backend.currentRevision();
    if (this.#lastRevision < target && !(await this.#waitFor(target))) return undefined;
    return this.#ready ? this.#lastRevision : undefined;
  }

  /** Waits (asking for progress) until lastRevision >= revision; false after freshWaitMs or when the watch ends. */
  async #waitFor(revision: number): Promise<boolean> {
    await this.#freshWaiters.wait(revision, {
      ask: () => this.#backend.requestWatchProgress?.(),
      askEveryMs: PROGRESS_REQUEST_MS,
      boundMs: this.#freshWaitMs,
    });
    return this.#ready && this.#lastRevision >= revision;
  }

  /** The storage watch confirmed every event up to revision was applied. */
  #progressed(revision: number): void {
    this.#liveness?.heard();
    this.#lastRevision = Math.max(this.#lastRevision, revision);
    this.#wakeFresh();
  }

  #wakeFresh(): void {
    this.#freshWaiters.wake((revision) => !this.#ready || this.#lastRevision >= revision);
  }

  /**
   * kv decoded for def, shared with the state and every watcher: the
   * store's decoding when it holds this version of the key, else the event
   * memo's. Never mutate the result.
   */
  decode(kv: KeyValue, def: ResourceDef, decode: (kv: KeyValue) => KObject): KObject {
    if (kv instanceof DecodedKeyValue && kv.def === def) return kv.obj;
    return this.store.decodedLike(kv, def, decode) ?? this.memo.decode(kv, def, decode);
  }

  /**
   * Starts the storage watch if needed. `fromRevision` (optional) asks that
   * events after it be covered when the cache starts now.
   */
  ensureStarted(fromRevision?: number): Promise<void> {
    if (this.#pendingSince !== undefined) return Promise.reject(this.unavailable());
    return this.#start(fromRevision);
  }

  #start(fromRevision?: number): Promise<void> {
    this.#starting ??= (async () => {
      this.#failure = undefined;
      const [current, compacted] = await Promise.all([
        this.#backend.currentRevision(),
        this.#backend.compactedRevision(),
      ]);
      // Cover an older requested revision only while storage still has its history;
      // a client asking for compacted history gets 410 and must not break the cache.
      const start =
        fromRevision !== undefined && fromRevision > compacted && fromRevision < current
          ? fromRevision
          : current;
      await this.#load(start);
      if (this.#stopped) return;
      this.#history.reset(start);
      this.#lastRevision = start;
      this.#watcher = this.#backend.watch(this.prefix, {
        startRevision: start + 1,
        onProgress: (revision) => this.#progressed(revision),
      });
      this.#ready = true;
      this.#pendingSince = undefined;
      this.#liveness?.start();
      void this.#pump(this.#watcher);
    })().catch((err) => {
      this.#starting = undefined;
      throw err;
    });
    return this.#starting;
  }

  /**
   * Subscribes to events with revision > fromRevision under `prefix` (a
   * sub-prefix of the cache's, e.g. one namespace). 410 when too old.
   * `trigger`: the watch only wants objects whose indexed field has (or had)
   * this value; other events may be left out (see watch-cache-subscribers.ts).
   */
  subscribe(fromRevision: number, prefix = this.prefix, trigger?: WatchTrigger): CacheSubscription {
    if (this.#pendingSince !== undefined) throw this.unavailable();
    if (this.#failure) throw this.#failure;
    return this.#fanout.add(prefix, this.#history.since(fromRevision, prefix), trigger);
  }

  /** Stops the storage watch and ends every subscription. */
  stop(): void {
    this.#stopped = true;
    this.#ready = false;
    this.#liveness?.stop();
    this.#reinitTimer?.cancel();
    this.#settleTimer?.cancel();
    this.#watcher?.cancel();
    this.#wakeFresh();
    this.#fanout.endAll();
  }

  /** Number of live subscriptions (for tests and metrics). */
  subscriberCount(): number {
    return this.#fanout.size;
  }

  /** Lists the prefix at revision into the store, page by page. */
  async #load(revision: number): Promise<void> {
    const kvs: KeyValue[] = [];
    let after: string | undefined;
    for (;;) {
      const page = await this.#backend.list(this.prefix, {
        revision,
        limit: LIST_PAGE_SIZE,
        after,
      });
      kvs.push(...page.kvs);
      if (!page.more || page.kvs.length === 0) break;
      after = page.kvs[page.kvs.length - 1]!.key;
    }
    this.store.replace(kvs);
    if (this.store.unsettled > 0) this.#scheduleSettle(this.#clock.now() + SETTLE_AFTER_MS);
  }

  /** Settles the store's due elements at `at` (clock ms) unless a settle is already scheduled. */
  #scheduleSettle(at: number): void {
    if (this.#settleTimer || this.#stopped) return;
    const wait = Math.max(SETTLE_GAP_MS, at - this.#clock.now());
    this.#settleTimer = this.#clock.after(wait, () => {
      this.#settleTimer = undefined;
      if (this.#stopped) return;
      const next = this.store.settle(SETTLE_BATCH);
      if (next !== undefined) this.#scheduleSettle(next);
    });
  }

  async #pump(watcher: Watcher): Promise<void> {
    try {
      for await (const batch of watcher) this.#accept(batch.map(toCacheEvent));
    } catch (err) {
      if (this.#watcher !== watcher) return;
      const status = isStorageError(err, "Compacted")
        ? new StatusError(
            "Gone",
            `too old resource version: ${this.#history.coveredFrom} (${err.compactedRevision ?? 0})`,
          )
        : new StatusError("Gone", "watch closed: storage watch ended");
      this.#failure = status;
      this.#fanout.endAll(status);
    }
    // The storage watch ended (unless the cache went stale and dropped it):
    // restart lazily on the next ensureStarted().
    if (this.#watcher !== watcher) return;
    this.#reset();
    if (!this.#stopped)
      this.#failure ??= new StatusError("Gone", "watch closed: storage watch ended");
  }

  /** Drops the state and the storage watch; ends every subscription (without an error). */
  #reset(): void {
    this.#ready = false;
    this.#liveness?.stop();
    this.#watcher = undefined;
    this.#wakeFresh();
    this.store.replace([]);
    this.#writes.clear();
    if (this.#stopped) return;
    this.#history.reset(0);
    this.#starting = undefined;
    this.#fanout.endAll();
  }

  /**
   * Storage went quiet: stop serving, as upstream's cacher does once its
   * reflector gives up. Client watches end cleanly (they re-watch and get
   * 429 meanwhile), and the cache lists again in the background.
   */
  #goStale(): void {
    if (!this.#ready || this.#stopped) return;
    const watcher = this.#watcher;
    this.#pendingSince = this.#clock.now();
    this.#reset();
    watcher?.cancel();
    this.#scheduleReinit();
  }

  #scheduleReinit(): void {
    this.#reinitTimer = this.#clock.after(REINIT_RETRY_MS, () => {
      this.#reinitTimer = undefined;
      if (this.#stopped) return;
      this.#start().catch(() => this.#scheduleReinit());
    });
  }

  #accept(events: CacheEvent[]): void {
    this.#liveness?.heard();
    if (events.length === 0) return;
    for (const e of events) {
      this.#sharePrevious(e);
      if (e.type === "DELETED") this.store.remove(e.key);
      else this.#put(e);
      this.#history.append(e);
      this.#lastRevision = Math.max(this.#lastRevision, e.revision);
    }
    if (this.#freshWaiters.size > 0) this.#wakeFresh();
    if (!this.#settleTimer) this.#scheduleSettle(this.#clock.now() + SETTLE_AFTER_MS);
    this.#fanout.dispatch(events);
  }

  /**
   * Stores a PUT, with the decoding its writer announced for exactly these
   * bytes, if any. When that decoding replaces the stored JSON, the event
   * holds it too (a DecodedKeyValue) and the JSON is let go.
   */
  #put(e: CacheEvent): void {
    const kv = e.kv;
    const announced = this.#writes.size > 0 ? this.#writes.take(kv) : undefined;
    const replaced = announced && this.store.get(kv.key)?.obj;
    const el = this.store.put(kv);
    if (!announced) return;
    WatchCacheStore.adopt(el, announced.def, announced.obj, replaced);
    el.announced = true;
    e.kv = el.decodedKeyValue() ?? kv;
    if (announced.json && this.#fanout.size > 0)
      this.memo.adoptJson(e.kv, announced.def, announced.json());
  }

  /**
   * The held decoding of key for def when it is an announced write's (plain
   * JSON values, never mutated): the next write of key may share its
   * members without checking them again (see jsonCleanBeside).
   */
  announcedDecoding(key: string, def: ResourceDef): KObject | undefined {
    const el = this.store.get(key);
    return el?.announced && el.def === def ? el.obj : undefined;
  }

  /**
   * Announces a write under the prefix with its decoding (see
   * watch-cache-writes.ts); returns the withdrawal, to call if the write
   * fails.
   */
  expectWrite(key: string, write: ExpectedWrite): () => void {
    return this.#writes.expect(key, write);
  }

  /**
   * Points the event's previous state at a copy the cache already holds
   * (storage hands each event its own copy of the old value): the ring's
   * newest event for the key, else the store's element (its JSON, or its
   * decoding when that replaced the JSON), so the ring keeps one form per
   * object version. The store's decoding of that state goes to the memo, so
   * watchers filtering MODIFIED events do not parse it again. A DELETED
   * event keeps its last state as JSON: nothing else holds the decoding
   * once the key is gone, and the JSON is the smaller form.
   */
  #sharePrevious(e: CacheEvent): void {
    const held = this.store.get(e.key);
    if (!e.prevKv || !held || held.modRevision !== e.prevKv.modRevision) return;
    const recent = this.#history.recentPut(e.key, held.modRevision);
    if (e.type === "DELETED") {
      const prev =
        recent && !(recent instanceof DecodedKeyValue)
          ? recent
          : held.value !== undefined
            ? held.toKeyValue()
            : e.prevKv;
      e.prevKv = prev;
      e.kv = { ...prev, modRevision: e.kv.modRevision };
      return;
    }
    const prev = recent ?? held.decodedKeyValue() ?? held.toKeyValue();
    e.prevKv = prev;
    if (held.def && this.#fanout.size > 0 && !(prev instanceof DecodedKeyValue))
      this.memo.adopt(prev, held.def, held.obj!);
  }
}
