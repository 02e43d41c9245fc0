/**
 * Custom resources in OpenAPI: each served CRD version becomes a schema
 * package ("com.example.stable.v1" with CronTab and CronTabList) so paths and
 * meta types are generated as for built-in kinds, and the kind's component
 * schema is replaced by the CRD's own schema (with apiVersion, kind, a
 * metadata ref and x-kubernetes-group-version-kind), as upstream publishes it.
 */
import type { ResourceDef } from "../api/types.ts";
import type { OpenAPIObject } from "../api/schema/openapi.ts";
import type { SchemaPackage } from "../api/schema/types.ts";
import type { JSONSchemaProps } from "./types.ts";

const META = "io.k8s.apimachinery.pkg.apis.meta.v1";
const API_VERSION_DOC =
  "APIVersion defines the versioned schema of this representation of an object. Servers should convert recognized schemas to the latest internal value, and may reject unrecognized values. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#resources";
const KIND_DOC =
  "Kind is a string value representing the REST resource this object represents. Servers may infer this from the endpoint the client submits requests to. Cannot be updated. In CamelCase. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds";
const METADATA_DOC =
  "Standard object's metadata. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata";

/** "stable.example.com", "v1" → "com.example.stable.v1" (upstream's definition name prefix). */
export function packageName(group: string, version: string): string {
  return [...group.split(".").reverse(), version].join(".");
}

/** Schema packages naming the kinds of `defs` (custom resource defs of served versions). */
export function customResourcePackages(defs: readonly ResourceDef[]): SchemaPackage[] {
  const byPkg = new Map<string, SchemaPackage>();
  for (const d of defs) {
    const name = packageName(d.group, d.version);
    const pkg = byPkg.get(name) ?? { name, types: {} };
    byPkg.set(name, pkg);
    const gvk = (kind: string) => [{ group: d.group, version: d.version, kind }];
    pkg.types[d.kind] = { gvk: gvk(d.kind), fields: { metadata: [1, `${META}.ObjectMeta`] } };
    pkg.types[`${d.kind}List`] = {
      gvk: gvk(`${d.kind}List`),
      fields: { items: [2, `[]${d.kind}`, { required: true }], metadata: [1, `${META}.ListMeta`] },
    };
  }
  return [...byPkg.values()];
}

/** Copy of a CRD schema node for publishing (drops defaults' and examples' nothing; keeps vendor extensions). */
function publish(s: JSONSchemaProps): OpenAPIObject {
  const out: OpenAPIObject = {};
  for (const [k, v] of Object.entries(s)) {
    if (v === undefined) continue;
    if (k === "properties") {
      out.properties = Object.fromEntries(
        Object.entries(v as Record<string, JSONSchemaProps>).map(([n, p]) => [n, publish(p)]),
      );
    } else if (
      k === "items" ||
      (k === "additionalProperties" && typeof v === "object") ||
      k === "not"
    ) {
      out[k] = publish(v as JSONSchemaProps);
    } else if (k === "allOf" || k === "anyOf" || k === "oneOf") {
      out[k] = (v as JSONSchemaProps[]).map(publish);
    } else out[k] = structuredClone(v);
  }
  if (s["x-kubernetes-int-or-string"] && !s.anyOf) {
    out.anyOf = [{ type: "integer" }, { type: "string" }];
  }
  return out;
}

/** The component schemas of one custom resource version: the kind (from its CRD schema) and the list. */
export function customResourceSchemas(
  def: ResourceDef,
  schema: JSONSchemaProps | undefined,
): Map<string, OpenAPIObject> {
  const pkg = packageName(def.group, def.version);
  const base = publish(schema ?? { type: "object", "x-kubernetes-preserve-unknown-fields": true });
  const properties = (base.properties ?? {}) as Record<string, OpenAPIObject>;
  properties.apiVersion = { description: API_VERSION_DOC, type: "string" };
  properties.kind = { description: KIND_DOC, type: "string" };
  properties.metadata = {
    allOf: [{ $ref: `#/components/schemas/${META}.ObjectMeta` }],
    description: METADATA_DOC,
  };
  const kindSchema: OpenAPIObject = {
    ...base,
    type: "object",
    properties,
    "x-kubernetes-group-version-kind": [{ group: def.group, kind: def.kind, version: def.version }],
  };
  const listSchema: OpenAPIObject = {
    description: `${def.kind}List is a list of ${def.kind}`,
    type: "object",
    required: ["items"],
    properties: {
      apiVersion: { description: API_VERSION_DOC, type: "string" },
      items: {
        description: `List of ${def.resource}. More info: https://git.k8s.io/community/contributors/devel/api-conventions.md`,
        type: "array",
        items: { $ref: `#/components/schemas/${pkg}.${def.kind}` },
      },
      kind: { description: KIND_DOC, type: "string" },
      metadata: {
        allOf: [{ $ref: `#/components/schemas/${META}.ListMeta` }],
        description:
          "Standard list metadata. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds",
      },
    },
    "x-kubernetes-group-version-kind": [
      { group: def.group, kind: `${def.kind}List`, version: def.version },
    ],
  };
  return new Map([
    [`${pkg}.${def.kind}`, kindSchema],
    [`${pkg}.${def.kind}List`, listSchema],
  ]);
}
