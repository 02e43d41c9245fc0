/**
 * Lazy adapters over modules other parts of the project provide (protobuf
 * decoding, table printers, managed fields, strategic merge patch schemas,
 * strict field validation, OpenAPI). Each is imported on first use so
 * start-up stays fast; a module that is not present yet yields undefined and
 * the server degrades as documented at each call site.
 */
import type { KObject, ResourceDef, TablePrinter } from "../api/types.ts";
import type { PatchSchema } from "../api/patch/patch-schema.ts";
import { applyMergePatch } from "../api/patch/merge-patch.ts";

/** Imports a module by specifier, undefined when it does not exist. */
async function importOptional<T>(specifier: string): Promise<T | undefined> {
  try {
    return (await import(specifier)) as T;
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === "ERR_MODULE_NOT_FOUND" || code === "MODULE_NOT_FOUND") return undefined;
    throw err;
  }
}

export interface ManagedFieldsUpdate {
  manager: string;
  operation: "Update" | "Apply";
  subresource: string;
  time: string;
}

export interface TableOptions {
  includeObject: "None" | "Metadata" | "Object";
  listMeta?: Record<string, unknown>;
}

/** The typed surface the API server uses from other modules. */
export interface Extensions {
  /** Decodes `k8s\0` + runtime.Unknown bytes into a JSON object. */
  protobufDecoder(): Promise<((bytes: Uint8Array) => Promise<Record<string, unknown>>) | undefined>;
  /** The table printer of a resource. */
  printer(group: string, resource: string): Promise<TablePrinter | undefined>;
  /** Records a write in metadata.managedFields (mutates `obj`). */
  updateManagedFields(
    obj: KObject,
    old: KObject | undefined,
    update: ManagedFieldsUpdate,
  ): Promise<void>;
  /** Paths of unknown fields in `obj` of the def's kind ("spec.x"). */
  unknownFields(def: ResourceDef, obj: KObject): Promise<string[]>;
  /** GET /openapi/v3 (index) and /openapi/v3/<path> documents; undefined: not served. */
  openapi(path: string): Promise<object | undefined>;
  /** Strategic-merge-patch schema of the def's kind (undefined: free-form). */
  patchSchema(def: ResourceDef): Promise<PatchSchema | undefined>;
  /** Server-side apply of `patch` onto `current` by `manager`; 409 on conflicts unless forced. */
  serverSideApply(
    def: ResourceDef,
    current: KObject,
    patch: KObject,
    opts: { manager: string; force: boolean },
  ): Promise<KObject>;
}

/** Extensions backed by the project's modules, loaded lazily. */
export function projectExtensions(): Extensions {
  let schemas: Promise<unknown> | undefined;
  const schemaRegistry = () =>
    (schemas ??= importOptional<{ builtinSchemas(): unknown }>("../api/schema/builtin.ts").then(
      (m) => m?.builtinSchemas(),
    ));
  return {
    async protobufDecoder() {
      const mod = await importOptional<{
        decodeKubernetesProtobuf(bytes: Uint8Array, registry: unknown): Record<string, unknown>;
      }>("../api/schema/protobuf.ts");
      const registry = await schemaRegistry();
      if (!mod || !registry) return undefined;
      return async (bytes) => mod.decodeKubernetesProtobuf(bytes, registry);
    },
    async printer(group, resource) {
      const mod = await importOptional<{
        printerFor(group: string, resource: string): TablePrinter | undefined;
      }>("../api/printers/printers.ts");
      return mod?.printerFor(group, resource);
    },
    async updateManagedFields() {
      // Filled in when src/api/patch/managed-fields.ts lands.
    },
    async unknownFields(def, obj) {
      const mod = await importOptional<{
        findUnknownFields(obj: unknown, typeName: string, registry: unknown): string[];
      }>("../api/schema/unknown-fields.ts");
      const registry = await schemaRegistry();
      if (!mod || !registry) return [];
      return mod.findUnknownFields(obj, def.kind, registry);
    },
    async openapi(path) {
      const mod = await importOptional<{
        openapiV3Index(registry: unknown): object;
        openapiV3Document(gvPath: string, registry: unknown): object | undefined;
      }>("../api/schema/openapi.ts");
      const registry = await schemaRegistry();
      if (!mod || !registry) return undefined;
      return path === "" ? mod.openapiV3Index(registry) : mod.openapiV3Document(path, registry);
    },
    async patchSchema() {
      return undefined;
    },
    async serverSideApply(_def, current, patch) {
      // Until server-side apply lands: field ownership is not tracked and the
      // applied configuration is merged as a JSON merge patch.
      return applyMergePatch(current, patch) as KObject;
    },
  };
}
