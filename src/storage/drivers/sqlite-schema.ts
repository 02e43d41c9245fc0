import type Database from "better-sqlite3";
import type { KeyValue } from "../backend.ts";

/**
 * On-disk layout of the SQLite driver: an append-only revision log plus an
 * index of the live keys.
 *
 * - kv: one row per write; id IS the store revision. A tombstone row
 *   (deleted = 1) records a delete. prev_revision links a write to the row it
 *   replaced (0 for a create), which gives watch replays their prevKv and lets
 *   compaction find superseded rows without scanning by name.
 * - current: live key -> id of its latest row (absent once deleted).
 * - meta: compact_rev (oldest readable revision), compact_cursor (log rows up
 *   to this id have had their superseded predecessors removed).
 *
 * Revisions are never reused: on open the next revision is
 * max(max(kv.id), compact_rev) + 1, and compaction deletes only rows at or
 * below compact_rev.
 */
export const SCHEMA_SQL = `
CREATE TABLE IF NOT EXISTS kv (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  create_revision INTEGER NOT NULL,
  prev_revision INTEGER NOT NULL,
  deleted INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  value TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS kv_name_id ON kv (name, id);
CREATE INDEX IF NOT EXISTS kv_expiring ON kv (expires_at) WHERE expires_at > 0;
CREATE TABLE IF NOT EXISTS current (
  name TEXT PRIMARY KEY,
  id INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS meta (
  k TEXT PRIMARY KEY,
  v INTEGER NOT NULL
) WITHOUT ROWID;
`;

/** Opens the schema and applies the durability settings; returns the persisted counters. */
export function initSchema(
  db: Database.Database,
  opts: { synchronous: "FULL" | "NORMAL" | "OFF" },
): { revision: number; compactRevision: number; compactCursor: number } {
  db.pragma("journal_mode = WAL");
  db.pragma(`synchronous = ${opts.synchronous}`);
  db.pragma("busy_timeout = 5000");
  db.pragma("temp_store = MEMORY");
  db.pragma("cache_size = -65536");
  db.exec(SCHEMA_SQL);
  const maxId = (db.prepare("SELECT coalesce(max(id), 0) AS m FROM kv").get() as { m: number }).m;
  const meta = new Map(
    (db.prepare("SELECT k, v FROM meta").all() as { k: string; v: number }[]).map((r) => [
      r.k,
      r.v,
    ]),
  );
  const compactRevision = meta.get("compact_rev") ?? 0;
  return {
    revision: Math.max(maxId, compactRevision),
    compactRevision,
    compactCursor: meta.get("compact_cursor") ?? 0,
  };
}

/** A row of the live view: current joined to its kv row. */
export interface LiveRow {
  name: string;
  id: number;
  create_revision: number;
  expires_at: number;
  value: string;
}

/** A kv row read at an older revision. */
export interface LogRow extends LiveRow {
  deleted: number;
}

/** A log row with the row it replaced, for watch replay. */
export interface HistoryRow extends LogRow {
  p_id: number | null;
  p_create_revision: number | null;
  p_value: string | null;
}

export function toKeyValue(row: LiveRow): KeyValue {
  return {
    key: row.name,
    value: row.value,
    createRevision: row.create_revision,
    modRevision: row.id,
  };
}

/** Caches prepared statements by SQL text; queries built from a few fixed shapes. */
export class StatementCache {
  readonly #db: Database.Database;
  readonly #cache = new Map<string, Database.Statement>();

  constructor(db: Database.Database) {
    this.#db = db;
  }

  get(sql: string): Database.Statement {
    let stmt = this.#cache.get(sql);
    if (!stmt) this.#cache.set(sql, (stmt = this.#db.prepare(sql)));
    return stmt;
  }
}

/**
 * SQL condition for "column in [lower, end)" where lower is inclusive, or
 * exclusive when exclusiveLower; end is omitted for an unbounded range.
 * Parameters: @lower and, when bounded, @end.
 */
export function rangeSql(column: string, exclusiveLower: boolean, bounded: boolean): string {
  const lower = `${column} ${exclusiveLower ? ">" : ">="} @lower`;
  return bounded ? `${lower} AND ${column} < @end` : lower;
}
