/**
 * PatchSchema over the project's schema table (src/api/schema): patch tags,
 * list and map types come from each FieldSpec's options.
 */
import type { SchemaRegistry, TypeRef } from "../schema/schema-registry.ts";
import type { FieldOptions } from "../schema/types.ts";
import type { FieldPatchInfo, PatchSchema } from "./patch-schema.ts";
import { mapSchema } from "./patch-schema.ts";

/**
 * Structs upstream marks `+structType=atomic`: owned and replaced as a whole
 * by server-side apply wherever they are used.
 */
const ATOMIC_STRUCTS: ReadonlySet<string> = new Set([
  "io.k8s.apimachinery.pkg.apis.meta.v1.LabelSelector",
  "io.k8s.api.core.v1.ObjectReference",
  "io.k8s.api.core.v1.LocalObjectReference",
  "io.k8s.api.core.v1.TypedLocalObjectReference",
  "io.k8s.api.core.v1.ConfigMapKeySelector",
  "io.k8s.api.core.v1.SecretKeySelector",
  "io.k8s.api.core.v1.ObjectFieldSelector",
  "io.k8s.api.core.v1.ResourceFieldSelector",
  "io.k8s.api.core.v1.NodeSelector",
  "io.k8s.api.core.v1.NodeSelectorTerm",
  "io.k8s.api.core.v1.TopologySelectorTerm",
]);

/**
 * Struct fields Go holds by value (not by pointer): present as `{}` in the
 * zero value of their struct. By field name, with the pointers of the same
 * name listed apart (by short type name).
 */
const BY_VALUE_STRUCT_FIELDS: ReadonlySet<string> = new Set([
  "metadata",
  "spec",
  "status",
  "template",
  "strategy",
  "updateStrategy",
  "resources",
  "target",
  "current",
  "metric",
  "describedObject",
  "scaleTargetRef",
  "clientConfig",
  "names",
  "acceptedNames",
  "userInfo",
  "user",
  "state",
  "lastState",
  "podAffinityTerm",
  "preference",
  "loadBalancer",
  "daemonEndpoints",
  "nodeInfo",
  "kubeletEndpoint",
  "involvedObject",
  "source",
  "regarding",
  "deprecatedSource",
  "backend",
  "port",
  "roleRef",
  "podSelector",
  "conditions",
  "preferredVersion",
  "typeMeta",
]);
const POINTER_STRUCT_FIELDS: ReadonlySet<string> = new Set([
  "CustomResourceSubresources.status",
  "ReplicationControllerSpec.template",
  "PodSpec.resources",
  "ContainerStatus.resources",
  "ContainerStatus.user",
  "WebhookConversion.clientConfig",
  "NetworkPolicyPeer.podSelector",
]);

/** FieldPatchInfo.inZero of field `name` of struct `typeName` (fully qualified). */
function inZeroValue(
  typeName: string,
  name: string,
  opts: FieldOptions | undefined,
  type: TypeRef,
): boolean {
  if (opts?.required) return true;
  if (type.kind !== "ref" || !BY_VALUE_STRUCT_FIELDS.has(name)) return false;
  return !POINTER_STRUCT_FIELDS.has(`${typeName.slice(typeName.lastIndexOf(".") + 1)}.${name}`);
}

/**
 * The PatchSchema of type `fullTypeName` ("io.k8s.api.apps.v1.Deployment").
 * Nodes are built lazily and memoized per returned schema, so one call per
 * request (or one per type, cached by the caller) is cheap. Unknown types
 * give a schema with no fields (free-form handling below them).
 */
export function patchSchemaFor(registry: SchemaRegistry, fullTypeName: string): PatchSchema {
  const structs = new Map<string, PatchSchema>();

  const structSchema = (typeName: string): PatchSchema => {
    let s = structs.get(typeName);
    if (!s) {
      const fields = new Map<string, FieldPatchInfo | null>();
      s = {
        field(name: string) {
          let info = fields.get(name);
          if (info === undefined) {
            const f = registry.field(typeName, name);
            info = f ? infoFor(f.spec[2], f.type) : null;
            if (f && info && inZeroValue(typeName, name, f.spec[2], f.type)) info.inZero = true;
            fields.set(name, info);
          }
          return info ?? undefined;
        },
      };
      structs.set(typeName, s);
    }
    return s;
  };

  const valueSchema = (type: TypeRef): PatchSchema | undefined => {
    switch (type.kind) {
      case "ref":
        return structSchema(type.name);
      case "list":
        return type.of.kind === "list" ? undefined : valueSchema(type.of);
      case "map":
        return mapSchema(infoFor(undefined, type.of));
      case "special":
        return undefined;
      default:
        return undefined;
    }
  };

  const infoFor = (opts: FieldOptions | undefined, type: TypeRef): FieldPatchInfo => {
    const info: FieldPatchInfo = {};
    if (opts?.patchStrategy) info.strategy = opts.patchStrategy;
    if (opts?.patchMergeKey) info.mergeKey = opts.patchMergeKey;
    if (opts?.listType) info.listType = opts.listType;
    if (opts?.listMapKeys) info.listMapKeys = opts.listMapKeys;
    if (opts?.mapType) info.mapType = opts.mapType;
    else if (type.kind === "ref" && ATOMIC_STRUCTS.has(type.name)) info.mapType = "atomic";
    const schema = valueSchema(type);
    if (schema) info.schema = schema;
    return info;
  };

  return structSchema(fullTypeName);
}
