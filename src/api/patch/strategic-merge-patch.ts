/**
 * Kubernetes strategic merge patch (`application/strategic-merge-patch+json`),
 * applied server side. Semantics follow k8s.io/apimachinery strategicpatch
 * (StrategicMergeMapPatch with MergeParallelList and IgnoreUnmatchedNulls):
 *
 * - maps merge key by key; `null` deletes a key; `$patch: replace` replaces
 *   the map, `$patch: delete` empties it;
 * - lists whose field has patchStrategy "merge" merge by patchMergeKey (maps)
 *   or as sets (scalars); other lists are replaced;
 * - list elements may carry `$patch: delete` (remove by key) or
 *   `$patch: replace` (the patch list replaces the live one);
 * - `$setElementOrder/<field>` fixes the order of a merged list,
 *   `$deleteFromPrimitiveList/<field>` removes scalars, `$retainKeys` drops
 *   every key not listed;
 * - fields unknown to the schema merge as JSON merge patch would.
 *
 * Malformed directives are 400 BadRequest; lists of lists are 422, as upstream.
 */
import { badPatch, isJsonObject } from "./patch-errors.ts";
import { copyJson } from "../../util/json-copy.ts";
import type { FieldPatchInfo, PatchSchema } from "./patch-schema.ts";
import { smpStrategy } from "./patch-schema.ts";
import {
  deleteFromPrimitiveList,
  elementKind,
  listFromPatch,
  mergeList,
  normalizeElementOrder,
  partitionByPresence,
  validateSetElementOrder,
} from "./smp-list.ts";

type JsonObject = Record<string, unknown>;

const DIRECTIVE = "$patch";
const RETAIN_KEYS = "$retainKeys";
const SET_ELEMENT_ORDER = "$setElementOrder";
const DELETE_FROM_PRIMITIVE_LIST = "$deleteFromPrimitiveList";

/**
 * Applies a strategic merge patch to `doc` (a JSON object) and returns the
 * new object. The patch is never mutated; `doc` is not either unless the
 * caller passes `ownsDoc` (a copy it gives up: it may be changed and
 * returned, saving a deep copy). `schema` describes the root type;
 * undefined means free-form (merge-patch semantics plus directives).
 */
export function applyStrategicMergePatch(
  doc: unknown,
  patch: unknown,
  schema: PatchSchema | undefined,
  opts: { ownsDoc?: boolean } = {},
): JsonObject {
  if (!isJsonObject(patch)) {
    const kind = patch === null ? "null" : Array.isArray(patch) ? "array" : typeof patch;
    throw badPatch(`json: cannot unmarshal ${kind} into Go value of type map[string]interface {}`);
  }
  const original = isJsonObject(doc) ? (opts.ownsDoc ? doc : copyJson(doc)) : {};
  return mergeMap(original, copyJson(patch), schema);
}

/** Key after a `<prefix>/` directive prefix, or a 400 with upstream's message. */
function directiveKey(key: string, prefix: string, message: string): string {
  const slash = key.indexOf("/");
  if (slash < 0 || key.slice(0, slash) !== prefix) throw badPatch(message);
  return key.slice(slash + 1);
}

/**
 * Merges `patch` into `original`. Both are owned by the caller and may be
 * modified; the result may share structure with either.
 */
function mergeMap(
  original: JsonObject | undefined,
  patch: JsonObject,
  schema: PatchSchema | undefined,
): JsonObject {
  if (Object.hasOwn(patch, DIRECTIVE)) {
    const directive = patch[DIRECTIVE];
    delete patch[DIRECTIVE];
    if (directive === "delete") return {};
    if (directive === "replace") return mergeMap(undefined, patch, schema);
    if (directive !== "merge") {
      throw badPatch(`unknown patch type: ${String(directive)} in map: ${JSON.stringify(patch)}`);
    }
  }
  const out: JsonObject = original ?? {};
  applyRetainKeys(out, patch);
  applySetElementOrder(out, patch, schema);
  for (const [rawKey, patchValue] of Object.entries(patch)) {
    if (rawKey.startsWith(DELETE_FROM_PRIMITIVE_LIST)) {
      const key = directiveKey(
        rawKey,
        DELETE_FROM_PRIMITIVE_LIST,
        "invalid patch format of primitive list",
      );
      if (!Array.isArray(patchValue)) throw badPatch("invalid patch format of primitive list");
      if (Array.isArray(out[key]))
        out[key] = deleteFromPrimitiveList(out[key] as unknown[], patchValue);
      continue;
    }
    mergeField(out, rawKey, patchValue, schema?.field(rawKey));
  }
  return out;
}

function mergeField(
  out: JsonObject,
  key: string,
  patchValue: unknown,
  info: FieldPatchInfo | undefined,
): void {
  if (patchValue === null) {
    delete out[key];
    return;
  }
  const current = out[key];
  const strategy = smpStrategy(info);
  if (isJsonObject(patchValue)) {
    const keep = isJsonObject(current) && !strategy.replace ? current : undefined;
    out[key] = mergeMap(keep, patchValue, info?.schema);
  } else if (Array.isArray(patchValue)) {
    if (Array.isArray(current) && strategy.merge)
      out[key] = mergeList(current, patchValue, info, mergeMap);
    else out[key] = listFromPatch(patchValue, info, mergeMap);
  } else {
    out[key] = patchValue;
  }
}

/** `$retainKeys`: clears keys of `original` that are not listed. */
function applyRetainKeys(original: JsonObject, patch: JsonObject): void {
  if (!Object.hasOwn(patch, RETAIN_KEYS)) return;
  const list = patch[RETAIN_KEYS];
  delete patch[RETAIN_KEYS];
  if (!Array.isArray(list)) throw badPatch("invalid patch format of retainKeys");
  const keep = new Set(list);
  for (const [k, v] of Object.entries(patch)) {
    if (v === null || k.startsWith(DELETE_FROM_PRIMITIVE_LIST) || k.startsWith(SET_ELEMENT_ORDER))
      continue;
    if (!keep.has(k)) throw badPatch("invalid patch format of retainKeys");
  }
  for (const k of Object.keys(original)) if (!keep.has(k)) delete original[k];
}

/**
 * `$setElementOrder/<field>`: merges the field's patch list (if any) into
 * the live list and orders the result; consumes both keys from `patch`.
 */
function applySetElementOrder(
  original: JsonObject,
  patch: JsonObject,
  schema: PatchSchema | undefined,
): void {
  for (const rawKey of Object.keys(patch)) {
    if (!rawKey.startsWith(SET_ELEMENT_ORDER)) continue;
    const order = patch[rawKey];
    delete patch[rawKey];
    const key = directiveKey(
      rawKey,
      SET_ELEMENT_ORDER,
      "invalid patch format of setElementOrder list",
    );
    if (!Array.isArray(order)) throw badPatch("invalid patch format of setElementOrder list");
    const hasLive = Object.hasOwn(original, key);
    const hasPatch = Object.hasOwn(patch, key);
    const live = original[key];
    const patchList = patch[key];
    if ((hasLive && !Array.isArray(live)) || (hasPatch && !Array.isArray(patchList))) {
      throw badPatch("invalid patch format of setElementOrder list");
    }
    const info = schema?.field(key);
    const strategy = smpStrategy(info);
    const mergeKey = strategy.mergeKey;
    validateSetElementOrder((patchList as unknown[]) ?? [], order, mergeKey);
    let merged: unknown[];
    if (hasLive && hasPatch) {
      merged = strategy.merge
        ? mergeList(live as unknown[], patchList as unknown[], info, mergeMap)
        : listFromPatch(patchList as unknown[], info, mergeMap);
    } else if (hasPatch) {
      merged = listFromPatch(patchList as unknown[], info, mergeMap);
    } else if (hasLive) {
      merged = live as unknown[];
    } else {
      continue;
    }
    delete patch[key];
    const liveList = hasLive ? (live as unknown[]) : [];
    const kind = elementKind(liveList, (patchList as unknown[]) ?? []);
    const key0 = kind === "map" ? mergeKey : undefined;
    const [inOrder, serverOnly] = partitionByPresence(merged, order, key0);
    original[key] = normalizeElementOrder(inOrder, serverOnly, order, liveList, key0);
  }
}
