/**
 * Adapters over the modules that give the API server its per-type knowledge:
 * the schema registry (protobuf decoding, strict field validation, OpenAPI,
 * strategic-merge-patch schemas) and managed fields / server-side apply.
 * Heavy modules are imported on first use so start-up stays fast.
 */
import type { KObject, ResourceDef } from "../api/types.ts";
import type { Registry } from "../api/registry.ts";
import type { PatchSchema } from "../api/patch/patch-schema.ts";
import type { SchemaRegistry } from "../api/schema/schema-registry.ts";
import type { DecodeStyle } from "../api/schema/type-errors.ts";
import type {
  OpenAPIHTTPResponse,
  OpenAPIRequest,
  OpenAPIService,
} from "../api/schema/openapi-service.ts";

export interface ManagedFieldsUpdate {
  manager: string;
  operation: "Update" | "Apply";
  subresource: string;
  time: string;
}

/** A body's decode errors (see Extensions.decodingErrors). */
export interface DecodingErrors {
  typeErrors: string[];
  strict: string[];
  /**
   * The unknown fields (whatever fieldValidation says) as [holder, name]:
   * dropped from a body before it is written, as upstream's decoding into
   * the typed object drops them. Empty when there are type errors.
   */
  unknownAt: [Record<string, unknown>, string][];
}

/** The typed surface the API server uses from other modules. */
export interface Extensions {
  /** Decodes `k8s\0` + runtime.Unknown bytes into a JSON object (400 StatusError on bad input). */
  protobufDecoder(): Promise<((bytes: Uint8Array) => Promise<Record<string, unknown>>) | undefined>;
  /** Records an Update write in metadata.managedFields (mutates `obj`). */
  updateManagedFields(
    def: ResourceDef,
    obj: KObject,
    old: KObject | undefined,
    update: ManagedFieldsUpdate,
  ): Promise<void>;
  /**
   * Strict-decoding messages for a body of the def's kind: `unknown field "spec.x"`,
   * `duplicate field "a"` (duplicates need the raw JSON text).
   */
  strictDecodingErrors(def: ResourceDef, obj: KObject, rawJson?: string): Promise<string[]>;
  /**
   * Go-style decode errors for values whose JSON type does not fit the def's
   * kind, worded by encoding/json (default) or by the unstructured converter.
   */
  typeErrors(def: ResourceDef, obj: KObject, style?: DecodeStyle): Promise<string[]>;
  /**
   * typeErrors (Go's encoding/json wording) and, when `strict` and there are
   * none, strictDecodingErrors of a body, in one walk over it.
   */
  decodingErrors(
    def: ResourceDef,
    obj: KObject,
    opts: { strict: boolean; rawJson?: string },
  ): Promise<DecodingErrors>;
  /** The reply to GET /openapi/v2, /openapi/v3 or /openapi/v3/<api/v1|apis/g/v>. */
  openapi(req: OpenAPIRequest): Promise<OpenAPIHTTPResponse>;
  /** Strategic-merge-patch schema of the def's kind (undefined: free-form). */
  patchSchema(def: ResourceDef): Promise<PatchSchema | undefined>;
  /**
   * Server-side apply of `patch` onto `current` (undefined: create) by
   * `manager`; 409 Conflict listing the fields unless forced.
   */
  serverSideApply(
    def: ResourceDef,
    current: KObject | undefined,
    patch: KObject,
    opts: { manager: string; force: boolean; subresource: string; time: string },
  ): Promise<KObject>;
}

const IGNORE_STATUS = [["f:status"]];
const IGNORE_SPEC = [["f:spec"]];
const HAS_STATUS = new WeakMap<ResourceDef, boolean>();

/**
 * Fields a write does not own: status through the main resource, the rest
 * through /status. The arrays are shared: callers must not change them.
 */
function ignoredFields(def: ResourceDef, subresource: string): string[][] | undefined {
  let hasStatus = HAS_STATUS.get(def);
  if (hasStatus === undefined) {
    hasStatus = (def.subresources ?? []).some((s) => s.name === "status");
    HAS_STATUS.set(def, hasStatus);
  }
  if (!hasStatus) return undefined;
  if (subresource === "") return IGNORE_STATUS;
  if (subresource === "status") return IGNORE_SPEC;
  return undefined;
}

function apiVersionOf(def: ResourceDef): string {
  return def.group ? `${def.group}/${def.version}` : def.version;
}

/** A value loaded once; `now` holds it once loaded, so hot paths need not await. */
interface Lazy<T> {
  (): Promise<T>;
  now: T | undefined;
}

/** Memoizes a dynamic import so hot paths pay the module loader once. */
function lazy<T>(load: () => Promise<T>): Lazy<T> {
  let loaded: Promise<T> | undefined;
  const get = (() =>
    (loaded ??= load().then((value) => {
      get.now = value;
      return value;
    }))) as Lazy<T>;
  get.now = undefined;
  return get;
}

/** Extensions backed by the project's modules, loaded lazily. */
export function projectExtensions(resources: Registry): Extensions {
  const patchSchemaForModule = lazy(() => import("../api/patch/patch-schema-for.ts"));
  const protobufModule = lazy(() => import("../api/schema/protobuf.ts"));
  const managedFieldsModule = lazy(() => import("../api/patch/managed-fields.ts"));
  const unknownFieldsModule = lazy(() => import("../api/schema/unknown-fields.ts"));
  const duplicateFieldsModule = lazy(() => import("../api/schema/duplicate-fields.ts"));
  const ssaModule = lazy(() => import("../api/patch/server-side-apply.ts"));
  const typeErrorsModule = lazy(() => import("../api/schema/type-errors.ts"));
  const conflictModule = lazy(() => import("../api/patch/apply-conflict-error.ts"));
  const schemaRegistry = lazy(() =>
    import("../api/schema/builtin.ts").then((m) => m.builtinSchemas()),
  );
  const patchSchemas = new Map<string, PatchSchema | undefined>();
  /** Per def object: its patch schema once known (defs are long-lived registry values). */
  const patchSchemaOfDef = new WeakMap<ResourceDef, PatchSchema | undefined>();

  const patchSchema = async (def: ResourceDef): Promise<PatchSchema | undefined> => {
    if (patchSchemaOfDef.has(def)) return patchSchemaOfDef.get(def);
    const key = `${def.group}/${def.version}/${def.kind}`;
    if (patchSchemas.has(key)) return patchSchemas.get(key);
    const registry = await schemaRegistry();
    const { patchSchemaFor } = await patchSchemaForModule();
    const typeName = registry.typeForKind(def.group, def.version, def.kind);
    const schema = typeName ? patchSchemaFor(registry, typeName) : undefined;
    patchSchemas.set(key, schema);
    patchSchemaOfDef.set(def, schema);
    return schema;
  };

  let openapiService: Promise<OpenAPIService> | undefined;
  const openapi = () =>
    (openapiService ??= (async () => {
      const { OpenAPIService } = await import("../api/schema/openapi-service.ts");
      return new OpenAPIService(resources.all(), await schemaRegistry());
    })());

  return {
    async protobufDecoder() {
      const mod = await protobufModule();
      const registry = await schemaRegistry();
      return async (bytes) => mod.decodeKubernetesProtobuf(bytes, registry);
    },
    async updateManagedFields(def, obj, old, update) {
      const { managedFieldsAfterUpdate } = managedFieldsModule.now ?? (await managedFieldsModule());
      const schema = patchSchemaOfDef.has(def) ? patchSchemaOfDef.get(def) : await patchSchema(def);
      const entries = managedFieldsAfterUpdate(
        old,
        obj,
        {
          manager: update.manager,
          apiVersion: apiVersionOf(def),
          time: update.time,
          subresource: update.subresource || undefined,
          ignoredFields: ignoredFields(def, update.subresource),
        },
        schema,
      );
      if (entries.length > 0) obj.metadata!.managedFields = entries;
      else delete obj.metadata!.managedFields;
    },
    async typeErrors(def, obj, style) {
      const registry = schemaRegistry.now ?? (await schemaRegistry());
      const typeName = registry.typeForKind(def.group, def.version, def.kind);
      if (!typeName) return [];
      const mod = typeErrorsModule.now ?? (await typeErrorsModule());
      return mod.findTypeErrors(obj, typeName, registry, style);
    },
    async strictDecodingErrors(def, obj, rawJson) {
      const registry = schemaRegistry.now ?? (await schemaRegistry());
      const mod = unknownFieldsModule.now ?? (await unknownFieldsModule());
      const typeName = registry.typeForKind(def.group, def.version, def.kind);
      const unknown = typeName ? mod.findUnknownFields(obj, typeName, registry) : [];
      let duplicates: string[] = [];
      if (rawJson !== undefined) {
        const { findDuplicateFields } = await duplicateFieldsModule();
        duplicates = findDuplicateFields(rawJson);
      }
      return mod.strictDecodingErrors(unknown, duplicates);
    },
    async decodingErrors(def, obj, { strict, rawJson }) {
      const registry = schemaRegistry.now ?? (await schemaRegistry());
      const types = typeErrorsModule.now ?? (await typeErrorsModule());
      const typeName = registry.typeForKind(def.group, def.version, def.kind);
      const check = typeName ? types.checkDecoding(obj, typeName, registry) : undefined;
      const typeErrors = check?.typeErrors ?? [];
      if (typeErrors.length > 0) return { typeErrors, strict: [], unknownAt: [] };
      const unknownAt = check?.unknownAt ?? [];
      if (!strict) return { typeErrors, strict: [], unknownAt };
      const unknown = unknownFieldsModule.now ?? (await unknownFieldsModule());
      let duplicates: string[] = [];
      if (rawJson !== undefined) {
        const dup = duplicateFieldsModule.now ?? (await duplicateFieldsModule());
        duplicates = dup.findDuplicateFields(rawJson, check?.keys);
      }
      return {
        typeErrors,
        strict: unknown.strictDecodingErrors(check?.unknown ?? [], duplicates),
        unknownAt,
      };
    },
    async openapi(req) {
      return (await openapi()).respond(req);
    },
    patchSchema,
    async serverSideApply(def, current, patch, opts) {
      const { serverSideApply } = await ssaModule();
      const { applyConflictError } = await conflictModule();
      const result = serverSideApply(
        current,
        patch,
        {
          manager: opts.manager,
          apiVersion: apiVersionOf(def),
          time: opts.time,
          subresource: opts.subresource || undefined,
          ignoredFields: ignoredFields(def, opts.subresource),
          force: opts.force,
        },
        await patchSchema(def),
      );
      if ("conflicts" in result) throw applyConflictError(result.conflicts);
      return result.object;
    },
  };
}
