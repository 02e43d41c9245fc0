import type Database from "better-sqlite3";
import type { KeyValue, ListResult, WatchEvent } from "../backend.ts";
import { compareKeys, sortByKey } from "../key-order.ts";
import { prefixEnd } from "./sqlite-validate.ts";
import {
  rangeSql,
  StatementCache,
  toKeyValue,
  type HistoryRow,
  LATEST_ROW_SQL,
  type LogRow,
  ROW_BY_ID_SQL,
} from "./sqlite-schema.ts";

/** Key range of a list: keys in [lower, end), lower exclusive after a continuation key. */
interface KeyRange {
  lower: string;
  exclusive: boolean;
  end?: string;
}

const LOG_COLUMNS = "k.name, k.id, k.create_revision, k.expires_at, k.value";

/** Reads "at" this revision see every row: the live view. */
const LATEST = Number.MAX_SAFE_INTEGER;

/**
 * Read queries of the SQLite driver. A read at a revision takes, per key, the
 * newest log row at or below it (a tombstone: absent); a live read is a read
 * at LATEST. All methods are synchronous: better-sqlite3 runs them on the
 * calling thread, so a read never interleaves with a commit. Callers check
 * revisions against the compacted and committed revisions first.
 */
export class SqliteReader {
  readonly #stmts: StatementCache;
  readonly #getAt: Database.Statement;
  readonly #byId: Database.Statement;
  readonly #beforeRange: (lower: string, end: string | undefined) => void;

  /**
   * beforeRange(lower, end) runs before each list and count of the keys in
   * [lower, end): it must index the pending rows of those keys (kvn).
   */
  constructor(
    db: Database.Database,
    beforeRange: (lower: string, end: string | undefined) => void,
  ) {
    this.#beforeRange = beforeRange;
    this.#stmts = new StatementCache(db);
    this.#getAt = db.prepare(LATEST_ROW_SQL);
    this.#byId = db.prepare(ROW_BY_ID_SQL);
  }

  /** The live value of key, or at revision when given; kvn must hold key's rows (see SCHEMA_SQL). */
  get(key: string, revision?: number): KeyValue | undefined {
    const row = this.#getAt.get(key, revision ?? LATEST) as LogRow | undefined;
    return row && !row.deleted ? toKeyValue(row) : undefined;
  }

  /** The value the log row `id` wrote (undefined: a tombstone or no such row). */
  row(id: number): KeyValue | undefined {
    const row = this.#byId.get(id) as LogRow | undefined;
    return row && !row.deleted ? toKeyValue(row) : undefined;
  }

  /** One page of keys under prefix; revision undefined reads the live view. */
  list(
    prefix: string,
    opts: {
      revision?: number;
      readRevision: number;
      limit: number;
      after?: string;
      countRemaining: boolean;
    },
  ): ListResult {
    const range = keyRange(prefix, opts.after);
    const empty: ListResult = { revision: opts.readRevision, kvs: [], more: false };
    if (range === undefined) return empty;
    this.#beforeRange(range.lower, range.end);
    const n = opts.limit > 0 ? opts.limit + 1 : -1;
    const rows = this.#rows(range, opts.revision, n);
    const more = opts.limit > 0 && rows.length > opts.limit;
    if (more) rows.length = opts.limit;
    const kvs = rows.map(toKeyValue);
    const result: ListResult = { revision: opts.readRevision, kvs, more };
    // The count walks every log row of the rest: a paged scan asking it on
    // every page would cost the square of the range.
    if (more && opts.countRemaining) {
      const rest: KeyRange = { lower: kvs[kvs.length - 1].key, exclusive: true, end: range.end };
      result.remaining = this.#count(rest, opts.revision);
    }
    return result;
  }

  /** Live keys under prefix. */
  count(prefix: string): number {
    const range = keyRange(prefix, undefined);
    if (!range) return 0;
    this.#beforeRange(range.lower, range.end);
    return this.#count(range, undefined);
  }

  /** Log events under prefix with from <= revision <= to, oldest first, at most limit. */
  history(prefix: string, from: number, to: number, limit: number): WatchEvent[] {
    const end = prefixEnd(prefix);
    const sql =
      "SELECT k.name, k.id, k.create_revision, k.deleted, k.expires_at, k.value," +
      " p.id AS p_id, p.create_revision AS p_create_revision, p.value AS p_value" +
      " FROM kv k LEFT JOIN kv p ON p.id = k.prev_revision" +
      ` WHERE k.id >= @from AND k.id <= @to AND ${rangeSql("k.name", false, end !== undefined)}` +
      " ORDER BY k.id LIMIT @limit";
    const params: Record<string, unknown> = { from, to, limit, lower: prefix };
    if (end !== undefined) params.end = end;
    const rows = this.#stmts.get(sql).all(params) as HistoryRow[];
    return rows.map(toEvent);
  }

  /**
   * Up to n keys of the range (n < 0: all) with their newest row at or below
   * the revision, tombstones left out. A page of keys at a time: their newest
   * ids from a walk of kvn in key order (LIMIT stops it), then those rows
   * by id; the page is put in key order here, and when tombstones
   * thin it, the next page starts after its last key. (An ORDER BY over the
   * join makes SQLite sort the whole range for every page; a newest-row probe
   * per log row is several times dearer on a full list.)
   */
  #rows(range: KeyRange, revision: number | undefined, n: number): LogRow[] {
    const bounded = range.end !== undefined;
    const out: LogRow[] = [];
    let { lower, exclusive } = range;
    for (;;) {
      const want = n < 0 ? -1 : n - out.length;
      const params: Record<string, unknown> = { lower, rev: revision ?? LATEST, want };
      if (bounded) params.end = range.end;
      const sql =
        `SELECT ${LOG_COLUMNS}, k.deleted FROM (SELECT max(id) AS m FROM kvn` +
        ` WHERE ${rangeSql("name", exclusive, bounded)} AND id <= @rev` +
        " GROUP BY name ORDER BY name LIMIT @want) g JOIN kv k ON k.id = g.m";
      const rows = this.#stmts.get(sql).all(params) as LogRow[];
      sortByKey(rows, (row) => row.name);
      for (const row of rows) if (!row.deleted) out.push(row);
      if (want < 0 || rows.length < want || out.length >= n) return out;
      lower = rows[rows.length - 1].name;
      exclusive = true;
    }
  }

  /**
   * Counts keys in the range at the revision: the distinct keys (a covering
   * walk of kvn) minus those whose newest row is a tombstone (through
   * kv_tombstones). Lists call it for a limited page that asks for it.
   */
  #count(range: KeyRange, revision: number | undefined): number {
    const bounded = range.end !== undefined;
    const params: Record<string, unknown> = { lower: range.lower, rev: revision ?? LATEST };
    if (bounded) params.end = range.end;
    const inRange = rangeSql("name", range.exclusive, bounded);
    const keys = `SELECT count(DISTINCT name) AS n FROM kvn WHERE ${inRange} AND id <= @rev`;
    const deleted =
      "SELECT count(*) AS n FROM kv t INDEXED BY kv_tombstones" +
      ` WHERE t.deleted = 1 AND ${rangeSql("t.name", range.exclusive, bounded)} AND t.id <= @rev` +
      " AND t.id = (SELECT max(id) FROM kvn WHERE name = t.name AND id <= @rev)";
    const n = (sql: string) => (this.#stmts.get(sql).get(params) as { n: number }).n;
    return n(keys) - n(deleted);
  }
}

function keyRange(prefix: string, after: string | undefined): KeyRange | undefined {
  const end = prefixEnd(prefix);
  const range: KeyRange =
    after !== undefined && compareKeys(after, prefix) >= 0
      ? { lower: after, exclusive: true, end }
      : { lower: prefix, exclusive: false, end };
  if (end !== undefined && compareKeys(range.lower, end) >= 0) return undefined;
  return range;
}

function toEvent(row: HistoryRow): WatchEvent {
  const prevKv: KeyValue | undefined =
    row.p_id === null
      ? undefined
      : {
          key: row.name,
          value: row.p_value!,
          createRevision: row.p_create_revision!,
          modRevision: row.p_id,
        };
  if (row.deleted) {
    const kv: KeyValue = { key: row.name, value: "", createRevision: 0, modRevision: row.id };
    return prevKv ? { type: "DELETE", kv, prevKv } : { type: "DELETE", kv };
  }
  const kv = toKeyValue(row);
  return prevKv ? { type: "PUT", kv, prevKv } : { type: "PUT", kv };
}
