/**
 * The current state of one WatchCache's prefix: every stored KeyValue by key,
 * each decoded at most once per served version (as upstream's watch cache
 * store keeps decoded objects with their labels and fields).
 *
 * Contract: the store is the state of storage under the prefix at the cache's
 * revision; it is replaced by a list and then changed only by the storage
 * watch's events, in order. Decoded objects are shared by every reader (LIST,
 * GET, watch events of the same KeyValue) and must never be mutated.
 */
import type { KObject, ResourceDef } from "../api/types.ts";
import type { KeyValue } from "../storage/backend.ts";

/** One stored object and its decodings, per served version. */
export interface CacheElement {
  readonly kv: KeyValue;
  objects?: Map<ResourceDef, KObject>;
}

export class WatchCacheStore {
  #items = new Map<string, CacheElement>();
  /** Keys in order; rebuilt lazily after a key is added or removed. */
  #sorted?: string[];

  /** Replaces the whole state (after a list). */
  replace(kvs: Iterable<KeyValue>): void {
    this.#items = new Map();
    for (const kv of kvs) this.#items.set(kv.key, { kv });
    this.#sorted = undefined;
  }

  /** Sets key's current value (an ADDED or MODIFIED event). */
  put(kv: KeyValue): void {
    if (!this.#items.has(kv.key)) this.#sorted = undefined;
    this.#items.set(kv.key, { kv });
  }

  /** Removes key (a DELETED event). */
  remove(key: string): void {
    if (this.#items.delete(key)) this.#sorted = undefined;
  }

  get size(): number {
    return this.#items.size;
  }

  /** The element at key, if present. */
  get(key: string): CacheElement | undefined {
    return this.#items.get(key);
  }

  /** The elements whose key starts with prefix, in key order (as storage lists them). */
  under(prefix: string): CacheElement[] {
    const keys = (this.#sorted ??= [...this.#items.keys()].sort(compareKeys));
    const out: CacheElement[] = [];
    for (let i = lowerBound(keys, prefix); i < keys.length; i++) {
      const key = keys[i]!;
      if (!key.startsWith(prefix)) break;
      out.push(this.#items.get(key)!);
    }
    return out;
  }

  /**
   * The element's object decoded for def, decoding at most once per
   * element. `decode` must return a fresh object; the result is shared.
   */
  static objectOf(el: CacheElement, def: ResourceDef, decode: (kv: KeyValue) => KObject): KObject {
    el.objects ??= new Map();
    let obj = el.objects.get(def);
    if (!obj) el.objects.set(def, (obj = decode(el.kv)));
    return obj;
  }

  /**
   * `kv` (read from storage) decoded for def, sharing the cached decoding
   * when the store holds the same version of the key; undefined otherwise.
   */
  decodedLike(
    kv: KeyValue,
    def: ResourceDef,
    decode: (kv: KeyValue) => KObject,
  ): KObject | undefined {
    const el = this.#items.get(kv.key);
    if (!el || el.kv.modRevision !== kv.modRevision) return undefined;
    return WatchCacheStore.objectOf(el, def, decode);
  }
}

/** Byte order of keys, as etcd and SQLite order them (keys are ASCII). */
function compareKeys(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The first index whose key is >= prefix. */
function lowerBound(keys: string[], prefix: string): number {
  let lo = 0;
  let hi = keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (keys[mid]! < prefix) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
