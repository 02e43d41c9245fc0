/**
 * List handling for strategic merge patch: merging by patch merge key,
 * primitive sets, `$patch` directives on list elements, and the element
 * ordering rules of upstream (`$setElementOrder` > order in the patch >
 * order in the live list).
 */
import { badPatch, isJsonObject, patchNotApplicable } from "./patch-errors.ts";
import type { FieldPatchInfo, PatchSchema } from "./patch-schema.ts";
import { smpStrategy } from "./patch-schema.ts";

type JsonObject = Record<string, unknown>;

/** Merges a patch map into an original map (supplied by the caller to avoid an import cycle). */
export type MapMerger = (
  original: JsonObject | undefined,
  patch: JsonObject,
  schema: PatchSchema | undefined,
) => JsonObject;

/** Go's `%v` rendering of a JSON value, for upstream-shaped messages. */
export function goFormat(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(goFormat).join(" ")}]`;
  if (isJsonObject(v)) {
    const keys = Object.keys(v).sort();
    return `map[${keys.map((k) => `${k}:${goFormat(v[k])}`).join(" ")}]`;
  }
  if (v === null || v === undefined) return "<nil>";
  return String(v);
}

function noMergeKey(m: JsonObject, key: string): Error {
  return badPatch(`map: ${goFormat(m)} does not contain declared merge key: ${key}`);
}

/** "map" when the elements are objects, "scalar" otherwise; rejects lists of lists and mixed lists. */
export function elementKind(...lists: unknown[][]): "map" | "scalar" | undefined {
  let kind: "map" | "scalar" | undefined;
  for (const list of lists) {
    for (const v of list) {
      if (Array.isArray(v)) throw patchNotApplicable("lists of lists are not supported");
      const k = isJsonObject(v) ? "map" : "scalar";
      if (kind && kind !== k)
        throw badPatch(`list element types are not identical: ${goFormat(lists)}`);
      kind = k;
    }
  }
  return kind;
}

/** Identity of a list element for ordering: its merge key value, or itself for scalars. */
function identity(item: unknown, mergeKey: string | undefined): unknown {
  if (mergeKey && isJsonObject(item)) return item[mergeKey];
  return item;
}

function indexIn(list: unknown[], item: unknown, mergeKey: string | undefined): number {
  const id = identity(item, mergeKey);
  return list.findIndex((v) => identity(v, mergeKey) === id);
}

/** Splits `items` into those present in `by` and the rest, keeping order. */
export function partitionByPresence(
  items: unknown[],
  by: unknown[],
  mergeKey: string | undefined,
): [unknown[], unknown[]] {
  const present: unknown[] = [];
  const absent: unknown[] = [];
  for (const v of items) {
    if (mergeKey && isJsonObject(v) && !Object.hasOwn(v, mergeKey)) throw noMergeKey(v, mergeKey);
    (indexIn(by, v, mergeKey) >= 0 ? present : absent).push(v);
  }
  return [present, absent];
}

function sortByOrder(items: unknown[], order: unknown[], mergeKey: string | undefined): unknown[] {
  const rank = (v: unknown) => {
    const i = indexIn(order, v, mergeKey);
    return i < 0 ? Number.MAX_SAFE_INTEGER : i;
  };
  return items
    .map((v, i) => ({ v, i, r: rank(v) }))
    .sort((a, b) => a.r - b.r || a.i - b.i)
    .map((x) => x.v);
}

/**
 * Orders a merged list: patch items in `patchOrder`, server-only items in
 * `serverOrder`, interleaved so each server-only item stays before the
 * patch items that followed it in the live list.
 */
export function normalizeElementOrder(
  patchItems: unknown[],
  serverOnly: unknown[],
  patchOrder: unknown[],
  serverOrder: unknown[],
  mergeKey: string | undefined,
): unknown[] {
  const right = sortByOrder(patchItems, patchOrder, mergeKey);
  const left = sortByOrder(serverOnly, serverOrder, mergeKey);
  const out: unknown[] = [];
  let i = 0;
  let j = 0;
  while (i < left.length || j < right.length) {
    if (i >= left.length) out.push(right[j++]);
    else if (j >= right.length) out.push(left[i++]);
    else {
      const li = indexIn(serverOrder, left[i], mergeKey);
      const ri = indexIn(serverOrder, right[j], mergeKey);
      if (li >= 0 && ri >= 0 && li < ri) out.push(left[i++]);
      else out.push(right[j++]);
    }
  }
  return out;
}

/** Removes the given scalar values from a list ($deleteFromPrimitiveList). */
export function deleteFromPrimitiveList(current: unknown[], toDelete: unknown[]): unknown[] {
  return current.filter((v) => !toDelete.some((d) => d === v));
}

/** Builds a list value from patch content alone (no live list): directives processed, nulls pruned. */
export function listFromPatch(
  patch: unknown[],
  info: FieldPatchInfo | undefined,
  mergeMap: MapMerger,
): unknown[] {
  if (smpStrategy(info).merge) return mergeList([], patch, info, mergeMap);
  return patch.map((v) => (isJsonObject(v) ? mergeMap(undefined, v, info?.schema) : v));
}

/**
 * Merges a patch list into a live list for a field with patchStrategy
 * "merge": objects by merge key (recursively), scalars as a set. Neither
 * input is mutated.
 */
export function mergeList(
  original: unknown[],
  patch: unknown[],
  info: FieldPatchInfo | undefined,
  mergeMap: MapMerger,
): unknown[] {
  if (original.length === 0 && patch.length === 0) return [];
  const kind = elementKind(original, patch);
  const mergeKey = smpStrategy(info).mergeKey;
  if (kind === "scalar") {
    const merged: unknown[] = [];
    for (const v of [...original, ...patch]) if (!merged.some((m) => m === v)) merged.push(v);
    const [patchItems, serverOnly] = partitionByPresence(merged, patch, undefined);
    return normalizeElementOrder(patchItems, serverOnly, patch, original, undefined);
  }
  if (!mergeKey) throw badPatch("cannot merge lists without merge key for type map");
  let live = original.slice();
  const plain: JsonObject[] = [];
  let replace = false;
  for (const v of patch as JsonObject[]) {
    if (!Object.hasOwn(v, "$patch")) {
      plain.push(v);
      continue;
    }
    const directive = v.$patch;
    if (directive === "delete") {
      if (!Object.hasOwn(v, mergeKey)) throw noMergeKey(v, mergeKey);
      live = live.filter((item) => !(isJsonObject(item) && item[mergeKey] === v[mergeKey]));
    } else if (directive === "replace") {
      replace = true;
    } else if (directive === "merge") {
      const { $patch: _, ...rest } = v;
      plain.push(rest);
    } else {
      throw badPatch(`unknown patch type: ${goFormat(directive)} in map: ${goFormat(v)}`);
    }
  }
  if (replace) return plain.map((v) => mergeMap(undefined, v, info?.schema));
  const merged = live.slice();
  for (const v of plain) {
    if (!Object.hasOwn(v, mergeKey)) throw noMergeKey(v, mergeKey);
    const i = merged.findIndex((item) => isJsonObject(item) && item[mergeKey] === v[mergeKey]);
    if (i >= 0) merged[i] = mergeMap(merged[i] as JsonObject, v, info?.schema);
    else merged.push(mergeMap(undefined, v, info?.schema));
  }
  const [patchItems, serverOnly] = partitionByPresence(merged, plain, mergeKey);
  return normalizeElementOrder(patchItems, serverOnly, plain, live, mergeKey);
}

/**
 * Checks that the items of a patch list appear in the same relative order
 * as in its `$setElementOrder` list (delete directives excepted).
 */
export function validateSetElementOrder(
  patchList: unknown[],
  order: unknown[],
  mergeKey: string | undefined,
): void {
  if (order.length === 0 || patchList.length === 0) return;
  const items = patchList.filter((v) => !(isJsonObject(v) && Object.hasOwn(v, "$patch")));
  let p = 0;
  let o = 0;
  while (p < items.length && o < order.length) {
    const a = items[p];
    const b = order[o];
    if (mergeKey) {
      if (!isJsonObject(a) || !isJsonObject(b))
        throw badPatch("invalid patch format of setElementOrder list");
      if (!Object.hasOwn(a, mergeKey)) throw noMergeKey(a, mergeKey);
      if (!Object.hasOwn(b, mergeKey)) throw noMergeKey(b, mergeKey);
    }
    if (identity(a, mergeKey) === identity(b, mergeKey)) p++;
    o++;
  }
  if (p < items.length) {
    throw badPatch(
      `The order in patch list:\n${goFormat(patchList)}\n doesn't match $setElementOrder list:\n${goFormat(order)}\n`,
    );
  }
}
