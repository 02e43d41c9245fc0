/**
 * OpenAPI v3 component schemas derived from the schema table, shaped as
 * upstream's /openapi/v3 documents shape them: one component per type named
 * by its full name, refs as "#/components/schemas/<name>" (wrapped in allOf
 * when the field adds a description), Kubernetes vendor extensions for
 * patch and list semantics, and components for the special types.
 */
import type { FieldSpec } from "./types.ts";
import { splitTypeName, type SchemaRegistry, type TypeRef } from "./schema-registry.ts";

/** A JSON value of an OpenAPI document. */
export type OpenAPIObject = { [key: string]: unknown };

/** The "#/components/schemas/..." reference to a component. */
export function schemaRef(name: string): OpenAPIObject {
  return { $ref: `#/components/schemas/${name}` };
}

const TIME = "io.k8s.apimachinery.pkg.apis.meta.v1.Time";
const MICRO_TIME = "io.k8s.apimachinery.pkg.apis.meta.v1.MicroTime";
const QUANTITY = "io.k8s.apimachinery.pkg.api.resource.Quantity";
const INT_OR_STRING = "io.k8s.apimachinery.pkg.util.intstr.IntOrString";
const RAW_EXTENSION = "io.k8s.apimachinery.pkg.runtime.RawExtension";

const API_VERSION_DOC =
  "Versioned schema of this representation (group/version); the server may convert between versions.";
const KIND_DOC = "REST kind of this object, in CamelCase; the server infers it from the endpoint.";

/** Components standing for the special types, keyed by component name. */
const SPECIAL_COMPONENTS: Record<string, OpenAPIObject> = {
  [TIME]: {
    description: "A timestamp in RFC 3339 form with second precision, in UTC.",
    type: "string",
    format: "date-time",
  },
  [MICRO_TIME]: {
    description: "A timestamp in RFC 3339 form with microsecond precision, in UTC.",
    type: "string",
    format: "date-time",
  },
  [QUANTITY]: {
    description:
      'A fixed-point number with an optional SI or binary suffix, e.g. "100m", "1.5", "128Mi", "2G".',
    oneOf: [{ type: "string" }, { type: "number" }],
  },
  [INT_OR_STRING]: {
    description: 'Either an integer or a string, e.g. 3 or "25%".',
    format: "int-or-string",
    oneOf: [{ type: "integer" }, { type: "string" }],
    "x-kubernetes-int-or-string": true,
  },
  [RAW_EXTENSION]: {
    description: "An embedded object of any kind, carried as-is.",
    type: "object",
  },
};

/** Component name used for each special type that is referenced. */
const SPECIAL_REF: Partial<Record<string, string>> = {
  Time: TIME,
  MicroTime: MICRO_TIME,
  Quantity: QUANTITY,
  IntOrString: INT_OR_STRING,
  RawExtension: RAW_EXTENSION,
};

/** The schema of a value of the given type, without description or extensions. */
function valueSchema(ref: TypeRef, reached: Set<string>): OpenAPIObject {
  switch (ref.kind) {
    case "scalar":
      switch (ref.name) {
        case "string":
          return { type: "string" };
        case "bool":
          return { type: "boolean" };
        case "int32":
        case "int64":
          return { type: "integer", format: ref.name };
        case "double":
          return { type: "number", format: "double" };
        case "bytes":
          return { type: "string", format: "byte" };
      }
      break;
    case "special": {
      const component = SPECIAL_REF[ref.name];
      if (component !== undefined) {
        reached.add(component);
        return schemaRef(component);
      }
      // Duration is a Go duration string; JSON is any value, never checked.
      return ref.name === "Duration"
        ? { type: "string" }
        : { "x-kubernetes-preserve-unknown-fields": true };
    }
    case "ref":
      reached.add(ref.name);
      return schemaRef(ref.name);
    case "list":
      return { type: "array", items: valueSchema(ref.of, reached) };
    case "map":
      return { type: "object", additionalProperties: valueSchema(ref.of, reached) };
  }
  throw new Error(`Cannot build a schema for type ${JSON.stringify(ref)}`);
}

/** The property schema of one field, adding description, enum and vendor extensions. */
function propertySchema(type: TypeRef, spec: FieldSpec, reached: Set<string>): OpenAPIObject {
  const opts = spec[2] ?? {};
  const extra: OpenAPIObject = {};
  if (opts.description) extra.description = opts.description;
  if (opts.enum) extra.enum = [...opts.enum];
  if (opts.patchMergeKey) extra["x-kubernetes-patch-merge-key"] = opts.patchMergeKey;
  if (opts.patchStrategy) extra["x-kubernetes-patch-strategy"] = opts.patchStrategy;
  if (opts.listType) extra["x-kubernetes-list-type"] = opts.listType;
  if (opts.listMapKeys) extra["x-kubernetes-list-map-keys"] = [...opts.listMapKeys];
  if (opts.mapType) extra["x-kubernetes-map-type"] = opts.mapType;
  const base = valueSchema(type, reached);
  if (typeof base.$ref === "string" && Object.keys(extra).length > 0) {
    // A $ref may not have siblings in OpenAPI 3.0: wrap it, as upstream does.
    return { allOf: [base], ...extra };
  }
  return { ...base, ...extra };
}

/** The component schema of one declared type; adds the types it refers to into `reached`. */
function typeSchema(
  registry: SchemaRegistry,
  fullName: string,
  reached: Set<string>,
): OpenAPIObject {
  const spec = registry.type(fullName);
  if (spec === undefined) throw new Error(`Cannot build schema for ${fullName}: unknown type`);
  const properties: OpenAPIObject = {};
  const required: string[] = [];
  if (spec.gvk?.length) {
    // TypeMeta is inline in every kind; the table leaves it implicit.
    properties.apiVersion = { description: API_VERSION_DOC, type: "string" };
    properties.kind = { description: KIND_DOC, type: "string" };
  }
  for (const name of Object.keys(spec.fields).sort()) {
    const field = registry.field(fullName, name)!;
    properties[name] = propertySchema(field.type, field.spec, reached);
    if (field.spec[2]?.required) required.push(name);
  }
  const schema: OpenAPIObject = {};
  if (spec.description) schema.description = spec.description;
  schema.type = "object";
  if (Object.keys(properties).length > 0) schema.properties = properties;
  if (required.length > 0) schema.required = required;
  if (spec.gvk?.length) {
    schema["x-kubernetes-group-version-kind"] = spec.gvk.map((g) => ({
      group: g.group,
      kind: g.kind,
      version: g.version,
    }));
  }
  return schema;
}

/**
 * Component schemas for `roots` and every type reachable from them, keyed by
 * full type name and sorted. A ref to a type the registry lacks throws: a
 * document must never carry a dangling $ref.
 */
export function componentSchemas(
  registry: SchemaRegistry,
  roots: Iterable<string>,
): Record<string, OpenAPIObject> {
  const out: Record<string, OpenAPIObject> = {};
  const pending = [...roots];
  const reached = new Set<string>(pending);
  while (pending.length > 0) {
    const name = pending.pop()!;
    if (name in out) continue;
    const before = new Set(reached);
    if (registry.type(name) !== undefined) out[name] = typeSchema(registry, name, reached);
    else if (SPECIAL_COMPONENTS[name]) out[name] = structuredClone(SPECIAL_COMPONENTS[name]);
    else throw new Error(`Cannot build schema for ${name}: unknown type`);
    for (const next of reached) if (!before.has(next)) pending.push(next);
  }
  const sorted: Record<string, OpenAPIObject> = {};
  for (const name of Object.keys(out).sort()) sorted[name] = out[name]!;
  return sorted;
}

/** Short name of a full type name ("io.k8s.api.apps.v1.Deployment" → "Deployment"). */
export function shortTypeName(fullName: string): string {
  return splitTypeName(fullName)[1];
}
