/**
 * An indexed in-memory cache of objects keyed "namespace/name" (or "name" for
 * cluster-scoped objects). Cached objects are shared and must not be mutated.
 */
import type { KObject } from "../../api/types.ts";

export type IndexFunc = (obj: KObject) => string[];

/** The cache key of an object, as client-go's MetaNamespaceKeyFunc. */
export function objectKey(obj: KObject): string {
  const ns = obj.metadata?.namespace;
  const name = obj.metadata?.name ?? "";
  return ns ? `${ns}/${name}` : name;
}

export function splitKey(key: string): { namespace?: string; name: string } {
  const i = key.indexOf("/");
  return i < 0 ? { name: key } : { namespace: key.slice(0, i), name: key.slice(i + 1) };
}

export const namespaceIndex: IndexFunc = (obj) => [obj.metadata?.namespace ?? ""];

/** The objects one index files under one value; `value` is the one instance of it every key's entry shares. */
interface Bucket<T> {
  readonly value: string;
  readonly objects: Map<string, T>;
}

export class Indexer<T extends KObject = KObject> {
  private items = new Map<string, T>();
  /** Per index: value → its bucket; objects held directly so byIndex needs no lookups. */
  private indices = new Map<string, Map<string, Bucket<T>>>();
  /** The index functions with their maps, in the order added (walked on every put). */
  private readonly funcs: { name: string; fn: IndexFunc; idx: Map<string, Bucket<T>> }[] = [];
  /**
   * Per cached key, the values each index function gave its object (in
   * funcs order), each the bucket's own instance of the value: a put whose
   * values did not change only swaps the object in (most updates, e.g. a
   * pod's status), and a remove needs no recomputation. Memory: one array
   * per key, updated in place, and no string of its own (an index function
   * returns a new string per call, e.g. a namespace+label pair, which
   * thousands of pods would otherwise each keep).
   */
  private readonly indexValues = new Map<string, string[][]>();

  constructor(indexers: Record<string, IndexFunc> = { namespace: namespaceIndex }) {
    for (const [name, fn] of Object.entries(indexers)) this.addIndex(name, fn);
  }

  /** Adds an index (idempotent by name), indexing the objects already cached. */
  addIndex(name: string, fn: IndexFunc): void {
    if (this.indices.has(name)) return;
    const idx = new Map<string, Bucket<T>>();
    this.indices.set(name, idx);
    const entry = { name, fn, idx };
    this.funcs.push(entry);
    for (const [key, obj] of this.items) {
      const values = addTo(idx, fn(obj), key, obj);
      this.indexValues.get(key)?.push(values);
    }
  }

  get(key: string): T | undefined {
    return this.items.get(key);
  }

  list(): T[] {
    return [...this.items.values()];
  }

  keys(): string[] {
    return [...this.items.keys()];
  }

  size(): number {
    return this.items.size;
  }

  /**
   * The objects of byIndex without copying them into an array: a live view,
   * to be iterated at once (not across an await, while the cache may change).
   */
  indexed(name: string, value: string): Iterable<T> {
    return this.indices.get(name)?.get(value)?.objects.values() ?? [];
  }

  /** How many objects index `name` files under `value`. */
  countIndexed(name: string, value: string): number {
    return this.indices.get(name)?.get(value)?.objects.size ?? 0;
  }

  /** Objects whose index `name` yields `value` (e.g. byIndex("namespace", "default")). */
  byIndex(name: string, value: string): T[] {
    const bucket = this.indices.get(name)?.get(value);
    return bucket ? [...bucket.objects.values()] : [];
  }

  /** Inserts or replaces; returns the previous object. */
  put(obj: T): T | undefined {
    const key = objectKey(obj);
    const old = this.items.get(key);
    this.items.set(key, obj);
    let stored = this.indexValues.get(key);
    if (!stored) this.indexValues.set(key, (stored = new Array<string[]>(this.funcs.length)));
    for (let i = 0; i < this.funcs.length; i++) {
      const { fn, idx } = this.funcs[i]!;
      const values = fn(obj);
      const was = stored[i];
      if (was && sameValues(was, values)) {
        for (const v of was) idx.get(v)!.objects.set(key, obj);
        continue;
      }
      if (was) removeFrom(idx, was, key);
      stored[i] = addTo(idx, values, key, obj);
    }
    return old;
  }

  remove(key: string): T | undefined {
    const old = this.items.get(key);
    if (old) {
      const before = this.indexValues.get(key);
      for (let i = 0; i < this.funcs.length; i++)
        removeFrom(this.funcs[i]!.idx, before?.[i] ?? [], key);
      this.indexValues.delete(key);
      this.items.delete(key);
    }
    return old;
  }
}

function sameValues(a: string[], b: string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function removeFrom<T>(idx: Map<string, Bucket<T>>, values: string[], key: string): void {
  for (const v of values) {
    const bucket = idx.get(v);
    if (!bucket) continue;
    bucket.objects.delete(key);
    if (bucket.objects.size === 0) idx.delete(v);
  }
}

/**
 * Files obj under values; returns them as the buckets' own instances (a new
 * array: an index function may return an array it does not own).
 */
function addTo<T>(idx: Map<string, Bucket<T>>, values: string[], key: string, obj: T): string[] {
  const out = new Array<string>(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    let bucket = idx.get(v);
    if (!bucket) idx.set(v, (bucket = { value: v, objects: new Map() }));
    bucket.objects.set(key, obj);
    out[i] = bucket.value;
  }
  return out;
}

/** Pods by spec.nodeName. */
export const nodeNameIndex: IndexFunc = (obj) => {
  const node = (obj as { spec?: { nodeName?: string } }).spec?.nodeName;
  return node ? [node] : [];
};
