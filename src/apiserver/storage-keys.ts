/** Where API objects live in storage: key layout, and the apiVersion string of a def. */
import type { ResourceDef } from "../api/types.ts";

/** The stored identity of a resource: several served versions may share it. */
export function storageResourceOf(def: ResourceDef): string {
  return def.storage?.resource ?? def.resource;
}

/** apiVersion string of a def ("v1", "apps/v1"). */
export function apiVersionOf(def: { group: string; version: string }): string {
  return def.group ? `${def.group}/${def.version}` : def.version;
}

/** Storage key prefix; with a namespace, only that namespace's objects. */
export function keyPrefix(def: ResourceDef, namespace?: string): string {
  let base = PREFIXES.get(def);
  if (base === undefined) PREFIXES.set(def, (base = `/registry/${storageResourceOf(def)}/`));
  return def.namespaced && namespace ? `${base}${namespace}/` : base;
}

/** Each def's key prefix, made once (a flat string: map lookups by it need no flattening). */
const PREFIXES = new WeakMap<ResourceDef, string>();

/** The storage key of one object. */
export function objectKey(def: ResourceDef, namespace: string, name: string): string {
  return def.namespaced
    ? `/registry/${storageResourceOf(def)}/${namespace}/${name}`
    : `/registry/${storageResourceOf(def)}/${name}`;
}
