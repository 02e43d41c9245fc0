import { mkdirSync } from "node:fs";
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
import { SqliteCompactor, type CompactionStats } from "./sqlite-compactor.ts";
import { SqliteReader } from "./sqlite-reader.ts";
import { initSchema } from "./sqlite-schema.ts";
import { checkKey, checkPrefix, checkRevision, checkTtl, checkValue } from "./sqlite-validate.ts";
import { SqliteWriter, type WriteRequest, type WriteResult } from "./sqlite-writer.ts";

/** Time source for TTLs, in ms since the epoch. */
export interface Clock {
  now(): number;
}

export interface SqliteBackendOptions {
  /** Database file; its folder is created when missing. */
  path: string;
  /** Drives TTL expiry; tests pass a fake one and call expireDue(). Default: Date.now. */
  clock?: Clock;
  /** Period of automatic compaction, ms: each run compacts to the revision current one period before. 0 disables. Default 5 min. */
  compactIntervalMs?: number;
  /** How often expired TTL keys are deleted, ms. 0 disables (call expireDue()). Default 1000. */
  ttlCheckIntervalMs?: number;
  /** "full" (default): an acknowledged write survives power loss. "normal": survives a process crash only. */
  durability?: "full" | "normal";
  /** Most writes per group commit. */
  maxBatch?: number;
  /** Upper bound on log rows per compaction step. */
  compactionStepRows?: number;
}

/** Counters exposed for tests, metrics and benchmarks. */
export interface SqliteStats {
  /** Write transactions committed; each is one WAL fsync at durability "full". */
  transactions: number;
  writes: number;
  largestBatch: number;
  watchers: number;
  compaction: CompactionStats;
}

interface Open {
  db: Database.Database;
  reader: SqliteReader;
  writer: SqliteWriter;
  compactor: SqliteCompactor;
  timers: NodeJS.Timeout[];
}

/**
 * The embedded storage driver: an append-only revision log in SQLite (WAL),
 * group-committed writes, an in-process watch broadcaster, TTL expiry and
 * background compaction. One SqliteBackend must own its database file: the
 * revision counter and the broadcaster live in this process.
 */
export class SqliteBackend implements Backend {
  readonly #opts: SqliteBackendOptions;
  readonly #clock: Clock;
  readonly #broadcaster = new Broadcaster();
  /** Live keys with a TTL: key -> expiry (clock ms) and the revision that set it. */
  readonly #leases = new Map<string, { expiresAt: number; revision: number }>();
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
    mkdirSync(dirname(o.path), { recursive: true });
    const db = new Database(o.path);
    const synchronous = o.durability === "normal" ? "NORMAL" : "FULL";
    try {
      const state = initSchema(db, { synchronous });
      const writer = new SqliteWriter(db, {
        revision: state.revision,
        maxBatch: o.maxBatch,
        onCommit: (results) => this.#committed(results),
      });
      const compactor = new SqliteCompactor(db, {
        compactRevision: state.compactRevision,
        cursor: state.compactCursor,
        maxStepRows: o.compactionStepRows,
        synchronous,
      });
      const open: Open = { db, reader: new SqliteReader(db), writer, compactor, timers: [] };
      this.#loadLeases(db);
      this.#open = open;
      compactor.resume();
      this.#startTimers(open);
    } catch (err) {
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
    this.#broadcaster.close();
    open.db.close();
  }

  /** The latest committed revision, synchronously (cheap; for the API server's hot paths). */
  latestRevision(): number {
    return this.#use().writer.committedRevision;
  }

  async currentRevision(): Promise<number> {
    return this.latestRevision();
  }

  async get(key: string, opts?: GetOptions): Promise<{ revision: number; kv?: KeyValue }> {
    checkKey(key);
    checkRevision("revision", opts?.revision);
    const { reader } = this.#use();
    const at = this.#readAt(opts?.revision);
    if (at === undefined) return { revision: this.latestRevision(), kv: reader.get(key) };
    return { revision: at, kv: reader.get(key, at) };
  }

  async list(prefix: string, opts: ListOptions = {}): Promise<ListResult> {
    checkPrefix(prefix);
    checkRevision("revision", opts.revision);
    checkRevision("limit", opts.limit);
    if (opts.after !== undefined && typeof opts.after !== "string") {
      throw new StorageError("InvalidArgument", "Invalid continuation: after must be a string");
    }
    const { reader } = this.#use();
    const at = this.#readAt(opts.revision);
    return reader.list(prefix, {
      revision: at,
      readRevision: at ?? this.latestRevision(),
      limit: opts.limit ?? 0,
      after: opts.after,
    });
  }

  async count(prefix: string): Promise<{ revision: number; count: number }> {
    checkPrefix(prefix);
    const { reader } = this.#use();
    return { revision: this.latestRevision(), count: reader.count(prefix) };
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
    const current = this.#open?.writer.committedRevision ?? 0;
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
    const { compactor } = this.#use();
    if (revision > this.latestRevision()) throw futureError(revision, this.latestRevision());
    compactor.compact(revision);
  }

  async compactedRevision(): Promise<number> {
    return this.#use().compactor.compactRevision;
  }

  /** Resolves once background compaction has deleted everything compact() allowed. */
  compactionIdle(): Promise<void> {
    return this.#use().compactor.idle();
  }

  /** Deletes every key whose TTL ended by clock.now(); resolves with how many it deleted. */
  async expireDue(): Promise<number> {
    const now = this.#clock.now();
    const due: Promise<WriteResult>[] = [];
    for (const [key, lease] of this.#leases) {
      if (lease.expiresAt <= now) {
        due.push(this.#write({ kind: "delete", key, expected: lease.revision }));
      }
    }
    const settled = await Promise.allSettled(due);
    return settled.filter((s) => s.status === "fulfilled").length;
  }

  stats(): SqliteStats {
    const { writer, compactor } = this.#use();
    return {
      transactions: writer.transactions,
      writes: writer.writes,
      largestBatch: writer.largestBatch,
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

  /** Validates a read revision; undefined means "read the live view". */
  #readAt(revision: number | undefined): number | undefined {
    const latest = this.latestRevision();
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
    for (const r of results) {
      const key = r.event.kv.key;
      if (r.expiresAt > 0) this.#leases.set(key, { expiresAt: r.expiresAt, revision: r.revision });
      else this.#leases.delete(key);
    }
    this.#broadcaster.publish(results.map((r) => r.event));
  }

  #loadLeases(db: Database.Database): void {
    const rows = db
      .prepare(
        "SELECT c.name, c.id, k.expires_at FROM current c JOIN kv k ON k.id = c.id WHERE k.expires_at > 0",
      )
      .all() as { name: string; id: number; expires_at: number }[];
    for (const r of rows) this.#leases.set(r.name, { expiresAt: r.expires_at, revision: r.id });
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
