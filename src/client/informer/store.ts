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
    for (const [key, obj] of this.items) addTo(idx, fn(obj), key, obj);
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
    if (old) this.unindex(key, old);
    this.items.set(key, obj);
    this.index(key, obj);
    return old;
  }

  remove(key: string): T | undefined {
    const old = this.items.get(key);
    if (old) {
      this.unindex(key, old);
      this.items.delete(key);
    }
    return old;
  }

  private index(key: string, obj: T): void {
    for (const { fn, idx } of this.funcs) addTo(idx, fn(obj), key, obj);
  }

  private unindex(key: string, obj: T): void {
    for (const { fn, idx } of this.funcs) {
      for (const v of fn(obj)) {
        const objects = idx.get(v);
        if (!objects) continue;
        objects.delete(key);
        if (objects.size === 0) idx.delete(v);
      }
    }
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
