import type { KeyValue } from "../backend.ts";

/**
 * The latest KeyValue of recently written or read keys, so a live read or
 * a write's compare-and-swap check of a hot key needs no SQLite query (a
 * point lookup costs 8–13 µs of CPU, a Map lookup well under one).
 *
 * Exact, not a guess: one SqliteBackend owns its database and every change
 * to the live view goes through its writer, which keeps this cache in step
 * inside the transaction (set on a PUT, delete on a DELETE) and clears it
 * when a transaction fails (its changes rolled back). Reads populate it on
 * a miss. Bounded by entries and value characters; the oldest entry
 * (by last write or fill) goes first.
 */
export class SqliteLiveCache {
  readonly #items = new Map<string, KeyValue>();
  readonly #maxEntries: number;
  readonly #maxChars: number;
  #chars = 0;

  constructor(opts: { maxEntries?: number; maxChars?: number } = {}) {
    this.#maxEntries = opts.maxEntries ?? 4096;
    this.#maxChars = opts.maxChars ?? 8 << 20;
  }

  /** The cached live KeyValue of key (a copy: callers may keep or change it), or undefined. */
  get(key: string): KeyValue | undefined {
    const kv = this.#items.get(key);
    return (
      kv && {
        key: kv.key,
        value: kv.value,
        createRevision: kv.createRevision,
        modRevision: kv.modRevision,
      }
    );
  }

  /** Records kv as key's live value (after a write, or a read that missed). */
  set(kv: KeyValue): void {
    const old = this.#items.get(kv.key);
    if (old) {
      this.#chars -= old.value.length;
      this.#items.delete(kv.key);
    }
    if (kv.value.length > this.#maxChars / 16) return;
    const own = {
      key: kv.key,
      value: kv.value,
      createRevision: kv.createRevision,
      modRevision: kv.modRevision,
    };
    this.#items.set(kv.key, own);
    this.#chars += kv.value.length;
    if (this.#items.size > this.#maxEntries || this.#chars > this.#maxChars) this.#evict();
  }

  /**
   * Drops the oldest entries down to 15/16 of the bounds, in one walk. A
   * Map keeps a deleted entry's slot until its table is rebuilt, and a new
   * iterator steps over those slots from the start: taking one oldest entry
   * per set (a fresh iterator each time) walked every slot evicted since.
   */
  #evict(): void {
    const entries = this.#maxEntries - (this.#maxEntries >> 4);
    const chars = this.#maxChars - (this.#maxChars >> 4);
    for (const [key, oldest] of this.#items) {
      if (this.#items.size <= entries && this.#chars <= chars) return;
      this.#items.delete(key);
      this.#chars -= oldest.value.length;
    }
  }

  /** Forgets key (deleted). */
  delete(key: string): void {
    const old = this.#items.get(key);
    if (!old) return;
    this.#chars -= old.value.length;
    this.#items.delete(key);
  }

  /** Forgets everything (a failed transaction's changes were rolled back). */
  clear(): void {
    this.#items.clear();
    this.#chars = 0;
  }

  get size(): number {
    return this.#items.size;
  }
}
