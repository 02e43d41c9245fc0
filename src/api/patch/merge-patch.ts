/**
 * RFC 7386 JSON Merge Patch (`application/merge-patch+json`).
 */
import { badPatch, isJsonObject } from "./patch-errors.ts";
import { copyJson } from "../../util/json-copy.ts";

/**
 * Applies a merge patch to `doc` and returns the new document; `doc` and
 * `patch` are never mutated. Objects merge key by key, `null` deletes a key,
 * anything else (arrays included) replaces. A patch that is not a JSON object
 * is rejected with 400, as kube-apiserver does for objects it serves.
 */
export function applyMergePatch(doc: unknown, patch: unknown): unknown {
  if (!isJsonObject(patch)) throw badPatch("Invalid JSON Patch");
  return mergeValue(doc, patch);
}

/** RFC 7386 MergePatch(target, patch) on any JSON values. */
export function mergeValue(target: unknown, patch: unknown): unknown {
  if (!isJsonObject(patch)) return copyJson(patch);
  const out: Record<string, unknown> = isJsonObject(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete out[key];
    else out[key] = mergeValue(out[key], value);
  }
  return out;
}
