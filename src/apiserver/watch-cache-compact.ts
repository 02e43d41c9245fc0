/**
 * Makes a decoded object that the watch cache keeps smaller without changing
 * what it serializes to.
 *
 * The leaves of metadata.managedFields[].fieldsV1 trees are all empty
 * objects ("f:name": {}), about 40% of a decoded pod's heap (measured with
 * bench/memory.ts: a Running pod with two managers' entries decodes to
 * ≈9.0 KiB, ≈5.3 KiB with its leaves shared). Every leaf is replaced with one
 * frozen empty object shared by all objects: JSON.stringify, jsonEqual and
 * copyJson see the same values; the objects are shared and never mutated
 * (the cache's contract), and a write that tried to add to a shared leaf
 * would throw instead of changing other objects.
 *
 * String values repeated across objects (image names, timestamps, owners'
 * uids, condition types, node names ...) are replaced by one instance each
 * from a bounded table (string-intern.ts): a Running pod's ≈1.2 KiB of them.
 * Strings are immutable, so this changes nothing a reader can observe.
 */
import type { KObject } from "../api/types.ts";
import { StringInterner } from "../util/string-intern.ts";

/** The empty object every compacted fieldsV1 leaf is. */
export const SHARED_FIELDS_LEAF: Readonly<Record<string, never>> = Object.freeze({});

/**
 * The table of this thread's compacted objects' strings: one per thread
 * (the strings a process repeats are the same whichever cache holds them).
 */
const INTERNED = new StringInterner();

/**
 * Replaces, in place, every empty object inside obj's fieldsV1 trees with
 * SHARED_FIELDS_LEAF, and its repeated string values with shared instances.
 * Idempotent; trees shared with other objects (a write's entries may reuse
 * the previous version's) are compacted once for all; frozen objects are
 * left as they are. Malformed entries (not objects) are left as they are.
 */
export function compactDecoded(obj: KObject): void {
  if (Object.isFrozen(obj)) return;
  INTERNED.internValues(obj, "fieldsV1");
  const entries = obj.metadata?.managedFields;
  if (!Array.isArray(entries)) return;
  for (const e of entries) {
    const tree = (e as { fieldsV1?: unknown } | null)?.fieldsV1;
    if (isPlainObject(tree)) shareLeaves(tree);
  }
}

function shareLeaves(tree: Record<string, unknown>): void {
  for (const key in tree) {
    const child = tree[key];
    if (child === SHARED_FIELDS_LEAF || !isPlainObject(child)) continue;
    if (isEmpty(child)) tree[key] = SHARED_FIELDS_LEAF;
    else shareLeaves(child);
  }
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function isEmpty(o: Record<string, unknown>): boolean {
  for (const _ in o) return false;
  return true;
}
