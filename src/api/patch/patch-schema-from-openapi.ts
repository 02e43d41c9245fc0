/**
 * PatchSchema over an OpenAPI v3 (structural) schema, as custom resources
 * declare them: x-kubernetes-list-type / -list-map-keys / -map-type and
 * x-kubernetes-patch-strategy / -patch-merge-key drive merging; lists
 * without a list type are atomic, as upstream treats CRD lists.
 */
import { isJsonObject } from "./patch-errors.ts";
import type { FieldPatchInfo, PatchSchema } from "./patch-schema.ts";
import { mapSchema } from "./patch-schema.ts";

type OpenAPISchema = Record<string, unknown>;

/**
 * The PatchSchema of an OpenAPI v3 object schema. `metadata`, when given,
 * replaces the schema of the top-level `metadata` field (CRD schemas leave
 * it as a bare object; upstream uses ObjectMeta).
 */
export function patchSchemaFromOpenAPI(schema: OpenAPISchema, metadata?: PatchSchema): PatchSchema {
  const root = objectSchema(schema);
  if (!metadata) return root;
  return {
    field: (name) => (name === "metadata" ? { schema: metadata } : root.field(name)),
  };
}

function objectSchema(schema: OpenAPISchema): PatchSchema {
  const properties = isJsonObject(schema.properties) ? schema.properties : undefined;
  const additional = schema.additionalProperties;
  if (!properties && isJsonObject(additional)) return mapSchema(infoFor(additional));
  const cache = new Map<string, FieldPatchInfo | null>();
  return {
    field(name) {
      let info = cache.get(name);
      if (info === undefined) {
        const prop = properties && Object.hasOwn(properties, name) ? properties[name] : undefined;
        info = isJsonObject(prop) ? infoFor(prop) : null;
        cache.set(name, info);
      }
      return info ?? undefined;
    },
  };
}

function stringList(v: unknown): string[] | undefined {
  return Array.isArray(v) && v.every((x) => typeof x === "string") ? (v as string[]) : undefined;
}

function infoFor(prop: OpenAPISchema): FieldPatchInfo {
  const info: FieldPatchInfo = {};
  if (typeof prop["x-kubernetes-patch-strategy"] === "string")
    info.strategy = prop["x-kubernetes-patch-strategy"];
  if (typeof prop["x-kubernetes-patch-merge-key"] === "string")
    info.mergeKey = prop["x-kubernetes-patch-merge-key"];
  const listType = prop["x-kubernetes-list-type"];
  if (listType === "atomic" || listType === "set" || listType === "map") info.listType = listType;
  else if (prop.type === "array" && !info.strategy) info.listType = "atomic";
  const keys = stringList(prop["x-kubernetes-list-map-keys"]);
  if (keys) info.listMapKeys = keys;
  const mapType = prop["x-kubernetes-map-type"];
  if (mapType === "atomic" || mapType === "granular") info.mapType = mapType;
  const value = prop.type === "array" ? prop.items : prop;
  if (
    isJsonObject(value) &&
    (isJsonObject(value.properties) || isJsonObject(value.additionalProperties))
  ) {
    info.schema = objectSchema(value);
  }
  return info;
}
