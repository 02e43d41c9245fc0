/**
 * Field sets derived from object values: the fields an applied
 * configuration specifies (`fieldSetOf`), and what changed between two
 * versions of an object (`compareObjects`).
 */
import { FieldSet, fieldElement, pathString } from "./field-set.ts";
import { isJsonObject } from "./patch-errors.ts";
import { jsonEqual } from "../../util/json-copy.ts";
import type { FieldPatchInfo, PatchSchema } from "./patch-schema.ts";
import { isAtomicMap } from "./patch-schema.ts";
import { indexList, isGranularList } from "./list-items.ts";
import { comparedWhole, isLeaf } from "./leaves.ts";

/**
 * The fields `value` (an object of type `schema`) specifies, as upstream's
 * ToFieldSet: every scalar, atomic list or map, empty object and null is a
 * member; list items and map entries are members besides their children;
 * struct fields holding non-empty objects are not. Throws an Error when an
 * associative list item lacks a key field.
 */
export function fieldSetOf(
  value: Record<string, unknown>,
  schema: PatchSchema | undefined,
): FieldSet {
  const set = new FieldSet();
  walkObject(value, schema, set, []);
  return set;
}

/** `path` is only for error messages; `node` is the set node of `obj`. */
function walkObject(
  obj: Record<string, unknown>,
  schema: PatchSchema | undefined,
  node: FieldSet,
  path: string[],
) {
  for (const key in obj) {
    const val = obj[key];
    const pe = fieldElement(key);
    const info = schema?.field(key);
    const child = node.child(pe);
    path.push(pe);
    walkValue(val, info, child, path);
    path.pop();
    const declaredField = schema !== undefined && !schema.isMap && info !== undefined;
    if (val === null || !declaredField || (isJsonObject(val) && Object.keys(val).length === 0))
      child.member = true;
    node.dropIfEmpty(pe);
  }
}

function walkValue(val: unknown, info: FieldPatchInfo | undefined, node: FieldSet, path: string[]) {
  if (Array.isArray(val)) {
    if (!isGranularList(info)) {
      node.member = true;
      return;
    }
    let indexed: ReturnType<typeof indexList>;
    try {
      indexed = indexList(val, info, true);
    } catch (err) {
      throw new Error(`${pathString(path)}: ${(err as Error).message}`);
    }
    for (const pe of indexed.order) {
      const item = indexed.items.get(pe);
      const child = node.child(pe);
      path.push(pe);
      if (isJsonObject(item)) walkObject(item, info?.schema, child, path);
      path.pop();
      child.member = true;
    }
  } else if (isJsonObject(val) && !isAtomicMap(info)) {
    walkObject(val, info?.schema, node, path);
  } else {
    node.member = true;
  }
}

/** What changed from one object to another, as sets of paths. */
export interface Comparison {
  added: FieldSet;
  removed: FieldSet;
  modified: FieldSet;
}

/**
 * Compares two objects of type `schema`. Leaves (scalars, atomic values,
 * empty containers) that differ are modified; nodes present on one side
 * only are added or removed together with everything below them. A node
 * with children counts as added or removed itself (its "." in FieldsV1)
 * only when Go's form of the other side lacks it: upstream compares typed
 * objects, in which required fields (null) and structs held by value ({})
 * are always present (FieldPatchInfo.inZero), so `f:spec` and
 * `f:containers` never get one, while a new list item, a new map such as
 * `f:labels` or a new pointer struct such as `f:rollingUpdate` does.
 */
export function compareObjects(
  oldObj: Record<string, unknown> | undefined,
  newObj: Record<string, unknown> | undefined,
  schema: PatchSchema | undefined,
): Comparison {
  const c: Comparison = {
    added: new FieldSet(),
    removed: new FieldSet(),
    modified: new FieldSet(),
  };
  compareMaps(oldObj ?? {}, newObj ?? {}, schema, [], c);
  return c;
}

const EMPTY_OBJECT = Object.freeze({});

/**
 * The fields a create records: the added and modified sets of
 * `compareObjects(undefined, obj, schema)`, built in one walk.
 */
export function fieldSetOfCreated(
  obj: Record<string, unknown>,
  schema: PatchSchema | undefined,
): FieldSet {
  const set = new FieldSet();
  for (const key in obj) {
    // compareObjects reads the old side's `key` from `{}`: a name such as
    // "constructor" finds Object.prototype's value there and compares.
    if ((EMPTY_OBJECT as Record<string, unknown>)[key] !== undefined)
      return compareAsCreated(obj, schema);
    const v = obj[key];
    if (v !== undefined) {
      const info = schema?.field(key);
      collect(v, info, set.child(fieldElement(key)), info?.inZero === true);
    }
  }
  return set;
}

function compareAsCreated(obj: Record<string, unknown>, schema: PatchSchema | undefined) {
  const c = compareObjects(undefined, obj, schema);
  return c.added.merge(c.modified);
}

function compareMaps(
  l: Record<string, unknown>,
  r: Record<string, unknown>,
  schema: PatchSchema | undefined,
  path: string[],
  c: Comparison,
) {
  for (const key in l) compareField(l, r, key, schema, path, c);
  for (const key in r) if (!Object.hasOwn(l, key)) compareField(l, r, key, schema, path, c);
}

/** Compares one field; `path` is extended for the call and restored after. */
function compareField(
  l: Record<string, unknown>,
  r: Record<string, unknown>,
  key: string,
  schema: PatchSchema | undefined,
  path: string[],
  c: Comparison,
) {
  const lv = l[key];
  const rv = r[key];
  if (lv === rv && (typeof lv !== "object" || lv === null)) return;
  path.push(fieldElement(key));
  compareValues(lv, rv, schema?.field(key), path, c, false);
  path.pop();
}

function compareValues(
  l: unknown,
  r: unknown,
  info: FieldPatchInfo | undefined,
  path: string[],
  c: Comparison,
  isItem: boolean,
) {
  if (l === undefined && r === undefined) return;
  // Equal sub-trees hold no change: one walk without paths, lists indexed or sets.
  if (typeof l === "object" && l !== null && jsonEqual(l, r)) return;
  // A field missing from one side is still in Go's form of it when inZero.
  const present = !isItem && info?.inZero === true;
  if (l === undefined) return collect(r, info, nodeAt(c.added, path), present);
  if (r === undefined) return collect(l, info, nodeAt(c.removed, path), present);
  if (comparedWhole(l, r, info)) {
    if (!jsonEqual(l, r)) c.modified.insert(path);
    return;
  }
  if (isJsonObject(l)) {
    compareMaps(l as Record<string, unknown>, r as Record<string, unknown>, info?.schema, path, c);
    return;
  }
  const li = indexList(l as unknown[], info, false);
  const ri = indexList(r as unknown[], info, false);
  const itemInfo: FieldPatchInfo | undefined = info?.schema ? { schema: info.schema } : undefined;
  for (const pe of new Set([...li.order, ...ri.order])) {
    path.push(pe);
    compareValues(li.items.get(pe), ri.items.get(pe), itemInfo, path, c, true);
    path.pop();
  }
}

/** The node of `set` at `path`, created when missing (callers make it non-empty). */
function nodeAt(set: FieldSet, path: readonly string[]): FieldSet {
  let node = set;
  for (const pe of path) node = node.child(pe);
  return node;
}

/**
 * Makes `node` (the node of some path) and everything below it that a value
 * specifies members. Leaves `node` non-empty: every value specifies something.
 * `present`: Go's form of the other side has this node (see compareObjects),
 * so it is no member of its own when it has children. Free-form objects (no
 * schema) are members at every level.
 */
function collect(v: unknown, info: FieldPatchInfo | undefined, node: FieldSet, present: boolean) {
  if (isLeaf(v, info)) {
    node.member = true;
    return;
  }
  if (!present) node.member = true;
  if (Array.isArray(v)) {
    const { order, items } = indexList(v, info, false);
    const itemInfo: FieldPatchInfo | undefined = info?.schema ? { schema: info.schema } : undefined;
    for (const pe of order) collect(items.get(pe), itemInfo, node.child(pe), false);
    return;
  }
  const obj = v as Record<string, unknown>;
  const schema = info?.schema;
  if (schema === undefined) node.member = true;
  for (const key in obj) {
    const child = schema?.field(key);
    collect(obj[key], child, node.child(fieldElement(key)), present && child?.inZero === true);
  }
}
