import type Database from "better-sqlite3";
import type { KeyValue } from "../backend.ts";

/**
 * On-disk layout of the SQLite driver: an append-only revision log, indexed
 * by key.
 *
 * - kv: one row per write; id IS the store revision. A tombstone row
 *   (deleted = 1) records a delete. prev_revision links a write to the row it
 *   replaced (0 for a create), which gives watch replays their prevKv and lets
 *   compaction find superseded rows without scanning by name.
 * - kvn: the log by key, (name, id) of every row, a table of its own
 *   (WITHOUT ROWID) filled in bulk: the writer keeps the rows it committed
 *   since the last fill in memory and inserts them sorted by key every few
 *   transactions (SqliteWriter.indexPending; meta.indexed_upto is the last
 *   revision filled), and before any range read or compaction step. An index
 *   on kv kept in step with each write dirtied one random leaf per new key
 *   (keys arrive in no order; a pod's create, its event: two of every three
 *   writes); sorted bulk inserts share leaves: ≈30% less CPU per inserted row
 *   in a pod-like write mix (layout 3; layout 2 had the index kv_name_id).
 *   A key's live value is its newest row unless that row is a tombstone; a
 *   value at revision R, its newest row at or below R. Rows above
 *   indexed_upto are indexed on open (a crash or a close between two fills).
 * - kv_tombstones: the delete rows (few: compaction removes them), so a count
 *   of live keys is the distinct keys of kvn minus the keys whose newest row
 *   is a tombstone, without reading every key's row.
 * - current: a view of the live keys (key -> id of its latest row), for
 *   tools; it reads kv alone, so a backup taken between two fills counts
 *   right. Layout 1 had a table of that name that the writer kept in step;
 *   opening such a database migrates it (migrateSchema). A build of layout 1
 *   refuses to open a migrated database ("cannot modify current because it
 *   is a view"): nothing is lost, and turning the view back into a table
 *   (DROP VIEW current; CREATE TABLE current (name TEXT PRIMARY KEY, id
 *   INTEGER NOT NULL) WITHOUT ROWID; INSERT INTO current SELECT name, id
 *   FROM the view's query) lets it start again.
 * - meta: compact_rev (oldest readable revision), compact_cursor (log rows up
 *   to this id have had their superseded predecessors removed), indexed_upto
 *   (kvn holds every row up to this id), schema_version (the layout:
 *   SCHEMA_VERSION; absent in layout 1).
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
CREATE TABLE IF NOT EXISTS kvn (
  name TEXT NOT NULL,
  id INTEGER NOT NULL,
  PRIMARY KEY (name, id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS kv_expiring ON kv (expires_at) WHERE expires_at > 0;
CREATE INDEX IF NOT EXISTS kv_tombstones ON kv (name, id) WHERE deleted = 1;
CREATE TABLE IF NOT EXISTS meta (
  k TEXT PRIMARY KEY,
  v INTEGER NOT NULL
) WITHOUT ROWID;
`;

/** The live view; it replaces the former `current` table (see SCHEMA_SQL). */
const CURRENT_VIEW_SQL = `
CREATE VIEW current AS
  SELECT name, id FROM (SELECT name, max(id) AS id, deleted FROM kv GROUP BY name)
  WHERE deleted = 0
`;

/**
 * Page size of a new database. In layout 2 a write dirtied the log's last
 * page and a random name-index leaf, each a WAL frame; with 8 KiB pages an
 * index leaf holds twice the entries (fewer splits, more rows sharing a leaf)
 * and the log's page two ~3 KB pods, not one: ≈20% less CPU per row than
 * 4 KiB in a pod-like write mix (create, event, binding; 32 per
 * transaction), checkpoints included. 16 KiB gained no more.
 */
export const PAGE_SIZE = 8192;

/** The layout this build reads and writes (meta.schema_version). */
export const SCHEMA_VERSION = 3;

function refuseLayout(version: number): void {
  if (version > SCHEMA_VERSION) {
    throw new Error(
      `The SQLite data dir was written by a newer k8ts (storage layout ${version}); ` +
        `this build reads layouts up to ${SCHEMA_VERSION}`,
    );
  }
}

/**
 * Throws when `db` holds a layout newer than this build's. Run before any
 * schema statement: a newer layout may lack what they expect, and they must
 * not add tables or indexes to a database this build then refuses.
 */
export function refuseNewerLayout(db: Database.Database): void {
  const meta = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'meta'");
  if (!meta.get()) return;
  const row = db.prepare("SELECT v FROM meta WHERE k = 'schema_version'").get() as
    { v: number } | undefined;
  refuseLayout(row?.v ?? 1);
}

/**
 * Brings a database written by an older build to this layout, in one
 * transaction. Layout 1 -> 2: the `current` table held nothing the log does
 * not (every live key's newest row), so it is dropped and the view takes its
 * name. Layout 2 -> 3: kvn is filled from the log (through kv_name_id),
 * and kv_name_id goes. A layout-2 build refuses the result
 * (refuseNewerLayout): its writes and compactions would skip kvn. Refuses a
 * database of a newer layout. The transaction takes the write lock before it
 * looks, so two processes opening one old database migrate it once.
 */
function migrateSchema(db: Database.Database): void {
  const layout = () => {
    const current = db.prepare("SELECT type FROM sqlite_master WHERE name = 'current'").get() as
      { type: string } | undefined;
    const version = db.prepare("SELECT v FROM meta WHERE k = 'schema_version'").get() as
      { v: number } | undefined;
    const nameIndex = db.prepare("SELECT 1 FROM sqlite_master WHERE name = 'kv_name_id'").get();
    return { current: current?.type, version: version?.v ?? 1, nameIndex: !!nameIndex };
  };
  const seen = layout();
  refuseLayout(seen.version);
  if (seen.current === "view" && seen.version === SCHEMA_VERSION && !seen.nameIndex) return;
  const setMeta = db.prepare("INSERT OR REPLACE INTO meta (k, v) VALUES (?, ?)");
  db.transaction(() => {
    const { current, version, nameIndex } = layout();
    refuseLayout(version);
    if (current === "table") db.exec("DROP TABLE current");
    if (current !== "view") db.exec(CURRENT_VIEW_SQL);
    // kv_name_id in layout 3: a layout-1 build (it has no refuseNewerLayout)
    // opened it, and its compaction may have removed rows kvn still names.
    if (version < 3 || nameIndex) {
      db.exec(
        "DELETE FROM kvn; INSERT INTO kvn (name, id) SELECT name, id FROM kv ORDER BY name, id",
      );
      setMeta.run("indexed_upto", maxLogId(db));
    }
    db.exec("DROP INDEX IF EXISTS kv_name_id");
    setMeta.run("schema_version", SCHEMA_VERSION);
  }).immediate();
}

function maxLogId(db: Database.Database): number {
  return (db.prepare("SELECT coalesce(max(id), 0) AS m FROM kv").get() as { m: number }).m;
}

/**
 * Indexes the log rows above meta.indexed_upto: the writer's pending rows
 * when the process ended between two fills of kvn (a crash, or a backup
 * taken between two fills).
 */
function indexTail(db: Database.Database, maxId: number): void {
  const row = db.prepare("SELECT v FROM meta WHERE k = 'indexed_upto'").get() as
    { v: number } | undefined;
  const upto = row?.v ?? 0;
  if (upto >= maxId) return;
  db.transaction(() => {
    db.prepare(
      "INSERT OR IGNORE INTO kvn (name, id) SELECT name, id FROM kv WHERE id > ? ORDER BY name, id",
    ).run(upto);
    db.prepare("INSERT OR REPLACE INTO meta (k, v) VALUES ('indexed_upto', ?)").run(maxId);
  }).immediate();
}

/** Opens the schema and applies the durability settings; returns the persisted counters. */
export function initSchema(
  db: Database.Database,
  opts: { synchronous: "FULL" | "NORMAL" | "OFF" },
): { revision: number; compactRevision: number; compactCursor: number; pageSize: number } {
  // A new database only (an existing one keeps its page size; both are read
  // alike). Set before WAL mode, which fixes it.
  db.pragma(`page_size = ${PAGE_SIZE}`);
  db.pragma("journal_mode = WAL");
  db.pragma(`synchronous = ${opts.synchronous}`);
  db.pragma("busy_timeout = 5000");
  db.pragma("temp_store = MEMORY");
  db.pragma("cache_size = -65536");
  refuseNewerLayout(db);
  db.exec(SCHEMA_SQL);
  migrateSchema(db);
  const maxId = maxLogId(db);
  indexTail(db, maxId);
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
    pageSize: db.pragma("page_size", { simple: true }) as number,
  };
}

/**
 * A key's newest log row at or below a revision (parameters: key, revision);
 * a tombstone means absent. One probe of kvn, then the row: kvn must hold
 * the key's rows (SqliteWriter.pendingId tells which keys it may lack).
 */
export const LATEST_ROW_SQL =
  "SELECT name, id, create_revision, expires_at, value, deleted FROM kv" +
  " WHERE id = (SELECT max(id) FROM kvn WHERE name = ? AND id <= ?)";

/** One log row by id (its revision). */
export const ROW_BY_ID_SQL =
  "SELECT name, id, create_revision, expires_at, value, deleted FROM kv WHERE id = ?";

/** Orders (name, id) pairs as kvn does, so that bulk inserts and deletes walk its pages in turn. */
export function byNameThenId(a: [string, number], b: [string, number]): number {
  return a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] - b[1];
}

/** A key's newest kv row (at some revision). */
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
