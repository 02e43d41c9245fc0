/**
 * The schema table: one declaration per API type, listing each field's JSON
 * name, protobuf field number, type and patch/list semantics. From it the
 * project derives strict field validation (unknown fields), OpenAPI v3
 * documents, protobuf decoding, and strategic-merge-patch merge keys.
 *
 * Field names, protobuf numbers and patch keys are the published facts of
 * k8s.io/api and k8s.io/apimachinery (generated.proto and the Go struct tags).
 *
 * Type strings:
 *   scalars   "string" | "bool" | "int32" | "int64" | "double" | "bytes" (base64 in JSON)
 *   special   "Time" | "MicroTime" | "Duration" | "Quantity" | "IntOrString" | "RawExtension" | "JSON" (any JSON value)
 *   refs      "Container" (same package) or "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta" (fully qualified)
 *   lists     "[]T"
 *   maps      "map[T]"  (string keys; protobuf map entry key=1, value=2)
 */

export interface FieldOptions {
  required?: boolean;
  /** Go struct tag patchStrategy: "merge", "replace", "retainKeys", "merge,retainKeys". */
  patchStrategy?: string;
  /** Go struct tag patchMergeKey, e.g. "name" for containers. */
  patchMergeKey?: string;
  /** +listType: "atomic" | "set" | "map". */
  listType?: "atomic" | "set" | "map";
  /** +listMapKey values, for listType "map". */
  listMapKeys?: string[];
  /** +mapType / +structType: "atomic" | "granular". */
  mapType?: "atomic" | "granular";
  /** One-line description in our own words (shown by kubectl explain). */
  description?: string;
  /** Allowed values for enum-like strings. */
  enum?: string[];
  /**
   * The Go field is a pointer (or otherwise keeps its zero value in JSON): a
   * zero scalar decoded from protobuf ("", 0, false) is kept. Without it (and
   * without `required`), zero scalars are dropped, as Go's `omitempty` does.
   */
  pointer?: boolean;
  /**
   * Protobuf wire only: the field comes from a Go struct embedded with
   * `json:",inline"` (VolumeSource in Volume, ProbeHandler in Probe, ...). JSON
   * shows it flat; on the wire it sits inside the message carried by field
   * `inlineIn` of this type, and the FieldSpec number is its number there.
   * Embeddings nest: a path `[2, 2]` is field 2 of the message carried by
   * field 2 (NamedRuleWithOperations → RuleWithOperations → Rule).
   */
  inlineIn?: number | readonly number[];
  /**
   * Protobuf wire only: the list (or, for a map of lists, each value) is
   * wrapped in a message whose field 1 holds the items (metav1.Verbs,
   * authentication ExtraValue). JSON is unaffected.
   */
  wrapped?: boolean;
  /**
   * Protobuf wire only: the JSON value (type "JSON", or each value of a
   * "map[JSON]") is one of apiextensions' union messages, whose schema fields
   * hold JSONSchemaProps of the same package: JSONSchemaPropsOrArray
   * {schema=1, jSONSchemas=2}, JSONSchemaPropsOrBool {allows=1, schema=2},
   * JSONSchemaPropsOrStringArray {schema=1, property=2}. JSON is unaffected.
   */
  union?: "JSONSchemaPropsOrArray" | "JSONSchemaPropsOrBool" | "JSONSchemaPropsOrStringArray";
}

/** [protobuf field number, type string, options?] */
export type FieldSpec = [number, string, FieldOptions?];

export interface TypeSpec {
  /** One-line description in our own words. */
  description?: string;
  fields: Record<string, FieldSpec>;
  /** For top-level kinds: group/version/kind this type is served as. */
  gvk?: { group: string; version: string; kind: string }[];
}

/** A package of types, e.g. "io.k8s.api.core.v1", keyed by short type name. */
export interface SchemaPackage {
  name: string;
  types: Record<string, TypeSpec>;
}
