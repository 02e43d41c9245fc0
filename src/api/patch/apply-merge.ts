/**
 * The value side of server-side apply: merging an applied configuration
 * into the live object, and removing fields an applier gave up.
 */
import { isJsonObject } from "./patch-errors.ts";
import type { FieldPatchInfo, PatchSchema } from "./patch-schema.ts";
import { isAtomicMap, listSemantics } from "./patch-schema.ts";
import { indexList, isGranularList, listItemElement } from "./list-items.ts";

type JsonObject = Record<string, unknown>;

/**
 * Merges `applied` into `live` (neither is mutated): maps merge key by key,
 * associative and set lists merge item by item, everything else (scalars,
 * atomic lists and maps) takes the applied value. An explicit `null` in the
 * applied configuration removes the field. List order: applied items in
 * applied order, live-only items kept near the items they preceded.
 */
export function mergeApplied(
  live: JsonObject | undefined,
  applied: JsonObject,
  schema: PatchSchema | undefined,
): JsonObject {
  return mergeObjects(live ?? {}, applied, schema);
}

function mergeObjects(
  live: JsonObject,
  applied: JsonObject,
  schema: PatchSchema | undefined,
): JsonObject {
  const out: JsonObject = { ...live };
  for (const [key, value] of Object.entries(applied)) {
    const merged = mergeValue(live[key], value, schema?.field(key));
    if (merged === undefined) delete out[key];
    else out[key] = merged;
  }
  return out;
}

function mergeValue(live: unknown, applied: unknown, info: FieldPatchInfo | undefined): unknown {
  if (applied === null) return undefined;
  if (isJsonObject(applied)) {
    if (!isJsonObject(live) || isAtomicMap(info)) return stripNulls(applied);
    return mergeObjects(live, applied, info?.schema);
  }
  if (Array.isArray(applied)) {
    if (!Array.isArray(live) || !isGranularList(info)) return applied.map(stripNulls);
    return mergeLists(live, applied, info);
  }
  return applied;
}

function stripNulls(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(stripNulls);
  if (!isJsonObject(v)) return v;
  const out: JsonObject = {};
  for (const [k, x] of Object.entries(v)) if (x !== null) out[k] = stripNulls(x);
  return out;
}

function mergeLists(
  live: unknown[],
  applied: unknown[],
  info: FieldPatchInfo | undefined,
): unknown[] {
  const l = indexList(live, info, false);
  const r = indexList(applied, info, false);
  const itemInfo: FieldPatchInfo | undefined = info?.schema ? { schema: info.schema } : undefined;
  const mergeItem = (pe: string) => {
    const rv = r.items.get(pe);
    return rv === undefined ? l.items.get(pe) : mergeValue(l.items.get(pe), rv, itemInfo);
  };
  const shared = r.order.filter((pe) => l.items.has(pe));
  let nextShared = 0;
  const out: unknown[] = [];
  let li = 0;
  let ri = 0;
  while (li < l.order.length || ri < r.order.length) {
    if (li < l.order.length && ri < r.order.length) {
      const pe = l.order[li];
      if (pe === r.order[ri]) {
        push(out, mergeItem(pe));
        li++;
        ri++;
        if (shared[nextShared] === pe) nextShared++;
        continue;
      }
      if (r.items.has(pe) && shared[nextShared] !== undefined && shared[nextShared] !== pe) {
        li++;
        continue;
      }
    }
    if (li < l.order.length && !r.items.has(l.order[li])) {
      push(out, l.items.get(l.order[li]));
      li++;
      continue;
    }
    if (ri < r.order.length) {
      const pe = r.order[ri];
      push(out, mergeItem(pe));
      ri++;
      if (shared[nextShared] === pe) nextShared++;
      continue;
    }
    li++;
  }
  return out;
}

function push(out: unknown[], v: unknown) {
  if (v !== undefined) out.push(v);
}

/**
 * Removes the node at `path` (FieldsV1 path elements) from `obj` in place.
 * `obj` must be owned by the caller. Missing paths are ignored.
 */
export function removePath(
  obj: JsonObject,
  path: readonly string[],
  schema: PatchSchema | undefined,
): void {
  let container: unknown = obj;
  let info: FieldPatchInfo | undefined = schema ? { schema } : undefined;
  for (let i = 0; i < path.length; i++) {
    const pe = path[i];
    const last = i === path.length - 1;
    if (pe.startsWith("f:")) {
      if (!isJsonObject(container)) return;
      const name = pe.slice(2);
      if (last) {
        delete container[name];
        return;
      }
      info = info?.schema?.field(name);
      container = container[name];
      continue;
    }
    if (!Array.isArray(container)) return;
    const semantics = listSemantics(info);
    const index = container.findIndex((item, j) => {
      const r = listItemElement(item, j, semantics);
      return "pe" in r && r.pe === pe;
    });
    if (index < 0) return;
    if (last) {
      container.splice(index, 1);
      return;
    }
    info = info?.schema ? { schema: info.schema } : undefined;
    container = container[index];
  }
}

/** Whether `path` ends in a key field of the list item that holds it. */
export function isKeyFieldOfItem(path: readonly string[]): boolean {
  if (path.length < 2) return false;
  const parent = path[path.length - 2];
  const last = path[path.length - 1];
  if (!parent.startsWith("k:") || !last.startsWith("f:")) return false;
  try {
    return Object.hasOwn(JSON.parse(parent.slice(2)) as object, last.slice(2));
  } catch {
    return false;
  }
}
