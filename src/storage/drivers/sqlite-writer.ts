import { fdatasync, fdatasyncSync } from "node:fs";
import { performance } from "node:perf_hooks";
import type Database from "better-sqlite3";
import type { KeyValue, WatchEvent } from "../backend.ts";
import { StorageError } from "../errors.ts";
import { compareKeys } from "../key-order.ts";
import type { SqliteLiveCache } from "./sqlite-live-cache.ts";
import {
  byNameThenId,
  LATEST_ROW_SQL,
  ROW_BY_ID_SQL,
  toKeyValue,
  type LogRow,
} from "./sqlite-schema.ts";

/** The writer indexes its pending rows (indexPending) after this many transactions... */
const INDEX_EVERY_TRANSACTIONS = 25;
/** ...or once this many rows are pending. */
const INDEX_MAX_ROWS = 4096;

/** key's "directory": through its last "/" ("" when it has none). */
const dirOf = (key: string) => key.slice(0, key.lastIndexOf("/") + 1);

/**
 * The first string after every key that starts with dir (which ends in
 * "/": "/" + 1 is "0"). Below it sorts no key outside dir, by UTF-16 units
 * and by UTF-8 bytes alike, since only the last, ASCII character differs.
 */
const dirEnd = (dir: string) => `${dir.slice(0, -1)}0`;

/** One write as the API asked for it; checks run inside the commit transaction. */
export type WriteRequest =
  | { kind: "create"; key: string; value: string; expiresAt: number }
  | { kind: "update"; key: string; value: string; expected: number; expiresAt: number }
  | { kind: "delete"; key: string; expected?: number };

/** What a committed write produced. */
export interface WriteResult {
  revision: number;
  event: WatchEvent;
  /** For PUTs: the expiry time written (0: none). */
  expiresAt: number;
}

export interface WriterOptions {
  /** The last revision already stored; new writes get revisions above it. */
  revision: number;
  /**
   * File descriptor of the WAL; fdatasync'd before writes are acknowledged.
   * Undefined: acknowledge after the SQLite commit (survives a process crash
   * but not power loss).
   */
  walFd?: number;
  /** Syncs the WAL off the event loop (default fs.fdatasync); tests substitute a controllable one. */
  sync?: WalSync;
  /** Most writes committed in one transaction. */
  maxBatch?: number;
  /** Called once writes are durable, before their promises settle, with results in revision order. */
  onDurable(results: WriteResult[]): void;
  /** Called when the WAL cannot be synced; the writer refuses all work afterwards. */
  onFatal?(err: StorageError): void;
  /** Kept in step with every write (see SqliteLiveCache); its hits spare the live-row query. */
  live?: SqliteLiveCache;
}

/** fdatasync's shape: sync fd, then call back once durable (or with the failure). */
export type WalSync = (fd: number, done: (err: Error | null) => void) => void;

interface Pending {
  req: WriteRequest;
  resolve(r: WriteResult): void;
  reject(err: unknown): void;
}

/** A committed transaction waiting for its fdatasync. */
interface Committed {
  /** The store revision after this transaction; durable once synced >= it. */
  revision: number;
  batch: Pending[];
  outcomes: (WriteResult | StorageError)[];
}

/**
 * Group commit in two stages. Writes submitted in the same event-loop turn
 * are applied in one SQLite transaction (synchronous=NORMAL: no fsync inside
 * SQLite). The WAL is then fdatasync'd on the libuv thread pool, off the event
 * loop; transactions committed while a sync runs are covered together by the
 * next one, so concurrent writers share fsyncs. A write is acknowledged (its
 * promise settles, its watch event is published) only after a sync that
 * started after its commit has finished.
 *
 * Each write's compare-and-swap check runs inside its transaction, in
 * submission order, so later writes see earlier ones. A failed check rejects
 * only its own write and consumes no revision; it too is reported only once
 * the state it was checked against is durable.
 */
export class SqliteWriter {
  readonly #db: Database.Database;
  readonly #walFd?: number;
  readonly #sync: WalSync;
  #syncIdle: Array<() => void> = [];
  readonly #maxBatch: number;
  readonly #onDurable: (results: WriteResult[]) => void;
  readonly #onFatal?: (err: StorageError) => void;
  readonly #live?: SqliteLiveCache;
  readonly #selLive: Database.Statement;
  readonly #insKv: Database.Statement;
  readonly #txn: (batch: Pending[]) => (WriteResult | StorageError)[];
  #queue: Pending[] = [];
  #scheduled = false;
  #paused = false;
  /** Revision of the last SQLite commit. */
  #committed: number;
  /** Revision known durable (and published). */
  #durable: number;
  #next: number;
  #unsynced: Committed[] = [];
  #syncing = false;
  #durableWaiters: Array<{ revision: number; resolve(): void; reject(err: unknown): void }> = [];
  #fatal?: StorageError;
  /** (name, id) of the committed log rows kvn does not hold yet, in commit order. */
  #pending: Array<[string, number]> = [];
  /** Each key of #pending with its newest row's id there. */
  #pendingLatest = new Map<string, number>();
  /** The "directories" of #pendingLatest's keys (each through its last "/"). */
  #pendingDirs = new Set<string>();
  #sinceIndexed = 0;
  readonly #selRow: Database.Statement;
  readonly #insKvn: Database.Statement;
  readonly #setIndexed: Database.Statement;
  readonly #indexTxn: (rows: Array<[string, number]>, upto: number) => void;
  /** SQLite write transactions committed. */
  transactions = 0;
  /** Durability points: WAL fdatasync calls completed (commits, without a WAL fd). */
  syncs = 0;
  /** Writes committed. */
  writes = 0;
  largestBatch = 0;
  /** Longest SQLite commit (event loop blocked), ms; includes any WAL checkpoint it ran. */
  longestCommitMs = 0;

  constructor(db: Database.Database, opts: WriterOptions) {
    this.#db = db;
    this.#walFd = opts.walFd;
    this.#sync = opts.sync ?? fdatasync;
    this.#maxBatch = opts.maxBatch ?? 2000;
    this.#onDurable = opts.onDurable;
    this.#onFatal = opts.onFatal;
    this.#live = opts.live;
    this.#committed = opts.revision;
    this.#durable = opts.revision;
    this.#next = opts.revision;
    this.#selLive = db.prepare(LATEST_ROW_SQL);
    this.#insKv = db.prepare(
      "INSERT INTO kv (id, name, create_revision, prev_revision, deleted, expires_at, value) VALUES (?, ?, ?, ?, ?, ?, ?)",
    );
    this.#txn = db.transaction((batch: Pending[]) => batch.map((p) => this.#apply(p.req)));
    this.#selRow = db.prepare(ROW_BY_ID_SQL);
    this.#insKvn = db.prepare("INSERT OR IGNORE INTO kvn (name, id) VALUES (?, ?)");
    this.#setIndexed = db.prepare(
      "INSERT INTO meta (k, v) VALUES ('indexed_upto', ?) ON CONFLICT (k) DO UPDATE SET v = excluded.v",
    );
    this.#indexTxn = db.transaction((rows: Array<[string, number]>, upto: number) => {
      for (const [name, id] of rows) this.#insKvn.run(name, id);
      this.#setIndexed.run(upto);
    });
  }

  /** Id of key's newest committed log row when kvn does not hold it yet (see indexPending). */
  pendingId(key: string): number | undefined {
    return this.#pendingLatest.get(key);
  }

  /**
   * indexPending when a key in [lower, end) (end undefined: no bound) has
   * pending rows. A range read needs only its own keys' rows in kvn; reads
   * of other resources between writes then cost no fill each.
   *
   * Walks the pending keys' directories, not the keys (up to INDEX_MAX_ROWS
   * of them): a directory D holds keys in [D, D's prefix end), so one
   * outside the range is skipped whole, and one inside it (or cut by a
   * bound: a page's continue key) counts as a hit. A false hit costs only
   * an early indexPending; a pending key in range is never missed.
   */
  indexPendingIn(lower: string, end: string | undefined): void {
    for (const dir of this.#pendingDirs) {
      if (end !== undefined && compareKeys(dir, end) >= 0) continue;
      if (dir !== "" && compareKeys(dirEnd(dir), lower) <= 0) continue;
      this.indexPending();
      return;
    }
  }

  /**
   * Puts every committed log row into kvn, in key order, in one transaction
   * of its own (see SCHEMA_SQL: the deferred name index). Range reads and
   * compaction steps call it first; a failure leaves the rows pending.
   */
  indexPending(): void {
    this.#sinceIndexed = 0;
    if (this.#pending.length === 0) return;
    const rows = this.#pending;
    rows.sort(byNameThenId);
    try {
      this.#indexTxn(rows, this.#committed);
    } catch (err) {
      // A full disk or an I/O error: the reads waiting on the fill answer 503, not a raw error.
      throw new StorageError("Unavailable", `Cannot fill the SQLite name index: ${String(err)}`);
    }
    this.#pending = [];
    this.#pendingLatest.clear();
    this.#pendingDirs.clear();
  }

  /** Revision of the last commit; its data may not be durable yet (see whenDurable). */
  get committedRevision(): number {
    return this.#committed;
  }

  /** True when nothing is queued, committed-but-unsynced, or syncing. */
  get idle(): boolean {
    return this.#queue.length === 0 && this.#unsynced.length === 0 && !this.#syncing;
  }

  /** The newest durable revision; every event up to it has been published. */
  get durableRevision(): number {
    return this.#durable;
  }

  /**
   * Undefined when revision is already durable, else a promise that settles
   * once it is. Readers call this with committedRevision after reading, so
   * they never return data a power loss could take back.
   */
  whenDurable(revision: number): Promise<void> | undefined {
    if (this.#fatal) return Promise.reject(this.#fatal);
    if (revision <= this.#durable) return undefined;
    return new Promise((resolve, reject) =>
      this.#durableWaiters.push({ revision, resolve, reject }),
    );
  }

  /** Queues a write for the next group commit. */
  submit(req: WriteRequest): Promise<WriteResult> {
    if (this.#fatal) return Promise.reject(this.#fatal);
    return new Promise((resolve, reject) => {
      this.#queue.push({ req, resolve, reject });
      if (!this.#scheduled) {
        this.#scheduled = true;
        setImmediate(() => this.#flushLoop());
      }
    });
  }

  /** Resolves when no WAL sync is in flight (call after flushAll, before closing the WAL fd). */
  syncIdle(): Promise<void> {
    if (!this.#syncing) return Promise.resolve();
    return new Promise((resolve) => this.#syncIdle.push(resolve));
  }

  /** Commits and syncs everything queued now, synchronously (used on close). */
  flushAll(): void {
    while (this.#queue.length > 0) this.#commitOnce();
    if (!this.#fatal) this.#indexAfterCommit();
    if (this.#fatal || this.#unsynced.length === 0) return;
    try {
      if (this.#walFd !== undefined) fdatasyncSync(this.#walFd);
    } catch (err) {
      this.#fail(err);
      return;
    }
    this.syncs++;
    this.#synced(this.#committed);
  }

  /** Holds new transactions (writes stay queued) until resume(); see SqliteCheckpointer. */
  pause(): void {
    this.#paused = true;
  }

  resume(): void {
    this.#paused = false;
    if (this.#queue.length > 0 && !this.#scheduled) {
      this.#scheduled = true;
      setImmediate(() => this.#flushLoop());
    }
  }

  #flushLoop(): void {
    this.#scheduled = false;
    if (this.#paused) return;
    this.#commitOnce();
    if (this.#queue.length > 0 && !this.#scheduled) {
      this.#scheduled = true;
      setImmediate(() => this.#flushLoop());
    }
  }

  #commitOnce(): void {
    if (this.#fatal) return;
    const batch =
      this.#queue.length <= this.#maxBatch ? this.#queue : this.#queue.slice(0, this.#maxBatch);
    this.#queue = batch === this.#queue ? [] : this.#queue.slice(this.#maxBatch);
    if (batch.length === 0) return;
    const base = this.#next;
    const pendingBefore = this.#pending.length;
    let outcomes: (WriteResult | StorageError)[];
    const t0 = performance.now();
    try {
      outcomes = this.#txn(batch);
    } catch (err) {
      this.#next = base;
      // Rolled back: the cache may hold writes of this transaction.
      this.#live?.clear();
      this.#forgetPending(pendingBefore);
      const failure = new StorageError("Unavailable", `SQLite commit failed: ${String(err)}`);
      for (const p of batch) p.reject(failure);
      return;
    }
    this.longestCommitMs = Math.max(this.longestCommitMs, performance.now() - t0);
    this.#committed = this.#next;
    this.transactions++;
    if (++this.#sinceIndexed >= INDEX_EVERY_TRANSACTIONS || this.#pending.length >= INDEX_MAX_ROWS)
      this.#indexAfterCommit();
    this.largestBatch = Math.max(this.largestBatch, batch.length);
    this.#unsynced.push({ revision: this.#committed, batch, outcomes });
    if (this.#walFd === undefined) {
      this.syncs++;
      this.#synced(this.#committed);
    } else if (this.#committed === this.#durable && this.#unsynced.length === 1) {
      // Only failed checks, against durable state: nothing to sync.
      this.#synced(this.#committed);
    } else {
      this.#startSync();
    }
  }

  /** Keeps at most one fdatasync in flight; it covers every commit made before it started. */
  #startSync(): void {
    if (this.#syncing || this.#fatal || this.#unsynced.length === 0) return;
    this.#syncing = true;
    const covers = this.#committed;
    this.#sync(this.#walFd!, (err) => {
      this.#syncing = false;
      if (err) {
        this.#fail(err);
      } else {
        this.syncs++;
        this.#synced(covers);
      }
      this.#startSync();
      if (!this.#syncing) for (const resolve of this.#syncIdle.splice(0)) resolve();
    });
  }

  /** Acknowledges every transaction at or below revision, in commit order. */
  #synced(revision: number): void {
    this.#durable = Math.max(this.#durable, revision);
    let done = 0;
    while (done < this.#unsynced.length && this.#unsynced[done].revision <= this.#durable) done++;
    const ready = this.#unsynced.splice(0, done);
    const results: WriteResult[] = [];
    for (const c of ready) {
      for (const o of c.outcomes) if (!(o instanceof StorageError)) results.push(o);
    }
    this.writes += results.length;
    if (results.length > 0) this.#onDurable(results);
    for (const c of ready) {
      for (let i = 0; i < c.batch.length; i++) {
        const o = c.outcomes[i];
        if (o instanceof StorageError) c.batch[i].reject(o);
        else c.batch[i].resolve(o);
      }
    }
    if (this.#durableWaiters.length > 0) {
      const waiting = this.#durableWaiters;
      this.#durableWaiters = [];
      for (const w of waiting) {
        if (w.revision <= this.#durable) w.resolve();
        else this.#durableWaiters.push(w);
      }
    }
  }

  /** A failed fdatasync leaves the WAL's state unknown: refuse all further work. */
  #fail(err: unknown): void {
    const fatal = new StorageError("Unavailable", `Cannot sync the SQLite WAL: ${String(err)}`);
    this.#fatal = fatal;
    for (const c of this.#unsynced.splice(0)) for (const p of c.batch) p.reject(fatal);
    for (const p of this.#queue.splice(0)) p.reject(fatal);
    for (const w of this.#durableWaiters.splice(0)) w.reject(fatal);
    this.#onFatal?.(fatal);
  }

  /** Runs inside the transaction. Returns (not throws) check failures so the batch continues. */
  #apply(req: WriteRequest): WriteResult | StorageError {
    const prevKv = this.#liveKv(req.key);
    if (req.kind === "create") {
      if (prevKv) {
        return new StorageError("KeyExists", `Key ${req.key} already exists`, { key: req.key });
      }
    } else {
      if (!prevKv)
        return new StorageError("KeyNotFound", `Key ${req.key} not found`, { key: req.key });
      if (req.expected !== undefined && req.expected !== prevKv.modRevision) {
        return new StorageError(
          "Conflict",
          `Key ${req.key} was modified at revision ${prevKv.modRevision}, expected ${req.expected}`,
          { key: req.key, current: prevKv },
        );
      }
    }
    const revision = ++this.#next;
    if (req.kind === "delete") {
      this.#insKv.run(revision, req.key, prevKv!.createRevision, prevKv!.modRevision, 1, 0, "");
      this.#live?.delete(req.key);
      this.#addPending(req.key, revision);
      const kv: KeyValue = { key: req.key, value: "", createRevision: 0, modRevision: revision };
      return { revision, event: { type: "DELETE", kv, prevKv }, expiresAt: 0 };
    }
    const createRevision = prevKv ? prevKv.createRevision : revision;
    this.#insKv.run(
      revision,
      req.key,
      createRevision,
      prevKv ? prevKv.modRevision : 0,
      0,
      req.expiresAt,
      req.value,
    );
    const kv: KeyValue = { key: req.key, value: req.value, createRevision, modRevision: revision };
    this.#live?.set(kv);
    this.#addPending(req.key, revision);
    const event: WatchEvent = prevKv ? { type: "PUT", kv, prevKv } : { type: "PUT", kv };
    return { revision, event, expiresAt: req.expiresAt };
  }

  /** Records key's new log row (id) as pending, with its directory. */
  #addPending(key: string, id: number): void {
    this.#pending.push([key, id]);
    if (this.#pendingLatest.has(key)) {
      this.#pendingLatest.set(key, id);
      return;
    }
    this.#pendingLatest.set(key, id);
    this.#pendingDirs.add(dirOf(key));
  }

  /** After a rollback: drops the pending rows from index `keep` on. */
  #forgetPending(keep: number): void {
    if (this.#pending.length === keep) return;
    const rows = this.#pending.slice(0, keep);
    this.#pending = [];
    this.#pendingLatest.clear();
    this.#pendingDirs.clear();
    for (const [name, id] of rows) this.#addPending(name, id);
  }

  /** indexPending on the write path: a failure there must not fail the commit it follows. */
  #indexAfterCommit(): void {
    try {
      this.indexPending();
    } catch {
      // The rows stay pending; the next commit, read or close tries again.
    }
  }

  /** key's live KeyValue inside the transaction: from the live cache, else the database. */
  #liveKv(key: string): KeyValue | undefined {
    const cached = this.#live?.get(key);
    if (cached) return cached;
    const pending = this.#pendingLatest.get(key);
    const row = (
      pending === undefined
        ? this.#selLive.get(key, Number.MAX_SAFE_INTEGER)
        : this.#selRow.get(pending)
    ) as LogRow | undefined;
    return row && !row.deleted ? toKeyValue(row) : undefined;
  }
}
