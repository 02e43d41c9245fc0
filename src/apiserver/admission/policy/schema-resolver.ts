/**
 * Schemas of kinds for ValidatingAdmissionPolicy type checking, as upstream's
 * resolvers give them: built-in kinds from the server's OpenAPI definitions,
 * custom resources from their CRD version's schema as published (with
 * apiVersion, kind and ObjectMeta), every $ref replaced by the schema it
 * names (a ref wrapped in allOf too; a circular ref becomes a plain
 * `type: object`, as upstream's PopulateRefs does).
 */
import type { Registry } from "../../../api/registry.ts";
import type { OpenAPIObject } from "../../../api/schema/openapi.ts";
import type { SchemaRegistry } from "../../../api/schema/schema-registry.ts";
import { componentSchemas } from "../../../api/schema/openapi-schemas.ts";
import type { TypeSchema } from "../../../cel/index.ts";
import { customResourceInfo } from "../../../apiextensions/crd-defs.ts";
import { customResourceSchemas, packageName } from "../../../apiextensions/openapi.ts";

/** A group/version/kind ("" group for core). */
export interface GroupVersionKind {
  group: string;
  version: string;
  kind: string;
}

/** Resolves a kind's schema; undefined when the kind is unknown (upstream's ErrSchemaNotFound). */
export type SchemaResolver = (gvk: GroupVersionKind) => TypeSchema | undefined;

const REF_PREFIX = "#/components/schemas/";
const OBJECT_META = "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta";

type Components = Readonly<Record<string, OpenAPIObject>>;

function refOf(s: OpenAPIObject): string | undefined {
  if (typeof s.$ref === "string") return s.$ref.slice(REF_PREFIX.length);
  for (const part of (s.allOf as OpenAPIObject[] | undefined) ?? []) {
    const r = refOf(part);
    if (r !== undefined) return r;
  }
  return undefined;
}

/** `s` with its refs replaced by the schemas they name (see the module doc). */
export function inlineRefs(
  s: OpenAPIObject,
  components: Components,
  visiting = new Set<string>(),
): TypeSchema {
  const ref = refOf(s);
  if (ref !== undefined) {
    const target = components[ref];
    if (!target || visiting.has(ref)) return { type: "object" };
    visiting.add(ref);
    try {
      return inlineRefs(target, components, visiting);
    } finally {
      visiting.delete(ref);
    }
  }
  const out: Record<string, unknown> = { ...s };
  delete out.description;
  if (s.properties) {
    out.properties = Object.fromEntries(
      Object.entries(s.properties as Record<string, OpenAPIObject>).map(([k, p]) => [
        k,
        inlineRefs(p, components, visiting),
      ]),
    );
  }
  if (s.items && typeof s.items === "object")
    out.items = inlineRefs(s.items as OpenAPIObject, components, visiting);
  if (s.additionalProperties && typeof s.additionalProperties === "object")
    out.additionalProperties = inlineRefs(
      s.additionalProperties as OpenAPIObject,
      components,
      visiting,
    );
  return out as TypeSchema;
}

/**
 * A resolver over the kinds `registry` serves (built-in definitions from
 * `schemas`, custom resources from their CRDs). Resolved schemas are cached
 * per def object (a CRD update makes new defs).
 */
export function registrySchemaResolver(
  registry: Registry,
  schemas: SchemaRegistry,
): SchemaResolver {
  const cache = new WeakMap<object, TypeSchema | undefined>();
  const closures = new Map<string, Components>();
  /** `root` and every component it reaches. */
  const componentsOf = (root: string): Components => {
    let c = closures.get(root);
    if (!c) closures.set(root, (c = componentSchemas(schemas, [root])));
    return c;
  };
  return (gvk) => {
    const def = registry.byKind(gvk.group, gvk.version, gvk.kind);
    if (!def) return undefined;
    if (cache.has(def)) return cache.get(def);
    let out: TypeSchema | undefined;
    const info = customResourceInfo(def);
    if (info) {
      const name = `${packageName(def.group, def.version)}.${def.kind}`;
      const root = customResourceSchemas(def, info.schema).get(name);
      out = root ? inlineRefs(root, componentsOf(OBJECT_META)) : undefined;
    } else {
      const name = schemas.typeForKind(gvk.group, gvk.version, gvk.kind);
      const comps = name ? componentsOf(name) : {};
      out = name && comps[name] ? inlineRefs(comps[name], comps) : undefined;
    }
    cache.set(def, out);
    return out;
  };
}

/**
 * The resolver of a running server: loads the built-in schema table on first
 * use (it is not on the server's start-up path).
 */
export async function serverSchemaResolver(registry: Registry): Promise<SchemaResolver> {
  const { builtinSchemas } = await import("../../../api/schema/builtin.ts");
  return registrySchemaResolver(registry, builtinSchemas());
}
