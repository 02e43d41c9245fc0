/**
 * Questions about stored FieldsV1 trees (metadata.managedFields[].fieldsV1)
 * answered without decoding them into FieldSets, so a write that leaves an
 * entry as it was can keep the stored object.
 */
import { comparePathElements, type FieldSet } from "./field-set.ts";
import { isJsonObject } from "./patch-errors.ts";

/** True when some member of `set` is also a member of the FieldsV1 tree `raw`. */
export function intersectsFieldsV1(set: FieldSet, raw: Record<string, unknown>): boolean {
  for (const [pe, child] of set.children) {
    const r = raw[pe];
    if (!isJsonObject(r)) continue;
    if (child.member) {
      let leaf = true;
      for (const k in r) {
        leaf = false;
        break;
      }
      if (leaf || Object.hasOwn(r, ".")) return true;
    }
    if (child.children.size && intersectsFieldsV1(child, r)) return true;
  }
  return false;
}

/** True when every member of `set` is a member of the FieldsV1 tree `raw`. */
export function containsFieldsV1(raw: Record<string, unknown>, set: FieldSet): boolean {
  if (set.member) return false; // the root is never a member of an entry
  for (const [pe, child] of set.children) {
    const r = raw[pe];
    if (!isJsonObject(r)) return false;
    if (child.member) {
      let leaf = true;
      for (const k in r) {
        leaf = false;
        break;
      }
      if (!leaf && !Object.hasOwn(r, ".")) return false;
    }
    if (child.children.size && !containsFieldsV1(r, child)) return false;
  }
  return true;
}

/**
 * True when `raw` is exactly what FieldSet.toFieldsV1 writes for its set:
 * `.` first and only beside children, children in comparePathElements
 * order, every value an object. Entries this server stored are; checking
 * keeps the output identical for any that are not.
 */
export function isCanonicalFieldsV1(raw: Record<string, unknown>, root = true): boolean {
  let prev: string | undefined;
  let first = true;
  let dot = false;
  for (const pe in raw) {
    const v = raw[pe];
    if (!isJsonObject(v)) return false;
    if (pe === ".") {
      if (!first || root) return false;
      for (const _ in v) return false;
      dot = true;
    } else {
      if (prev !== undefined && comparePathElements(prev, pe) >= 0) return false;
      prev = pe;
      if (!isCanonicalFieldsV1(v, false)) return false;
    }
    first = false;
  }
  return !dot || prev !== undefined;
}

/** Stored trees found canonical (see isCanonicalStoredFieldsV1). */
const canonicalStored = new WeakSet<object>();

/**
 * isCanonicalFieldsV1 of a stored entry's tree, remembered per tree: stored
 * objects are never changed, and a restamped entry keeps its tree, so a
 * writer renewing the same fields has its tree walked once, not per write.
 */
export function isCanonicalStoredFieldsV1(raw: Record<string, unknown>): boolean {
  if (canonicalStored.has(raw)) return true;
  if (!isCanonicalFieldsV1(raw)) return false;
  canonicalStored.add(raw);
  return true;
}
