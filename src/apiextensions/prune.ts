/**
 * Structural pruning and defaulting of custom resources, as upstream:
 * fields a structural schema does not specify are dropped (unless
 * x-kubernetes-preserve-unknown-fields), apiVersion/kind/metadata survive at
 * the root and in embedded resources; defaults fill absent (or null,
 * non-nullable) properties top-down.
 */
import type { JSONSchemaProps } from "./types.ts";

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

const TYPE_META = new Set(["apiVersion", "kind", "metadata"]);

/**
 * Removes unknown fields from `value` in place; returns their paths
 * ("spec.foo", "spec.items[0].bar") for strict field validation.
 * `root` keeps apiVersion, kind and metadata at the top level.
 */
export function prune(value: unknown, schema: JSONSchemaProps | undefined, root = true): string[] {
  const removed: string[] = [];
  pruneAt(value, schema, "", root, removed);
  return removed;
}

function join(path: string, name: string): string {
  return path === "" ? name : `${path}.${name}`;
}

function pruneAt(
  v: unknown,
  s: JSONSchemaProps | undefined,
  path: string,
  keepMeta: boolean,
  removed: string[],
): void {
  if (s === undefined) return;
  if (Array.isArray(v)) {
    if (s.items)
      v.forEach((item, i) =>
        pruneAt(
          item,
          s.items,
          `${path}[${i}]`,
          !!s.items!["x-kubernetes-embedded-resource"],
          removed,
        ),
      );
    return;
  }
  if (!isObject(v)) return;
  const preserve = s["x-kubernetes-preserve-unknown-fields"] === true;
  const ap = s.additionalProperties;
  for (const [k, child] of Object.entries(v)) {
    const ps = s.properties?.[k];
    if (ps) {
      pruneAt(child, ps, join(path, k), !!ps["x-kubernetes-embedded-resource"], removed);
    } else if (typeof ap === "object") {
      pruneAt(child, ap, `${path}[${k}]`, !!ap["x-kubernetes-embedded-resource"], removed);
    } else if (keepMeta && TYPE_META.has(k)) {
      continue;
    } else if (!preserve && ap !== true) {
      delete v[k];
      removed.push(join(path, k));
    }
  }
}

/** Applies schema defaults to `value` in place (top-down); returns it. */
export function applyDefaults(value: unknown, schema: JSONSchemaProps | undefined): unknown {
  if (schema === undefined) return value;
  if (Array.isArray(value)) {
    if (schema.items) value.forEach((item) => applyDefaults(item, schema.items));
    return value;
  }
  if (!isObject(value)) return value;
  for (const [k, ps] of Object.entries(schema.properties ?? {})) {
    if (ps.default === undefined) continue;
    if (!(k in value) || value[k] === undefined || (value[k] === null && !ps.nullable)) {
      value[k] = structuredClone(ps.default);
    }
  }
  for (const [k, child] of Object.entries(value)) {
    const ps = schema.properties?.[k];
    if (ps) applyDefaults(child, ps);
    else if (typeof schema.additionalProperties === "object")
      applyDefaults(child, schema.additionalProperties);
  }
  return value;
}

/**
 * Drops nulls of non-nullable properties, as upstream does before defaulting
 * (a default then fills them); in place.
 */
export function dropNulls(value: unknown, schema: JSONSchemaProps | undefined): void {
  if (schema === undefined) return;
  if (Array.isArray(value)) {
    if (schema.items) value.forEach((item) => dropNulls(item, schema.items));
    return;
  }
  if (!isObject(value)) return;
  for (const [k, child] of Object.entries(value)) {
    const ps =
      schema.properties?.[k] ??
      (typeof schema.additionalProperties === "object" ? schema.additionalProperties : undefined);
    if (!ps) continue;
    if (child === null && !ps.nullable && schema.properties?.[k]) delete value[k];
    else dropNulls(child, ps);
  }
}
