/**
 * Wraps the API server's Extensions so custom resources get CRD semantics:
 * strict field validation reports the fields pruning would drop, decode type
 * errors come from schema validation instead (422), strategic merge patch
 * has no schema (merge patch semantics), and OpenAPI v2/v3 documents include
 * every served custom resource, rebuilt when the registry changes.
 */
import type { Registry } from "../api/registry.ts";
import type { Extensions } from "../apiserver/extensions.ts";
import type { OpenAPIObject } from "../api/schema/openapi.ts";
import type { OpenAPIDocumentBytes, OpenAPIService } from "../api/schema/openapi-service.ts";
import { customResourceInfo } from "./crd-defs.ts";
import { customResourcePackages, customResourceSchemas } from "./openapi.ts";
import { dropNulls, prune } from "./prune.ts";

/** Extensions with custom resource handling in front of `base`. */
export function crdExtensions(base: Extensions, registry: Registry): Extensions {
  let service: { generation: number; service: Promise<OpenAPIService> } | undefined;
  const documents = new Map<string, OpenAPIDocumentBytes>();
  const openapiService = (): Promise<OpenAPIService> => {
    if (service?.generation === registry.generation) return service.service;
    const generation = registry.generation;
    const built = (async () => {
      const [{ OpenAPIService }, { builtinSchemas }, { SchemaRegistry }] = await Promise.all([
        import("../api/schema/openapi-service.ts"),
        import("../api/schema/builtin.ts"),
        import("../api/schema/schema-registry.ts"),
      ]);
      const defs = registry.all();
      const custom = defs.filter((d) => customResourceInfo(d) !== undefined);
      const overrides = new Map<string, OpenAPIObject>();
      for (const d of custom) {
        for (const [k, v] of customResourceSchemas(d, customResourceInfo(d)!.schema))
          overrides.set(k, v);
      }
      const schemas = new SchemaRegistry([
        ...builtinSchemas().packages(),
        ...customResourcePackages(custom),
      ]);
      return new OpenAPIService(defs, schemas, overrides, documents);
    })();
    service = { generation, service: built };
    return built;
  };
  const duplicates = async (raw: string | undefined): Promise<string[]> => {
    if (raw === undefined) return [];
    const { findDuplicateFields } = await import("../api/schema/duplicate-fields.ts");
    return findDuplicateFields(raw);
  };
  const strictDecodingErrors: Extensions["strictDecodingErrors"] = async (def, obj, raw) => {
    const info = customResourceInfo(def);
    if (!info) return base.strictDecodingErrors(def, obj, raw);
    const copy = structuredClone(obj);
    dropNulls(copy, info.schema);
    const unknown = info.schema ? prune(copy, info.schema, true) : [];
    const { strictDecodingErrors } = await import("../api/schema/unknown-fields.ts");
    return strictDecodingErrors(unknown, await duplicates(raw));
  };
  return {
    ...base,
    async typeErrors(def, obj, style) {
      return customResourceInfo(def) ? [] : base.typeErrors(def, obj, style);
    },
    strictDecodingErrors,
    async decodingErrors(def, obj, opts) {
      if (!customResourceInfo(def)) return base.decodingErrors(def, obj, opts);
      return {
        typeErrors: [],
        strict: opts.strict ? await strictDecodingErrors(def, obj, opts.rawJson) : [],
        // Custom resources are pruned by their schema when stored (prune.ts).
        unknownAt: [],
      };
    },
    async patchSchema(def) {
      return customResourceInfo(def) ? undefined : base.patchSchema(def);
    },
    async openapi(req) {
      return (await openapiService()).respond(req);
    },
  };
}
