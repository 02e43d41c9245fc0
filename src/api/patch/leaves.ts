/**
 * Leaf tests shared by the field-set diff (field-set-of.ts) and the
 * owned-changes fast path: which values are one member of a field set and
 * which are walked member by member.
 */
import { isJsonObject } from "./patch-errors.ts";
import { isAtomicMap, type FieldPatchInfo } from "./patch-schema.ts";
import { isGranularList } from "./list-items.ts";

export function isEmptyContainer(v: unknown): boolean {
  if (Array.isArray(v)) return v.length === 0;
  if (!isJsonObject(v)) return false;
  for (const _ in v) return false;
  return true;
}

/** A member without children: scalars, atomic values, empty containers. */
export function isLeaf(v: unknown, info: FieldPatchInfo | undefined): boolean {
  if (Array.isArray(v)) return v.length === 0 || !isGranularList(info);
  if (isJsonObject(v)) return isAtomicMap(info) || isEmptyContainer(v);
  return true;
}

/**
 * Whether two present values compare as one member (equal or modified), not
 * as two maps or two granular lists to walk member by member.
 */
export function comparedWhole(l: unknown, r: unknown, info: FieldPatchInfo | undefined): boolean {
  const bothObjects = isJsonObject(l) && isJsonObject(r);
  const bothLists = Array.isArray(l) && Array.isArray(r);
  return (
    (!bothObjects && !bothLists) ||
    (isEmptyContainer(l) && isEmptyContainer(r)) ||
    (bothObjects && isAtomicMap(info)) ||
    (bothLists && !isGranularList(info))
  );
}
