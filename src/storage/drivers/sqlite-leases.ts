import type Database from "better-sqlite3";
import type { WriteResult } from "./sqlite-writer.ts";

/**
 * The live keys that carry a TTL: key -> expiry (clock ms) and the revision
 * that set it. Rebuilt from the log on open; kept current from durable write
 * results. Expiry deletes are guarded by that revision, so a key rewritten
 * after it became due is never deleted by a stale lease.
 */
export class SqliteLeases {
  readonly #byKey = new Map<string, { expiresAt: number; revision: number }>();

  /** Loads the TTLs of the live keys. */
  load(db: Database.Database): void {
    const rows = db
      .prepare(
        // Through the partial index of expiring rows: start-up must not read
        // every live object (a data dir may hold 100k of them).
        "SELECT k.name, k.id, k.expires_at FROM kv k INDEXED BY kv_expiring" +
          " JOIN current c ON c.name = k.name AND c.id = k.id WHERE k.expires_at > 0",
      )
      .all() as { name: string; id: number; expires_at: number }[];
    for (const r of rows) this.#byKey.set(r.name, { expiresAt: r.expires_at, revision: r.id });
  }

  /** Applies durable writes: a PUT sets or clears its key's TTL, a DELETE clears it. */
  record(results: readonly WriteResult[]): void {
    for (const r of results) {
      const key = r.event.kv.key;
      if (r.expiresAt > 0) this.#byKey.set(key, { expiresAt: r.expiresAt, revision: r.revision });
      else this.#byKey.delete(key);
    }
  }

  /** Keys whose TTL ended at or before now, with the revision their delete must match. */
  due(now: number): Array<{ key: string; revision: number }> {
    const out: Array<{ key: string; revision: number }> = [];
    for (const [key, lease] of this.#byKey) {
      if (lease.expiresAt <= now) out.push({ key, revision: lease.revision });
    }
    return out;
  }

  get size(): number {
    return this.#byKey.size;
  }
}
