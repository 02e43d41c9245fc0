/**
 * Lazy adapters over modules other parts of the project provide (schema
 * registry, protobuf decoding, strict field validation, OpenAPI, managed
 * fields, server-side apply). Each is imported on first use so start-up stays
 * fast; a module that is not present yet yields undefined and the server
 * degrades as documented at each call site.
 */
import type { KObject, ResourceDef } from "../api/types.ts";
import type { Registry } from "../api/registry.ts";
import type { PatchSchema } from "../api/patch/patch-schema.ts";
import type { SchemaRegistry } from "../api/schema/schema-registry.ts";
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

/** The typed surface the API server uses from other modules. */
export interface Extensions {
  /** Decodes `k8s\0` + runtime.Unknown bytes into a JSON object (400 StatusError on bad input). */
  protobufDecoder(): Promise<((bytes: Uint8Array) => Promise<Record<string, unknown>>) | undefined>;
  /** Records a write in metadata.managedFields (mutates `obj`). */
  updateManagedFields(
    obj: KObject,
    old: KObject | undefined,
    update: ManagedFieldsUpdate,
  ): Promise<void>;
  /**
   * Strict-decoding messages for a body of the def's kind: `unknown field "spec.x"`,
   * `duplicate field "a"` (duplicates need the raw JSON text).
   */
  strictDecodingErrors(def: ResourceDef, obj: KObject, rawJson?: string): Promise<string[]>;
  /** GET /openapi/v3 ("" → index) and /openapi/v3/<api/v1|apis/g/v> documents; undefined: not served. */
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
export function projectExtensions(resources: Registry): Extensions {
  let schemas: Promise<SchemaRegistry | undefined> | undefined;
  const schemaRegistry = () =>
    (schemas ??= importOptional<{ builtinSchemas(): SchemaRegistry }>(
      "../api/schema/builtin.ts",
    ).then((m) => m?.builtinSchemas()));
  const openapiDocs = new Map<string, { doc: object; hash: string }>();

  const openapiDoc = async (group: string, version: string) => {
    const key = `${group}/${version}`;
    const cached = openapiDocs.get(key);
    if (cached) return cached;
    const mod = await importOptional<{
      openapiV3Document(
        group: string,
        version: string,
        resources: ResourceDef[],
        registry: SchemaRegistry,
      ): object;
      openapiJSON(doc: unknown): string;
      openapiHash(json: string): string;
    }>("../api/schema/openapi.ts");
    const registry = await schemaRegistry();
    const defs = resources.resourcesIn(group, version);
    if (!mod || !registry || defs.length === 0) return undefined;
    const doc = mod.openapiV3Document(group, version, defs, registry);
    const entry = { doc, hash: mod.openapiHash(mod.openapiJSON(doc)) };
    openapiDocs.set(key, entry);
    return entry;
  };

  return {
    async protobufDecoder() {
      const mod = await import("../api/schema/protobuf.ts");
      const registry = await schemaRegistry();
      if (!registry) return undefined;
      return async (bytes) => mod.decodeKubernetesProtobuf(bytes, registry);
    },
    async updateManagedFields() {
      // Filled in when the managed-fields module lands.
    },
    async strictDecodingErrors(def, obj, rawJson) {
      const registry = await schemaRegistry();
      const unknownMod = await importOptional<{
        findUnknownFields(obj: unknown, typeName: string, registry: SchemaRegistry): string[];
        strictDecodingErrors(unknown: readonly string[], duplicates: readonly string[]): string[];
      }>("../api/schema/unknown-fields.ts");
      if (!registry || !unknownMod) return [];
      const typeName = registry.typeForKind(def.group, def.version, def.kind);
      const unknown = typeName ? unknownMod.findUnknownFields(obj, typeName, registry) : [];
      let duplicates: string[] = [];
      if (rawJson !== undefined) {
        const dupMod = await importOptional<{ findDuplicateFields(text: string): string[] }>(
          "../api/schema/duplicate-fields.ts",
        );
        duplicates = dupMod?.findDuplicateFields(rawJson) ?? [];
      }
      return unknownMod.strictDecodingErrors(unknown, duplicates);
    },
    async openapi(path) {
      if (path === "") {
        const mod = await importOptional<{
          openapiV3Index(
            gvs: { group: string; version: string }[],
            hashOf: (gv: { group: string; version: string }) => string,
          ): object;
        }>("../api/schema/openapi.ts");
        if (!mod || !(await schemaRegistry())) return undefined;
        const gvs = resources.groupVersions().map(({ group, version }) => ({ group, version }));
        const hashes = new Map<string, string>();
        for (const gv of gvs) {
          const entry = await openapiDoc(gv.group, gv.version);
          if (entry) hashes.set(`${gv.group}/${gv.version}`, entry.hash);
        }
        return mod.openapiV3Index(gvs, (gv) => hashes.get(`${gv.group}/${gv.version}`) ?? "");
      }
      const parts = path.split("/");
      if (parts[0] === "api" && parts.length === 2) return (await openapiDoc("", parts[1]))?.doc;
      if (parts[0] === "apis" && parts.length === 3)
        return (await openapiDoc(parts[1], parts[2]))?.doc;
      return undefined;
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
