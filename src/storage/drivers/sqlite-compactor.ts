import { performance } from "node:perf_hooks";
import type Database from "better-sqlite3";
import { byNameThenId } from "./sqlite-schema.ts";

export interface CompactorOptions {
  compactRevision: number;
  cursor: number;
  /** Upper bound on log rows one step examines. Default 500. */
  maxStepRows?: number;
  /** Step duration the adaptive step size aims under, in ms. Default 2. */
  targetStepMs?: number;
  /** Runs before each step, outside its transaction: indexes the pending log rows (kvn). */
  beforeStep?: () => void;
}

/** Figures about physical compaction, for tests and metrics. */
export interface CompactionStats {
  steps: number;
  rowsDeleted: number;
  /** Longest single step (one transaction), wall-clock ms. */
  longestStepMs: number;
  /** Most log rows one step examined. */
  largestStepRows: number;
}

/**
 * Compaction of the revision log. compact(rev) is logical and immediate: rev
 * becomes the oldest readable revision (persisted first, so a restart never
 * serves compacted history). Physical deletion follows in the background, in
 * small steps, each its own short transaction, yielding to the event loop in
 * between so writes and reads never wait behind more than one step.
 *
 * Which rows go: a log row is superseded at revision C when the write that
 * replaced it (the row whose prev_revision points at it) has id <= C; a
 * tombstone at or below C is no longer needed either. So each step walks log
 * rows in id order from the cursor and deletes their predecessors and their
 * tombstones; it never scans by key. The cursor is persisted with each step.
 */
export class SqliteCompactor {
  readonly #maxRows: number;
  readonly #targetMs: number;
  readonly #selRows: Database.Statement;
  readonly #delRow: Database.Statement;
  readonly #delKvn: Database.Statement;
  readonly #beforeStep: () => void;
  readonly #setMeta: Database.Statement;
  readonly #step: (target: number, limit: number) => number;
  #compactRevision: number;
  #cursor: number;
  #stepRows: number;
  #running = false;
  #paused = false;
  /** A step was due while paused; resume() reschedules it. */
  #stalled = false;
  #closed = false;
  #idle: Array<() => void> = [];
  readonly stats: CompactionStats = {
    steps: 0,
    rowsDeleted: 0,
    longestStepMs: 0,
    largestStepRows: 0,
  };

  constructor(db: Database.Database, opts: CompactorOptions) {
    this.#compactRevision = opts.compactRevision;
    this.#cursor = opts.cursor;
    this.#maxRows = opts.maxStepRows ?? 500;
    this.#targetMs = opts.targetStepMs ?? 2;
    this.#stepRows = Math.min(200, this.#maxRows);
    this.#selRows = db.prepare(
      "SELECT id, name, prev_revision, deleted FROM kv WHERE id > ? AND id <= ? ORDER BY id LIMIT ?",
    );
    this.#delRow = db.prepare("DELETE FROM kv WHERE id = ?");
    this.#delKvn = db.prepare("DELETE FROM kvn WHERE name = ? AND id = ?");
    this.#beforeStep = opts.beforeStep ?? (() => {});
    this.#setMeta = db.prepare(
      "INSERT INTO meta (k, v) VALUES (?, ?) ON CONFLICT (k) DO UPDATE SET v = excluded.v",
    );
    this.#step = db.transaction((target: number, limit: number) => {
      const rows = this.#selRows.all(this.#cursor, target, limit) as {
        id: number;
        name: string;
        prev_revision: number;
        deleted: number;
      }[];
      // A row's predecessor is the same key's (prev_revision). Log rows go in
      // id order; their kvn entries in key order, so neighbours share pages.
      const ids: number[] = [];
      const names: Array<[string, number]> = [];
      for (const row of rows) {
        if (row.prev_revision > 0) {
          ids.push(row.prev_revision);
          names.push([row.name, row.prev_revision]);
        }
        if (row.deleted) {
          ids.push(row.id);
          names.push([row.name, row.id]);
        }
      }
      names.sort(byNameThenId);
      for (const [name, id] of names) this.#delKvn.run(name, id);
      let deleted = 0;
      for (const id of ids) deleted += this.#delRow.run(id).changes;
      const cursor = rows.length < limit ? target : rows[rows.length - 1].id;
      this.#setMeta.run("compact_cursor", cursor);
      this.#cursor = cursor;
      this.stats.largestStepRows = Math.max(this.stats.largestStepRows, rows.length);
      return deleted;
    });
  }

  /** The oldest readable revision. */
  get compactRevision(): number {
    return this.#compactRevision;
  }

  /** Makes revision the oldest readable one (durably) and starts background deletion. No-op when not newer. */
  compact(revision: number): void {
    if (revision <= this.#compactRevision) return;
    this.#setMeta.run("compact_rev", revision);
    this.#compactRevision = revision;
    this.#schedule();
  }

  /** Resumes deletion left over from before a restart. */
  resumeAfterRestart(): void {
    if (this.#cursor < this.#compactRevision) this.#schedule();
  }

  /** Holds further steps (see SqliteCheckpointer); the current one is synchronous and done. */
  pause(): void {
    this.#paused = true;
  }

  resume(): void {
    if (!this.#paused) return;
    this.#paused = false;
    if (this.#stalled) {
      this.#stalled = false;
      setImmediate(this.#tick);
    }
  }

  /** Resolves once physical deletion has caught up with the compact revision. */
  idle(): Promise<void> {
    if (!this.#running) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }

  /** Stops scheduling steps; a running step is synchronous, so none is left half done. */
  close(): void {
    this.#closed = true;
    this.#wake();
  }

  /** Runs one bounded step; returns whether work remains. */
  runStep(): boolean {
    const target = this.#compactRevision;
    if (this.#cursor >= target) return false;
    const limit = this.#stepRows;
    const t0 = performance.now();
    // Steps commit without an fsync of their own (the connection runs at
    // synchronous=NORMAL): the next write's WAL sync covers them, and a step
    // lost to a crash is redone from the persisted cursor.
    this.#beforeStep();
    const deleted = this.#step(target, limit);
    const ms = performance.now() - t0;
    this.stats.steps++;
    this.stats.rowsDeleted += deleted;
    this.stats.longestStepMs = Math.max(this.stats.longestStepMs, ms);
    if (ms > this.#targetMs && limit > 50) this.#stepRows = Math.floor(limit / 2);
    else if (ms < this.#targetMs / 4) this.#stepRows = Math.min(limit * 2, this.#maxRows);
    return this.#cursor < this.#compactRevision;
  }

  #schedule(): void {
    if (this.#running || this.#closed) return;
    this.#running = true;
    setImmediate(this.#tick);
  }

  readonly #tick = (): void => {
    if (this.#closed) return;
    if (this.#paused) {
      this.#stalled = true;
      return;
    }
    let more = false;
    try {
      more = this.runStep();
    } catch {
      more = false; // retried on the next compact() call
    }
    if (more && !this.#closed) setImmediate(this.#tick);
    else this.#wake();
  };

  #wake(): void {
    this.#running = false;
    const waiters = this.#idle;
    this.#idle = [];
    for (const w of waiters) w();
  }
}
