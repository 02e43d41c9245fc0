/**
 * The bridge between client-side apply (the
 * kubectl.kubernetes.io/last-applied-configuration annotation) and
 * server-side apply, as kube-apiserver does it for the field manager
 * "kubectl": conflicts on fields kubectl last applied with their live values
 * are allowed, and the annotation follows server-side applies so a later
 * client-side apply still works.
 */
import type { KObject } from "../types.ts";
import type { FieldSet } from "./field-set.ts";
import { compareObjects, fieldSetOf } from "./field-set-of.ts";
import { isJsonObject } from "./patch-errors.ts";
import type { PatchSchema } from "./patch-schema.ts";

export const LAST_APPLIED_ANNOTATION = "kubectl.kubernetes.io/last-applied-configuration";

/** The field manager whose applies the annotation follows. */
export const KUBECTL_MANAGER = "kubectl";

/**
 * Fields kubectl last applied client-side whose values the live object still
 * has; undefined when there is no usable annotation.
 */
export function allowedConflictsFromLastApplied(
  live: KObject,
  apiVersion: string,
  schema: PatchSchema | undefined,
): FieldSet | undefined {
  const text = live.metadata?.annotations?.[LAST_APPLIED_ANNOTATION];
  if (!text) return undefined;
  let lastApplied: unknown;
  try {
    lastApplied = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!isJsonObject(lastApplied) || lastApplied.apiVersion !== apiVersion) return undefined;
  try {
    const set = fieldSetOf(lastApplied, schema);
    const c = compareObjects(lastApplied, live, schema);
    return set.difference(c.modified).difference(c.added).difference(c.removed);
  } catch {
    return undefined;
  }
}

/** JSON with object keys sorted, as Go marshals maps. */
function sortedJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(sortedJson).join(",")}]`;
  if (isJsonObject(v)) {
    const keys = Object.keys(v).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${sortedJson(v[k])}`).join(",")}}`;
  }
  return JSON.stringify(v);
}

/** Upstream skips the annotation for configurations larger than this. */
const MAX_LAST_APPLIED_BYTES = 256 * 1024;

/**
 * When `obj` carries the annotation, rewrites it to the applied
 * configuration (without the annotation itself). Returns a shallow copy, or
 * `obj` when there is nothing to update.
 */
export function syncLastApplied(obj: KObject, applied: KObject): KObject {
  const annotations = obj.metadata?.annotations;
  if (!annotations || !Object.hasOwn(annotations, LAST_APPLIED_ANNOTATION)) return obj;
  const config = structuredClone(applied);
  if (config.metadata?.annotations) {
    delete config.metadata.annotations[LAST_APPLIED_ANNOTATION];
    if (Object.keys(config.metadata.annotations).length === 0) delete config.metadata.annotations;
  }
  const value = sortedJson(config);
  if (Buffer.byteLength(value) > MAX_LAST_APPLIED_BYTES) return obj;
  return {
    ...obj,
    metadata: {
      ...obj.metadata,
      annotations: { ...annotations, [LAST_APPLIED_ANNOTATION]: value },
    },
  };
}
