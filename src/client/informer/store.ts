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

export class Indexer<T extends KObject = KObject> {
  private items = new Map<string, T>();
  /** Per index: value → (key → object); objects held directly so byIndex needs no lookups. */
  private indices = new Map<string, Map<string, Map<string, T>>>();
  /** The index functions with their maps, in the order added (walked on every put). */
  private readonly funcs: { name: string; fn: IndexFunc; idx: Map<string, Map<string, T>> }[] = [];
  /**
   * Per cached key, the values each index function gave its object (in
   * funcs order): a put whose values did not change only swaps the object in
   * (most updates, e.g. a pod's status), and a remove needs no recomputation.
   */
  private readonly indexValues = new Map<string, string[][]>();

  constructor(indexers: Record<string, IndexFunc> = { namespace: namespaceIndex }) {
    for (const [name, fn] of Object.entries(indexers)) this.addIndex(name, fn);
  }

  /** Adds an index (idempotent by name), indexing the objects already cached. */
  addIndex(name: string, fn: IndexFunc): void {
    if (this.indices.has(name)) return;
    const idx = new Map<string, Map<string, T>>();
    this.indices.set(name, idx);
    const entry = { name, fn, idx };
    this.funcs.push(entry);
    for (const [key, obj] of this.items) {
      const values = fn(obj);
      addTo(idx, values, key, obj);
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
    return this.indices.get(name)?.get(value)?.values() ?? [];
  }

  /** How many objects index `name` files under `value`. */
  countIndexed(name: string, value: string): number {
    return this.indices.get(name)?.get(value)?.size ?? 0;
  }

  /** Objects whose index `name` yields `value` (e.g. byIndex("namespace", "default")). */
  byIndex(name: string, value: string): T[] {
    const objects = this.indices.get(name)?.get(value);
    return objects ? [...objects.values()] : [];
  }

  /** Inserts or replaces; returns the previous object. */
  put(obj: T): T | undefined {
    const key = objectKey(obj);
    const old = this.items.get(key);
    this.items.set(key, obj);
    const before = this.indexValues.get(key);
    const after: string[][] = new Array(this.funcs.length);
    for (let i = 0; i < this.funcs.length; i++) {
      const { fn, idx } = this.funcs[i]!;
      const values = fn(obj);
      after[i] = values;
      const was = before?.[i];
      if (was && sameValues(was, values)) {
        for (const v of values) idx.get(v)!.set(key, obj);
        continue;
      }
      if (was) removeFrom(idx, was, key);
      addTo(idx, values, key, obj);
    }
    this.indexValues.set(key, after);
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

function removeFrom<T>(idx: Map<string, Map<string, T>>, values: string[], key: string): void {
  for (const v of values) {
    const objects = idx.get(v);
    if (!objects) continue;
    objects.delete(key);
    if (objects.size === 0) idx.delete(v);
  }
}

function addTo<T>(idx: Map<string, Map<string, T>>, values: string[], key: string, obj: T): void {
  for (const v of values) {
    let objects = idx.get(v);
    if (!objects) idx.set(v, (objects = new Map()));
    objects.set(key, obj);
  }
}

/** Pods by spec.nodeName. */
export const nodeNameIndex: IndexFunc = (obj) => {
  const node = (obj as { spec?: { nodeName?: string } }).spec?.nodeName;
  return node ? [node] : [];
};
