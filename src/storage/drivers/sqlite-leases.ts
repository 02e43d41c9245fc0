import type Database from "better-sqlite3";
import { Heap } from "../../util/heap.ts";
import type { WriteResult } from "./sqlite-writer.ts";

interface Lease {
  key: string;
  /** Clock ms. */
  expiresAt: number;
  revision: number;
}

/**
 * The live keys that carry a TTL: key -> expiry (clock ms) and the revision
 * that set it. Rebuilt from the log on open; kept current from durable write
 * results. Expiry deletes are guarded by that revision, so a key rewritten
 * after it became due is never deleted by a stale lease.
 */
export class SqliteLeases {
  /** Ordered by expiry, so a check reads only the due keys. */
  readonly #byExpiry = new Heap<Lease>(
    (l) => l.key,
    (a, b) => a.expiresAt < b.expiresAt,
  );

  /** Loads the TTLs of the live keys. */
  load(db: Database.Database): void {
    const rows = db
      .prepare(
        // Through the partial index of expiring rows: start-up must not read
        // every live object (a data dir may hold 100k of them).
        "SELECT k.name, k.id, k.expires_at FROM kv k INDEXED BY kv_expiring" +
          " WHERE k.expires_at > 0 AND k.id = (SELECT max(id) FROM kvn WHERE name = k.name)",
      )
      .all() as { name: string; id: number; expires_at: number }[];
    for (const r of rows)
      this.#byExpiry.addOrUpdate({ key: r.name, expiresAt: r.expires_at, revision: r.id });
  }

  /** Applies durable writes: a PUT sets or clears its key's TTL, a DELETE clears it. */
  record(results: readonly WriteResult[]): void {
    for (const r of results) {
      const key = r.event.kv.key;
      if (r.expiresAt > 0)
        this.#byExpiry.addOrUpdate({ key, expiresAt: r.expiresAt, revision: r.revision });
      else this.#byExpiry.delete(key);
    }
  }

  /**
   * Keys whose TTL ended at or before now, with the revision their delete
   * must match. They stay tracked (and due) until their delete is recorded.
   */
  due(now: number): Array<{ key: string; revision: number }> {
    const out: Lease[] = [];
    for (
      let top = this.#byExpiry.peek();
      top && top.expiresAt <= now;
      top = this.#byExpiry.peek()
    ) {
      out.push(this.#byExpiry.pop()!);
    }
    for (const lease of out) this.#byExpiry.addOrUpdate(lease);
    return out.map(({ key, revision }) => ({ key, revision }));
  }

  get size(): number {
    return this.#byExpiry.size;
  }
}
