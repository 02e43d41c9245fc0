import { closeSync, mkdirSync, openSync } from "node:fs";
import { dirname } from "node:path";
import Database from "better-sqlite3";
import type {
  Backend,
  GetOptions,
  KeyValue,
  ListOptions,
  ListResult,
  Watcher,
  WatchOptions,
  WriteOptions,
} from "../backend.ts";
import { Broadcaster } from "../broadcaster.ts";
import { StorageError } from "../errors.ts";
import { SqliteCheckpointer } from "./sqlite-checkpointer.ts";
import { SqliteCompactor, type CompactionStats } from "./sqlite-compactor.ts";
import { SqliteLeases } from "./sqlite-leases.ts";
import { SqliteLiveCache } from "./sqlite-live-cache.ts";
import { SqliteReader } from "./sqlite-reader.ts";
import { initSchema } from "./sqlite-schema.ts";
import { checkKey, checkPrefix, checkRevision, checkTtl, checkValue } from "./sqlite-validate.ts";
import {
  SqliteWriter,
  type WalSync,
  type WriteRequest,
  type WriteResult,
} from "./sqlite-writer.ts";

/**
 * Time source for TTLs, in ms since the epoch. The project's Clock
 * (src/client/clock.ts) satisfies it; only now() is used.
 */
export interface TtlClock {
  now(): number;
}

export interface SqliteBackendOptions {
  /** Database file; its folder is created when missing. ":memory:" keeps everything in memory (tests). */
  path: string;
  /** Drives TTL expiry; tests pass a fake one and call expireDue(). Default: Date.now. */
  clock?: TtlClock;
  /** Period of automatic compaction, ms: each run compacts to the revision current one period before. 0 disables. Default 5 min. */
  compactIntervalMs?: number;
  /** How often expired TTL keys are deleted, ms. 0 disables (call expireDue()). Default 1000. */
  ttlCheckIntervalMs?: number;
  /** "full" (default): an acknowledged write survives power loss. "normal": survives a process crash only. */
  durability?: "full" | "normal";
  /** Test hook: replaces the WAL's fs.fdatasync (durability "full"). */
  walSync?: WalSync;
  /** Most writes per group commit. */
  maxBatch?: number;
  /** Checkpoint the WAL (on a worker thread) every this many transactions. Default 200. */
  checkpointEveryTransactions?: number;
  /** WAL size in pages from which writes pause briefly so the WAL can restart. Default: 64 MiB's worth. */
  walRestartFrames?: number;
  /** Upper bound on log rows per compaction step. */
  compactionStepRows?: number;
  /** Bounds of the cache of hot keys' latest values (default 4,096 entries, 8 Mi value chars). */
  liveCache?: { maxEntries?: number; maxChars?: number };
}

/** Counters exposed for tests, metrics and benchmarks. */
export interface SqliteStats {
  /** SQLite write transactions committed. */
  transactions: number;
  /** WAL fdatasyncs at durability "full" (several transactions may share one). */
  syncs: number;
  writes: number;
  largestBatch: number;
  /** Longest time one commit blocked the event loop, ms (wall clock; informational). */
  longestCommitMs: number;
  /** WAL checkpoints completed on the worker thread. */
  checkpoints: number;
  /** Times writes paused (queued) for a closing checkpoint that lets the WAL restart. */
  walRestarts: number;
  watchers: number;
  compaction: CompactionStats;
}

interface Open {
  db: Database.Database;
  walFd?: number;
  /** Absent for an in-memory database. */
  checkpointer?: SqliteCheckpointer;
  reader: SqliteReader;
  /** Latest values of hot keys, kept exact by the writer. */
  live: SqliteLiveCache;
  writer: SqliteWriter;
  compactor: SqliteCompactor;
  timers: NodeJS.Timeout[];
}

/** WAL size from which writes pause so the WAL can restart (see SqliteCheckpointer). */
const WAL_RESTART_BYTES = 64 * 1024 * 1024;

/**
 * The embedded storage driver: an append-only revision log in SQLite (WAL),
 * group-committed writes, an in-process watch broadcaster, TTL expiry and
 * background compaction. One SqliteBackend must own its database file: the
 * revision counter and the broadcaster live in this process.
 */
export class SqliteBackend implements Backend {
  readonly #opts: SqliteBackendOptions;
  readonly #clock: TtlClock;
  readonly #broadcaster = new Broadcaster();
  readonly #leases = new SqliteLeases();
  #open?: Open;
  #closed = false;

  constructor(opts: SqliteBackendOptions) {
    this.#opts = opts;
    this.#clock = opts.clock ?? { now: () => Date.now() };
  }

  async start(): Promise<void> {
    if (this.#open) return;
    if (this.#closed) throw new StorageError("Unavailable", "SqliteBackend: already closed");
    const o = this.#opts;
    const inMemory = o.path === ":memory:";
    if (!inMemory) mkdirSync(dirname(o.path), { recursive: true });
    const db = new Database(o.path);
    let walFd: number | undefined;
    try {
      // SQLite itself never fsyncs at commit (NORMAL); the writer fdatasyncs the
      // WAL off the event loop before acknowledging (durability "full").
      const state = initSchema(db, { synchronous: "NORMAL" });
      if (o.durability !== "normal" && !inMemory) walFd = openSync(`${o.path}-wal`, "r+");
      const live = new SqliteLiveCache(o.liveCache);
      const writer = new SqliteWriter(db, {
        live,
        revision: state.revision,
        walFd,
        sync: o.walSync,
        maxBatch: o.maxBatch,
        onDurable: (results) => this.#committed(results),
      });
      const compactor = new SqliteCompactor(db, {
        beforeStep: () => writer.indexPending(),
        compactRevision: state.compactRevision,
        cursor: state.compactCursor,
        maxStepRows: o.compactionStepRows,
      });
      // Checkpoints run on a worker thread, never inside a commit on the event loop.
      if (!inMemory) db.pragma("wal_autocheckpoint = 0");
      const checkpointer = inMemory
        ? undefined
        : new SqliteCheckpointer({
            path: o.path,
            everyTransactions: o.checkpointEveryTransactions,
            restartFrames: o.walRestartFrames ?? WAL_RESTART_BYTES / state.pageSize,
            onFailure: () => {
              if (db.open) db.pragma("wal_autocheckpoint = 1000");
            },
            pauseWrites: () => {
              writer.pause();
              compactor.pause();
            },
            resumeWrites: () => {
              writer.resume();
              compactor.resume();
            },
          });
      const reader = new SqliteReader(db, (lower, end) => writer.indexPendingIn(lower, end));
      const open: Open = {
        db,
        walFd,
        checkpointer,
        reader,
        live,
        writer,
        compactor,
        timers: [],
      };
      this.#leases.load(db);
      this.#open = open;
      compactor.resumeAfterRestart();
      this.#startTimers(open);
    } catch (err) {
      if (walFd !== undefined) closeSync(walFd);
      db.close();
      throw err;
    }
  }

  async close(): Promise<void> {
    const open = this.#open;
    this.#closed = true;
    if (!open) return;
    this.#open = undefined;
    for (const t of open.timers) clearInterval(t);
    open.compactor.close();
    open.writer.flushAll();
    await open.writer.syncIdle();
    this.#broadcaster.close();
    await open.checkpointer?.close();
    open.db.close();
    if (open.walFd !== undefined) closeSync(open.walFd);
  }

  /**
   * The latest durable revision, synchronously (cheap; for the API server's
   * hot paths). Every event up to it has been delivered to watchers.
   */
  latestRevision(): number {
    return this.#use().writer.durableRevision;
  }

  async currentRevision(): Promise<number> {
    return this.latestRevision();
  }

  async get(key: string, opts?: GetOptions): Promise<{ revision: number; kv?: KeyValue }> {
    checkKey(key);
    checkRevision("revision", opts?.revision);
    const { reader, live, writer } = this.#use();
    const at = this.#readAt(opts?.revision);
    // A key written since the last indexPending: kvn lacks its newest rows.
    const pending = writer.pendingId(key);
    if (at !== undefined) {
      if (pending !== undefined) writer.indexPending();
      return { revision: at, kv: reader.get(key, at) };
    }
    let kv = live.get(key);
    if (!kv) {
      kv = pending === undefined ? reader.get(key) : reader.row(pending);
      if (kv) live.set(kv);
    }
    return { revision: await this.#durable(), kv };
  }

  async list(prefix: string, opts: ListOptions = {}): Promise<ListResult> {
    checkPrefix(prefix);
    checkRevision("revision", opts.revision);
    checkRevision("limit", opts.limit);
    if (opts.after !== undefined && typeof opts.after !== "string") {
      throw new StorageError("InvalidArgument", "Invalid continuation: after must be a string");
    }
    const { reader, writer } = this.#use();
    const at = this.#readAt(opts.revision);
    const result = reader.list(prefix, {
      revision: at,
      readRevision: at ?? writer.committedRevision,
      limit: opts.limit ?? 0,
      after: opts.after,
      countRemaining: opts.countRemaining === true,
    });
    if (at === undefined) await this.#durable();
    return result;
  }

  async count(prefix: string): Promise<{ revision: number; count: number }> {
    checkPrefix(prefix);
    const { reader } = this.#use();
    const count = reader.count(prefix);
    return { revision: await this.#durable(), count };
  }

  async create(key: string, value: string, opts?: WriteOptions): Promise<KeyValue> {
    checkKey(key);
    checkValue(key, value);
    checkTtl(key, opts?.ttlSeconds);
    const r = await this.#write({ kind: "create", key, value, expiresAt: this.#expiry(opts) });
    return r.event.kv;
  }

  async update(
    key: string,
    value: string,
    expectedModRevision: number,
    opts?: WriteOptions,
  ): Promise<KeyValue> {
    checkKey(key);
    checkValue(key, value);
    checkTtl(key, opts?.ttlSeconds);
    checkRevision("expectedModRevision", expectedModRevision);
    const expiresAt = this.#expiry(opts);
    const r = await this.#write({
      kind: "update",
      key,
      value,
      expected: expectedModRevision,
      expiresAt,
    });
    return r.event.kv;
  }

  async delete(
    key: string,
    expectedModRevision?: number,
  ): Promise<{ revision: number; prevKv: KeyValue }> {
    checkKey(key);
    checkRevision("expectedModRevision", expectedModRevision);
    const r = await this.#write({ kind: "delete", key, expected: expectedModRevision });
    return { revision: r.revision, prevKv: r.event.prevKv! };
  }

  watch(prefix: string, opts: WatchOptions): Watcher {
    // Events up to the durable revision are published already: replay them from the log.
    const current = this.#open?.writer.durableRevision ?? 0;
    let error: StorageError | undefined;
    try {
      checkPrefix(prefix);
      checkRevision("startRevision", opts.startRevision);
      const { compactor } = this.#use();
      if (opts.startRevision > 0 && opts.startRevision < compactor.compactRevision) {
        error = compactedError(opts.startRevision, compactor.compactRevision);
      }
    } catch (err) {
      error = err as StorageError;
    }
    return this.#broadcaster.subscribe(prefix, {
      ...opts,
      currentRevision: current,
      error,
      history: (p, from, to, limit) => {
        const { reader, compactor } = this.#use();
        if (from < compactor.compactRevision) throw compactedError(from, compactor.compactRevision);
        return reader.history(p, from, to, limit);
      },
    });
  }

  async compact(revision: number): Promise<void> {
    checkRevision("revision", revision);
    const { compactor, writer } = this.#use();
    const latest = writer.committedRevision;
    if (revision > latest) throw futureError(revision, latest);
    compactor.compact(revision);
  }

  async compactedRevision(): Promise<number> {
    return this.#use().compactor.compactRevision;
  }

  /** Resolves once background compaction has deleted everything compact() allowed. */
  compactionIdle(): Promise<void> {
    return this.#use().compactor.idle();
  }

  /** Resolves when no WAL checkpoint is in flight. */
  checkpointIdle(): Promise<void> {
    return this.#use().checkpointer?.idle() ?? Promise.resolve();
  }

  /** Deletes every key whose TTL ended by clock.now(); resolves with how many it deleted. */
  async expireDue(): Promise<number> {
    const due = this.#leases.due(this.#clock.now());
    const settled = await Promise.allSettled(
      due.map(({ key, revision }) => this.#write({ kind: "delete", key, expected: revision })),
    );
    return settled.filter((s) => s.status === "fulfilled").length;
  }

  stats(): SqliteStats {
    const { writer, compactor, checkpointer } = this.#use();
    return {
      transactions: writer.transactions,
      syncs: writer.syncs,
      writes: writer.writes,
      largestBatch: writer.largestBatch,
      longestCommitMs: writer.longestCommitMs,
      checkpoints: checkpointer?.checkpoints ?? 0,
      walRestarts: checkpointer?.restarts ?? 0,
      watchers: this.#broadcaster.size,
      compaction: { ...compactor.stats },
    };
  }

  #use(): Open {
    if (this.#open) return this.#open;
    throw new StorageError(
      "Unavailable",
      this.#closed ? "SqliteBackend is closed" : "SqliteBackend is not started",
    );
  }

  /**
   * Commit-wait for live reads: called right after a synchronous read, it
   * resolves with the revision the read saw once that revision is durable, so
   * no read returns data a power loss could take back.
   */
  async #durable(): Promise<number> {
    const { writer } = this.#use();
    const revision = writer.committedRevision;
    const wait = writer.whenDurable(revision);
    if (wait) await wait;
    return revision;
  }

  /** Validates a read revision; undefined means "read the live view". */
  #readAt(revision: number | undefined): number | undefined {
    const latest = this.#use().writer.committedRevision;
    if (!revision || revision === latest) return undefined;
    if (revision > latest) throw futureError(revision, latest);
    const compacted = this.#use().compactor.compactRevision;
    if (revision < compacted) throw compactedError(revision, compacted);
    return revision;
  }

  #write(req: WriteRequest): Promise<WriteResult> {
    return this.#use().writer.submit(req);
  }

  #expiry(opts: WriteOptions | undefined): number {
    return opts?.ttlSeconds ? this.#clock.now() + opts.ttlSeconds * 1000 : 0;
  }

  /** Runs after each group commit, before any writer's promise settles. */
  #committed(results: WriteResult[]): void {
    const open = this.#open;
    if (open) {
      const total = open.writer.transactions + open.compactor.stats.steps;
      open.checkpointer?.noteTransactions(total, open.writer.idle);
    }
    this.#leases.record(results);
    this.#broadcaster.publish(results.map((r) => r.event));
  }

  #startTimers(open: Open): void {
    const ttlEvery = this.#opts.ttlCheckIntervalMs ?? 1000;
    if (ttlEvery > 0) {
      open.timers.push(setInterval(() => void this.expireDue().catch(() => {}), ttlEvery).unref());
    }
    const compactEvery = this.#opts.compactIntervalMs ?? 5 * 60_000;
    if (compactEvery > 0) {
      let previous = open.writer.committedRevision;
      const tick = () => {
        if (this.#open !== open) return;
        open.compactor.compact(previous);
        previous = open.writer.committedRevision;
      };
      open.timers.push(setInterval(tick, compactEvery).unref());
    }
  }
}

function compactedError(revision: number, compacted: number): StorageError {
  return new StorageError(
    "Compacted",
    `Revision ${revision} has been compacted; the oldest readable revision is ${compacted}`,
    { compactedRevision: compacted },
  );
}

function futureError(revision: number, latest: number): StorageError {
  return new StorageError(
    "FutureRevision",
    `Revision ${revision} is in the future; the latest revision is ${latest}`,
  );
}
