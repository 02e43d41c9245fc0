/**
 * The FieldsV1 of a create's managedFields entry, built straight from the
 * object: the encoding of stripUntracked(fieldSetOfCreated(obj)) without the
 * FieldSet between them (a Map per node, then a sorted copy of every node's
 * keys), which was a third of the memory a pod create allocates.
 */
import { comparePathElements, fieldElement } from "./field-set.ts";
import { isGranularList, indexList } from "./list-items.ts";
import { isJsonObject } from "./patch-errors.ts";
import { isAtomicMap, type FieldPatchInfo, type PatchSchema } from "./patch-schema.ts";

type FieldsV1 = Record<string, unknown>;

/** Metadata fields upstream never records in managedFields (set by the server, or identity). */
export const UNTRACKED_META_FIELDS = [
  "name",
  "namespace",
  "creationTimestamp",
  "selfLink",
  "uid",
  "clusterName",
  "generation",
  "managedFields",
  "resourceVersion",
];
const UNTRACKED_META = new Set(UNTRACKED_META_FIELDS);

const EMPTY_OBJECT = Object.freeze({}) as Record<string, unknown>;

/**
 * The FieldsV1 a create of `obj` records for its writer, or null when it
 * records nothing. Top-level fields named in `ignoredFields` (single `f:`
 * elements, as status or spec) are left out. Undefined when this builder does
 * not cover the object (deeper ignored paths, keys that Object.prototype
 * also has, untracked fields holding objects): the caller takes the general
 * path.
 */
export function createdFieldsV1(
  obj: Record<string, unknown>,
  schema: PatchSchema | undefined,
  ignoredFields: readonly (readonly string[])[] | undefined,
): FieldsV1 | null | undefined {
  let ignored: string | undefined;
  for (const p of ignoredFields ?? []) {
    if (p.length !== 1 || ignored !== undefined) return undefined;
    ignored = p[0];
  }
  const pes: string[] = [];
  const kids: FieldsV1[] = [];
  for (const key in obj) {
    const v = obj[key];
    // compareObjects reads `{}`'s value for each key (see fieldSetOfCreated).
    if (EMPTY_OBJECT[key] !== undefined) return undefined;
    if (v === undefined) continue;
    const pe = fieldElement(key);
    if (pe === ignored) continue;
    const info = schema?.field(key);
    if (key === "apiVersion" || key === "kind") {
      if (!isLeaf(v, info)) return undefined;
      continue;
    }
    if (key === "metadata") {
      if (!isJsonObject(v)) return undefined;
      const meta = metadataFields(v, info?.schema, info?.inZero === true);
      if (meta === undefined) return undefined;
      if (meta === null) continue;
      pes.push(pe);
      kids.push(meta);
      continue;
    }
    pes.push(pe);
    kids.push(encode(v, info, info?.inZero === true));
  }
  return pes.length === 0 ? null : sortedFields(pes, kids, false);
}

/** FieldsV1 of metadata, never a member itself, without its untracked fields (null: none left). */
function metadataFields(
  meta: Record<string, unknown>,
  schema: PatchSchema | undefined,
  present: boolean,
): FieldsV1 | null | undefined {
  const pes: string[] = [];
  const kids: FieldsV1[] = [];
  for (const key in meta) {
    if (key === "managedFields") continue;
    const v = meta[key];
    const info = schema?.field(key);
    if (UNTRACKED_META.has(key)) {
      if (!isLeaf(v, info)) return undefined;
      continue;
    }
    pes.push(fieldElement(key));
    kids.push(encode(v, info, present && info?.inZero === true));
  }
  return pes.length === 0 ? null : sortedFields(pes, kids, false);
}

/**
 * FieldsV1 of a value's node (as fieldSetOfCreated's collect marks it):
 * leaves are members without children ({}); a node with children is a member
 * too (".") unless Go's zero value of its parent holds it (`present`), and
 * free-form objects always are.
 */
function encode(v: unknown, info: FieldPatchInfo | undefined, present: boolean): FieldsV1 {
  if (isLeaf(v, info)) return {};
  const pes: string[] = [];
  const kids: FieldsV1[] = [];
  let member = !present;
  if (Array.isArray(v)) {
    const { order, items } = indexList(v, info, false);
    const itemInfo: FieldPatchInfo | undefined = info?.schema ? { schema: info.schema } : undefined;
    for (const pe of order) {
      pes.push(pe);
      kids.push(encode(items.get(pe), itemInfo, false));
    }
  } else {
    const obj = v as Record<string, unknown>;
    const schema = info?.schema;
    if (schema === undefined) member = true;
    for (const key in obj) {
      const child = schema?.field(key);
      pes.push(fieldElement(key));
      kids.push(encode(obj[key], child, present && child?.inZero === true));
    }
  }
  return sortedFields(pes, kids, member);
}

/** The FieldsV1 object of a node: "." first when a member, then the children by path element. */
function sortedFields(pes: string[], kids: FieldsV1[], member: boolean): FieldsV1 {
  const out: FieldsV1 = {};
  if (member) out["."] = {};
  if (pes.length > SMALL_NODE && !inOrder(pes)) {
    // A large node out of order (a map's keys as a client sent them): an
    // insertion sort would be quadratic in its keys.
    const index = pes.map((_, i) => i).sort((a, b) => comparePathElements(pes[a], pes[b]));
    for (const i of index) out[pes[i]] = kids[i];
    return out;
  }
  // Insertion sort of both arrays in place: most nodes have few children,
  // often in order already, and Array.prototype.sort would allocate.
  for (let i = 1; i < pes.length; i++) {
    const pe = pes[i];
    if (comparePathElements(pes[i - 1], pe) <= 0) continue;
    const kid = kids[i];
    let j = i - 1;
    for (; j >= 0 && comparePathElements(pes[j], pe) > 0; j--) {
      pes[j + 1] = pes[j];
      kids[j + 1] = kids[j];
    }
    pes[j + 1] = pe;
    kids[j + 1] = kid;
  }
  for (let i = 0; i < pes.length; i++) out[pes[i]] = kids[i];
  return out;
}

/** Children up to this many are insertion-sorted. */
const SMALL_NODE = 16;

function inOrder(pes: string[]): boolean {
  for (let i = 1; i < pes.length; i++)
    if (comparePathElements(pes[i - 1], pes[i]) > 0) return false;
  return true;
}

/** A member without children: scalars, atomic values, empty containers. */
function isLeaf(v: unknown, info: FieldPatchInfo | undefined): boolean {
  if (Array.isArray(v)) return v.length === 0 || !isGranularList(info);
  if (isJsonObject(v)) return isAtomicMap(info) || !hasKeys(v);
  return true;
}

function hasKeys(obj: Record<string, unknown>): boolean {
  for (const _ in obj) return true;
  return false;
}
