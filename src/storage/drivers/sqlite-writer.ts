import type Database from "better-sqlite3";
import type { KeyValue, WatchEvent } from "../backend.ts";
import { StorageError } from "../errors.ts";
import { toKeyValue, type LiveRow } from "./sqlite-schema.ts";

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
  /** Most writes committed in one transaction. */
  maxBatch?: number;
  /** Called after each commit, before any write's promise settles, with results in revision order. */
  onCommit(results: WriteResult[]): void;
}

interface Pending {
  req: WriteRequest;
  resolve(r: WriteResult): void;
  reject(err: unknown): void;
}

/**
 * Group commit: writes submitted while a flush is pending (the same
 * event-loop turn, or while the previous transaction ran) are applied in one
 * SQLite transaction, so they share one WAL fsync. Each write's
 * compare-and-swap check runs inside that transaction, in submission order, so
 * a later write in a batch sees the earlier ones. A failed check rejects only
 * its own write and consumes no revision. A write's promise settles only after
 * its transaction committed.
 */
export class SqliteWriter {
  readonly #db: Database.Database;
  readonly #maxBatch: number;
  readonly #onCommit: (results: WriteResult[]) => void;
  readonly #selLive: Database.Statement;
  readonly #insKv: Database.Statement;
  readonly #upsertCur: Database.Statement;
  readonly #delCur: Database.Statement;
  readonly #txn: (batch: Pending[]) => (WriteResult | StorageError)[];
  #queue: Pending[] = [];
  #scheduled = false;
  #committed: number;
  #next: number;
  /** Transactions committed (each is one fsync at synchronous=FULL). */
  transactions = 0;
  /** Writes committed. */
  writes = 0;
  largestBatch = 0;

  constructor(db: Database.Database, opts: WriterOptions) {
    this.#db = db;
    this.#maxBatch = opts.maxBatch ?? 2000;
    this.#onCommit = opts.onCommit;
    this.#committed = opts.revision;
    this.#next = opts.revision;
    this.#selLive = db.prepare(
      "SELECT c.name, c.id, k.create_revision, k.expires_at, k.value FROM current c JOIN kv k ON k.id = c.id WHERE c.name = ?",
    );
    this.#insKv = db.prepare(
      "INSERT INTO kv (id, name, create_revision, prev_revision, deleted, expires_at, value) VALUES (?, ?, ?, ?, ?, ?, ?)",
    );
    this.#upsertCur = db.prepare(
      "INSERT INTO current (name, id) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET id = excluded.id",
    );
    this.#delCur = db.prepare("DELETE FROM current WHERE name = ?");
    this.#txn = db.transaction((batch: Pending[]) => batch.map((p) => this.#apply(p.req)));
  }

  /** The newest committed revision. */
  get committedRevision(): number {
    return this.#committed;
  }

  /** Queues a write for the next group commit. */
  submit(req: WriteRequest): Promise<WriteResult> {
    return new Promise((resolve, reject) => {
      this.#queue.push({ req, resolve, reject });
      if (!this.#scheduled) {
        this.#scheduled = true;
        setImmediate(() => this.#flushLoop());
      }
    });
  }

  /** Commits everything queued now, synchronously (used on close). */
  flushAll(): void {
    while (this.#queue.length > 0) this.#flushOnce();
  }

  #flushLoop(): void {
    this.#scheduled = false;
    this.#flushOnce();
    if (this.#queue.length > 0 && !this.#scheduled) {
      this.#scheduled = true;
      setImmediate(() => this.#flushLoop());
    }
  }

  #flushOnce(): void {
    const batch =
      this.#queue.length <= this.#maxBatch ? this.#queue : this.#queue.slice(0, this.#maxBatch);
    this.#queue = batch === this.#queue ? [] : this.#queue.slice(this.#maxBatch);
    if (batch.length === 0) return;
    const base = this.#next;
    let outcomes: (WriteResult | StorageError)[];
    try {
      outcomes = this.#txn(batch);
    } catch (err) {
      this.#next = base;
      const failure = new StorageError("Unavailable", `SQLite commit failed: ${String(err)}`);
      for (const p of batch) p.reject(failure);
      return;
    }
    this.#committed = this.#next;
    this.transactions++;
    this.largestBatch = Math.max(this.largestBatch, batch.length);
    const results: WriteResult[] = [];
    for (const o of outcomes) if (!(o instanceof StorageError)) results.push(o);
    this.writes += results.length;
    if (results.length > 0) this.#onCommit(results);
    for (let i = 0; i < batch.length; i++) {
      const o = outcomes[i];
      if (o instanceof StorageError) batch[i].reject(o);
      else batch[i].resolve(o);
    }
  }

  /** Runs inside the transaction. Returns (not throws) check failures so the batch continues. */
  #apply(req: WriteRequest): WriteResult | StorageError {
    const live = this.#selLive.get(req.key) as LiveRow | undefined;
    const prevKv = live ? toKeyValue(live) : undefined;
    if (req.kind === "create") {
      if (live) {
        return new StorageError("KeyExists", `Key ${req.key} already exists`, { key: req.key });
      }
    } else {
      if (!live)
        return new StorageError("KeyNotFound", `Key ${req.key} not found`, { key: req.key });
      if (req.expected !== undefined && req.expected !== live.id) {
        return new StorageError(
          "Conflict",
          `Key ${req.key} was modified at revision ${live.id}, expected ${req.expected}`,
          { key: req.key, current: prevKv },
        );
      }
    }
    const revision = ++this.#next;
    if (req.kind === "delete") {
      this.#insKv.run(revision, req.key, live!.create_revision, live!.id, 1, 0, "");
      this.#delCur.run(req.key);
      const kv: KeyValue = { key: req.key, value: "", createRevision: 0, modRevision: revision };
      return { revision, event: { type: "DELETE", kv, prevKv }, expiresAt: 0 };
    }
    const createRevision = live ? live.create_revision : revision;
    this.#insKv.run(
      revision,
      req.key,
      createRevision,
      live ? live.id : 0,
      0,
      req.expiresAt,
      req.value,
    );
    this.#upsertCur.run(req.key, revision);
    const kv: KeyValue = { key: req.key, value: req.value, createRevision, modRevision: revision };
    const event: WatchEvent = prevKv ? { type: "PUT", kv, prevKv } : { type: "PUT", kv };
    return { revision, event, expiresAt: req.expiresAt };
  }
}
