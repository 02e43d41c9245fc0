import type Database from "better-sqlite3";
import type { KeyValue, ListResult, WatchEvent } from "../backend.ts";
import { prefixEnd } from "./sqlite-validate.ts";
import {
  rangeSql,
  StatementCache,
  toKeyValue,
  type HistoryRow,
  type LiveRow,
  type LogRow,
} from "./sqlite-schema.ts";

/** Key range of a list: keys in [lower, end), lower exclusive after a continuation key. */
interface KeyRange {
  lower: string;
  exclusive: boolean;
  end?: string;
}

const LIVE_COLUMNS = "c.name, c.id, k.create_revision, k.expires_at, k.value";
const LOG_COLUMNS = "k.name, k.id, k.create_revision, k.expires_at, k.value";

/**
 * Read queries of the SQLite driver. Latest reads use the current table;
 * reads at an older revision take, per key, the newest log row at or below
 * that revision. All methods are synchronous: better-sqlite3 runs them on the
 * calling thread, so a read never interleaves with a commit. Callers check
 * revisions against the compacted and committed revisions first.
 */
export class SqliteReader {
  readonly #stmts: StatementCache;
  readonly #liveGet: Database.Statement;
  readonly #getAt: Database.Statement;

  constructor(db: Database.Database) {
    this.#stmts = new StatementCache(db);
    this.#liveGet = db.prepare(
      `SELECT ${LIVE_COLUMNS} FROM current c JOIN kv k ON k.id = c.id WHERE c.name = ?`,
    );
    this.#getAt = db.prepare(
      "SELECT name, id, create_revision, expires_at, value, deleted FROM kv WHERE name = ? AND id <= ? ORDER BY id DESC LIMIT 1",
    );
  }

  /** The live value of key, or at revision when given. */
  get(key: string, revision?: number): KeyValue | undefined {
    if (revision === undefined) {
      const row = this.#liveGet.get(key) as LiveRow | undefined;
      return row && toKeyValue(row);
    }
    const row = this.#getAt.get(key, revision) as LogRow | undefined;
    return row && !row.deleted ? toKeyValue(row) : undefined;
  }

  /** One page of keys under prefix; revision undefined reads the live view. */
  list(
    prefix: string,
    opts: { revision?: number; readRevision: number; limit: number; after?: string },
  ): ListResult {
    const range = keyRange(prefix, opts.after);
    const empty: ListResult = { revision: opts.readRevision, kvs: [], more: false };
    if (range === undefined) return empty;
    const n = opts.limit > 0 ? opts.limit + 1 : -1;
    const rows = this.#rows(range, opts.revision, n);
    const more = opts.limit > 0 && rows.length > opts.limit;
    if (more) rows.length = opts.limit;
    const kvs = rows.map(toKeyValue);
    const result: ListResult = { revision: opts.readRevision, kvs, more };
    if (more) {
      const rest: KeyRange = { lower: kvs[kvs.length - 1].key, exclusive: true, end: range.end };
      result.remaining = this.#count(rest, opts.revision);
    }
    return result;
  }

  /** Live keys under prefix. */
  count(prefix: string): number {
    const range = keyRange(prefix, undefined);
    return range ? this.#count(range, undefined) : 0;
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

  #rows(range: KeyRange, revision: number | undefined, n: number): LiveRow[] {
    const bounded = range.end !== undefined;
    const params: Record<string, unknown> = { lower: range.lower, n };
    if (bounded) params.end = range.end;
    let sql: string;
    if (revision === undefined) {
      sql =
        `SELECT ${LIVE_COLUMNS} FROM current c JOIN kv k ON k.id = c.id` +
        ` WHERE ${rangeSql("c.name", range.exclusive, bounded)} ORDER BY c.name LIMIT @n`;
    } else {
      params.rev = revision;
      sql =
        `SELECT ${LOG_COLUMNS} FROM (SELECT max(id) AS m FROM kv` +
        ` WHERE ${rangeSql("name", range.exclusive, bounded)} AND id <= @rev GROUP BY name) g` +
        " JOIN kv k ON k.id = g.m WHERE k.deleted = 0 ORDER BY k.name LIMIT @n";
    }
    return this.#stmts.get(sql).all(params) as LiveRow[];
  }

  #count(range: KeyRange, revision: number | undefined): number {
    const bounded = range.end !== undefined;
    const params: Record<string, unknown> = { lower: range.lower };
    if (bounded) params.end = range.end;
    let sql: string;
    if (revision === undefined) {
      sql = `SELECT count(*) AS n FROM current c WHERE ${rangeSql("c.name", range.exclusive, bounded)}`;
    } else {
      params.rev = revision;
      sql =
        "SELECT count(*) AS n FROM (SELECT max(id) AS m FROM kv" +
        ` WHERE ${rangeSql("name", range.exclusive, bounded)} AND id <= @rev GROUP BY name) g` +
        " JOIN kv k ON k.id = g.m WHERE k.deleted = 0";
    }
    return (this.#stmts.get(sql).get(params) as { n: number }).n;
  }
}

function keyRange(prefix: string, after: string | undefined): KeyRange | undefined {
  const end = prefixEnd(prefix);
  const range: KeyRange =
    after !== undefined && after >= prefix
      ? { lower: after, exclusive: true, end }
      : { lower: prefix, exclusive: false, end };
  if (end !== undefined && range.lower >= end) return undefined;
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
