/**
 * The usual update in one walk, without field sets: a writer changing only
 * leaves it already owns (a node renewing its Lease, a kubelet refreshing
 * its status). Compares the old and new objects as compareObjects does,
 * following the writer's and the other managers' stored FieldsV1 trees
 * along the way, and answers whether every change is a modified leaf the
 * writer owns and no other manager does. Anything else (a field added or
 * removed, a list item added, removed or moved, a leaf someone else owns,
 * an odd shape) is left to the general computation.
 */
import { fieldElement } from "./field-set.ts";
import { UNTRACKED_META_FIELDS } from "./created-fields.ts";
import { isJsonObject } from "./patch-errors.ts";
import { indexList } from "./list-items.ts";
import { comparedWhole, isLeaf } from "./leaves.ts";
import type { FieldPatchInfo, PatchSchema } from "./patch-schema.ts";
import { jsonEqual } from "../../util/json-copy.ts";

type Raw = Record<string, unknown>;

/**
 * "none": the objects hold no tracked change; "owned": every change is a
 * leaf `mine` owns and none of `others` does; undefined: not covered here.
 */
export type OwnedChange = "none" | "owned" | undefined;

const UNTRACKED_META = new Set(UNTRACKED_META_FIELDS);
const UNTRACKED_TOP = new Set(["apiVersion", "kind"]);
const EMPTY_OBJECT = Object.freeze({}) as Raw;

/** Thrown inside the walk when a change is not covered (unwinds it at once). */
const NOT_COVERED = Symbol("not covered");

/**
 * Whether the change from `oldObj` to `newObj` (both with managedFields,
 * which are skipped) is only leaves `mine` (the writer's stored FieldsV1)
 * owns and none of `others` do. `ignoredFields` must be single `f:`
 * elements (top-level fields this write never tracks), else undefined.
 */
export function ownedChange(
  oldObj: Raw,
  newObj: Raw,
  schema: PatchSchema | undefined,
  ignoredFields: readonly (readonly string[])[] | undefined,
  mine: Raw | undefined,
  others: Raw[],
): OwnedChange {
  let ignored: Set<string> | undefined;
  for (const p of ignoredFields ?? []) {
    if (p.length !== 1 || !p[0].startsWith("f:")) return undefined;
    (ignored ??= new Set()).add(p[0]);
  }
  const walk = new Walk(mine, others);
  try {
    walk.top(oldObj, newObj, schema, ignored);
  } catch (err) {
    if (err === NOT_COVERED) return undefined;
    throw err;
  }
  return walk.changed ? "owned" : "none";
}

class Walk {
  changed = false;
  /** The writer's node at the current path (undefined: owns nothing below). */
  #mine: Raw | undefined;
  /** The other managers' nodes at the current path that exist. */
  #others: Raw[];

  constructor(mine: Raw | undefined, others: Raw[]) {
    this.#mine = mine;
    this.#others = others;
  }

  top(l: Raw, r: Raw, schema: PatchSchema | undefined, ignored: Set<string> | undefined) {
    this.#keys(l, r, (key) => {
      const pe = fieldElement(key);
      if (ignored?.has(pe)) return;
      const info = schema?.field(key);
      if (UNTRACKED_TOP.has(key)) return untracked(l[key], r[key], info);
      if (key !== "metadata") return this.#field(l[key], r[key], info, pe);
      const lm = l[key];
      const rm = r[key];
      if (!isJsonObject(lm) || !isJsonObject(rm)) throw NOT_COVERED;
      this.#below(pe, () => this.#metadata(lm, rm, info?.schema));
    });
  }

  #metadata(l: Raw, r: Raw, schema: PatchSchema | undefined) {
    this.#keys(l, r, (key) => {
      if (key === "managedFields") return;
      const info = schema?.field(key);
      if (UNTRACKED_META.has(key)) return untracked(l[key], r[key], info);
      this.#field(l[key], r[key], info, fieldElement(key));
    });
  }

  /** Calls `each` for every key of l or r (r's own keys missing from l after). */
  #keys(l: Raw, r: Raw, each: (key: string) => void) {
    for (const key in l) {
      // A key Object.prototype holds reads differently in compareObjects.
      if (EMPTY_OBJECT[key] !== undefined) throw NOT_COVERED;
      each(key);
    }
    for (const key in r) {
      if (Object.hasOwn(l, key)) continue;
      if (EMPTY_OBJECT[key] !== undefined) throw NOT_COVERED;
      each(key);
    }
  }

  #field(l: unknown, r: unknown, info: FieldPatchInfo | undefined, pe: string) {
    if (l === r && (typeof l !== "object" || l === null)) return;
    this.#below(pe, () => this.#value(l, r, info));
  }

  /** compareValues' cases; only a modified leaf is a change covered here. */
  #value(l: unknown, r: unknown, info: FieldPatchInfo | undefined) {
    if (l === undefined && r === undefined) return;
    if (typeof l === "object" && l !== null && jsonEqual(l, r)) return;
    if (l === undefined || r === undefined) throw NOT_COVERED; // added or removed
    if (comparedWhole(l, r, info)) {
      if (!jsonEqual(l, r)) this.#modifiedLeaf();
      return;
    }
    if (isJsonObject(l)) {
      const schema = info?.schema;
      this.#keys(l as Raw, r as Raw, (key) =>
        this.#field((l as Raw)[key], (r as Raw)[key], schema?.field(key), fieldElement(key)),
      );
      return;
    }
    const li = indexList(l as unknown[], info, false);
    const ri = indexList(r as unknown[], info, false);
    // The same items in the same order; anything else is left to the full diff.
    if (li.order.length !== ri.order.length) throw NOT_COVERED;
    for (let i = 0; i < li.order.length; i++) if (li.order[i] !== ri.order[i]) throw NOT_COVERED;
    const itemInfo: FieldPatchInfo | undefined = info?.schema ? { schema: info.schema } : undefined;
    for (const pe of li.order) {
      this.#below(pe, () => this.#value(li.items.get(pe), ri.items.get(pe), itemInfo));
    }
  }

  /** The leaf at the current path changed: the writer must own it, nobody else. */
  #modifiedLeaf() {
    if (!isMember(this.#mine)) throw NOT_COVERED;
    for (const o of this.#others) if (isMember(o)) throw NOT_COVERED;
    this.changed = true;
  }

  /** Runs `fn` with the managers' nodes moved to child `pe`, restoring them after. */
  #below(pe: string, fn: () => void) {
    const mine = this.#mine;
    const others = this.#others;
    const m = mine?.[pe];
    this.#mine = isJsonObject(m) ? m : undefined;
    if (others.length) {
      const next: Raw[] = [];
      for (const o of others) {
        const c = o[pe];
        if (isJsonObject(c)) next.push(c);
      }
      this.#others = next;
    }
    fn();
    this.#mine = mine;
    this.#others = others;
  }
}

/** An untracked field's values: leaves are never recorded; anything else is not covered. */
function untracked(l: unknown, r: unknown, info: FieldPatchInfo | undefined) {
  if ((l !== undefined && !isLeaf(l, info)) || (r !== undefined && !isLeaf(r, info)))
    throw NOT_COVERED;
}

/** A FieldsV1 node that is a member itself: a leaf ({}) or one holding ".". */
function isMember(node: Raw | undefined): boolean {
  if (node === undefined) return false;
  for (const _ in node) return Object.hasOwn(node, ".");
  return true;
}
