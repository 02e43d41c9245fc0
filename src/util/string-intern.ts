/**
 * One instance of each string value that many decoded objects repeat.
 *
 * JSON.parse gives every string value of ten characters or more its own heap
 * string, so 150,000 decoded pods hold 150,000 copies of their image name,
 * creation second, owner's uid, condition types, node names and so on
 * (≈1.3 KiB of a Running pod's ≈5 KiB, measured with bench/memory.ts).
 * Strings are immutable, so replacing a value with an equal string that
 * another object already holds changes nothing any reader can observe; only
 * the copies go.
 *
 * The table is bounded: two generations of at most `capacity` strings each.
 * A string seen again is kept in the young generation; when it fills up, it
 * becomes the old one and the previous old one is dropped, so strings no
 * object repeats (uids, pod names) pass through and are forgotten.
 */
export class StringInterner {
  #young = new Map<string, string>();
  #old = new Map<string, string>();

  constructor(
    private readonly capacity = 16_384,
    /** Strings longer than this are kept as they are (rarely repeated, costly to hash). */
    private readonly maxLength = 256,
  ) {}

  /** Strings the table holds (at most 2 × capacity). */
  get size(): number {
    return this.#young.size + this.#old.size;
  }

  /** The table's instance of s (s itself the first time). */
  intern(s: string): string {
    const young = this.#young.get(s);
    if (young !== undefined) return young;
    const kept = this.#old.get(s) ?? s;
    this.#young.set(kept, kept);
    if (this.#young.size >= this.capacity) {
      this.#old = this.#young;
      this.#young = new Map();
    }
    return kept;
  }

  /**
   * Replaces, in place, every string value of a decoded JSON value (objects
   * and arrays, recursively) of 11 to maxLength characters with the table's
   * instance (shorter ones JSON.parse already shares). Property names are
   * left alone (JSON.parse shares them all), and so are frozen objects and
   * arrays (shared ones: writing to them would throw) and the values of
   * properties named `skip` (e.g. managedFields' fieldsV1 trees, which hold
   * only names). Returns value.
   */
  internValues<T>(value: T, skip?: string): T {
    if (typeof value === "object" && value !== null) this.#walk(value as object, skip);
    return value;
  }

  #walk(o: object, skip: string | undefined): void {
    if (Object.isFrozen(o)) return;
    if (Array.isArray(o)) {
      for (let i = 0; i < o.length; i++) {
        const v: unknown = o[i];
        if (typeof v === "string") {
          if (v.length > 10 && v.length <= this.maxLength) o[i] = this.intern(v);
        } else if (typeof v === "object" && v !== null) this.#walk(v, skip);
      }
      return;
    }
    const rec = o as Record<string, unknown>;
    for (const k in rec) {
      const v = rec[k];
      if (typeof v === "string") {
        if (v.length > 10 && v.length <= this.maxLength) rec[k] = this.intern(v);
      } else if (typeof v === "object" && v !== null && k !== skip) this.#walk(v, skip);
    }
  }
}
