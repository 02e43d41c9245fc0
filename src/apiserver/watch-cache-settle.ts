/**
 * Makes the watch cache's settled objects share what many of them repeat,
 * off the write path (see WatchCacheStore.settle): string values through a
 * StringInterner (image names, timestamps, owners' uids, condition types,
 * node names), and whole managedFields fieldsV1 subtrees through a table of
 * canonical frozen trees (the pods of one template carry the same f:spec and
 * f:metadata trees, every Running pod the same f:conditions tree).
 *
 * It runs once per settled version, not per adopted write: the work stays
 * off the requests' path, and a pod's short-lived versions (created, bound,
 * starting) are never worked on. The tables are bounded.
 *
 * Contract: only values equal to what they replace are written (JSON.stringify,
 * jsonEqual and copyJson see the same object), so readers cannot observe it;
 * frozen objects (shared ones, or write answers frozen under tests) are left
 * as they are. Canonical trees are frozen, like SHARED_FIELDS_LEAF.
 */
import type { KObject } from "../api/types.ts";
import { StringInterner } from "../util/string-intern.ts";
import { SHARED_FIELDS_LEAF } from "./watch-cache-compact.ts";

/**
 * Canonical fieldsV1 subtrees, found by a signature of their (key, canonical
 * child) pairs in order. Bounded: past `capacity` trees the table starts
 * over (trees already shared stay shared; subtrees unique to one object,
 * such as a pod's own podIPs entry, would otherwise accumulate).
 */
export class FieldsTreeTable {
  #trees = new Map<string, object>();
  #nextId = 1;
  readonly #ids = new WeakMap<object, number>([[SHARED_FIELDS_LEAF, 0]]);

  constructor(private readonly capacity = 4_096) {}

  /** Trees the table holds (at most capacity). */
  get size(): number {
    return this.#trees.size;
  }

  /**
   * The canonical instance of tree (a fieldsV1 tree whose leaves are
   * SHARED_FIELDS_LEAF), replacing its children in place by theirs;
   * undefined when the tree is not a well-formed fieldsV1 tree (left as is).
   */
  share(tree: Record<string, unknown>): object | undefined {
    if (this.#ids.has(tree)) return tree;
    if (Object.isFrozen(tree)) return undefined;
    let signature = "";
    for (const key in tree) {
      const child = tree[key];
      if (typeof child !== "object" || child === null || Array.isArray(child)) return undefined;
      let id = this.#ids.get(child);
      if (id === undefined) {
        const shared = this.share(child as Record<string, unknown>);
        if (!shared) return undefined;
        if (shared !== child) tree[key] = shared;
        id = this.#ids.get(shared)!;
      }
      signature += `${key}\u0000${id}\u0000`;
    }
    const known = this.#trees.get(signature);
    if (known) return known;
    if (this.#trees.size >= this.capacity) this.#trees = new Map();
    Object.freeze(tree);
    this.#ids.set(tree, this.#nextId++);
    this.#trees.set(signature, tree);
    return tree;
  }
}

/** The tables one store's settled objects share through. */
export interface SettleTables {
  strings: StringInterner;
  trees: FieldsTreeTable;
}

export function newSettleTables(): SettleTables {
  return { strings: new StringInterner(), trees: new FieldsTreeTable() };
}

/**
 * Shares obj's repeated strings and fieldsV1 subtrees through the tables, in
 * place (see the module's contract). Idempotent; frozen objects and entries
 * are left as they are.
 */
export function settleDecoded(obj: KObject, tables: SettleTables): void {
  if (Object.isFrozen(obj)) return;
  tables.strings.internValues(obj, "fieldsV1");
  const entries = obj.metadata?.managedFields;
  if (!Array.isArray(entries)) return;
  for (const e of entries) {
    if (typeof e !== "object" || e === null || Object.isFrozen(e)) continue;
    const entry = e as { fieldsV1?: unknown };
    const tree = entry.fieldsV1;
    if (typeof tree !== "object" || tree === null || Array.isArray(tree)) continue;
    const shared = tables.trees.share(tree as Record<string, unknown>);
    if (shared && shared !== tree) entry.fieldsV1 = shared;
  }
}
