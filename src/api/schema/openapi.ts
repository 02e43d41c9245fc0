/**
 * The /openapi/v3 discovery index and per-group-version OpenAPI 3.0
 * documents, generated from the schema table and the served resources.
 *
 * Output is deterministic: every object is emitted with sorted keys, so the
 * same registry and resources always give the same bytes and the same hash.
 * Serve `openapiJSON(doc)` and advertise `openapiHash(...)` of those bytes.
 */
import { createHash } from "node:crypto";
import { componentSchemas, type OpenAPIObject } from "./openapi-schemas.ts";
import { PATCH_SCHEMA, resourcePaths, type OpenAPIResource } from "./openapi-paths.ts";
import type { SchemaRegistry } from "./schema-registry.ts";

export type { OpenAPIObject } from "./openapi-schemas.ts";
export type { OpenAPIResource } from "./openapi-paths.ts";

export interface GroupVersion {
  /** "" for the core group. */
  group: string;
  version: string;
}

/** Index key of a group-version: "api/v1" for core, "apis/<group>/<version>" otherwise. */
export function openapiPathKey(gv: GroupVersion): string {
  return gv.group === "" ? `api/${gv.version}` : `apis/${gv.group}/${gv.version}`;
}

/**
 * The /openapi/v3 index: one entry per group-version whose serverRelativeURL
 * carries the document's content hash, so clients can cache documents.
 */
export function openapiV3Index(
  gvs: GroupVersion[],
  hashOf: (gv: GroupVersion) => string,
): { paths: Record<string, { serverRelativeURL: string }> } {
  const entries = gvs.map((gv) => {
    const key = openapiPathKey(gv);
    return [key, { serverRelativeURL: `/openapi/v3/${key}?hash=${hashOf(gv)}` }] as const;
  });
  entries.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  return { paths: Object.fromEntries(entries) };
}

/**
 * The OpenAPI 3.0 document of one group-version: `paths` for every resource
 * and subresource, and `components.schemas` for every type they reach
 * (served kinds of the group-version included even when no path names them).
 * Throws if a reachable type is missing from the registry.
 */
export function openapiV3Document(
  group: string,
  version: string,
  resources: OpenAPIResource[],
  registry: SchemaRegistry,
): OpenAPIObject {
  const { paths, referenced } = resourcePaths(group, version, resources, registry);
  const roots = new Set(referenced);
  for (const k of registry.kinds()) {
    if (k.group === group && k.version === version) roots.add(k.type);
  }
  roots.delete(PATCH_SCHEMA);
  const schemas = componentSchemas(registry, roots);
  if (referenced.has(PATCH_SCHEMA)) {
    schemas[PATCH_SCHEMA] = {
      description: "The body of a PATCH request; its shape depends on the content type.",
      type: "object",
    };
  }
  return sortKeys({
    openapi: "3.0.0",
    info: { title: "Kubernetes", version: "unversioned" },
    paths,
    components: {
      schemas,
      securitySchemes: {
        BearerToken: {
          type: "apiKey",
          description: "Bearer Token authentication",
          name: "authorization",
          in: "header",
        },
      },
    },
    security: [{ BearerToken: [] }],
  }) as OpenAPIObject;
}

/** Canonical JSON of a document (keys sorted at every level). */
export function openapiJSON(doc: unknown): string {
  return JSON.stringify(sortKeys(doc));
}

/** Content hash of serialized document bytes: SHA-512, upper-case hex, as upstream. */
export function openapiHash(json: string): string {
  return createHash("sha512").update(json).digest("hex").toUpperCase();
}

/** A deep copy with object keys sorted; arrays keep their order. */
export function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) {
      out[key] = sortKeys((value as Record<string, unknown>)[key]);
    }
    return out;
  }
  return value;
}
