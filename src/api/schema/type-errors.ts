/**
 * JSON type mismatches in request bodies, reported the way Go's encoding/json
 * (which the upstream API server decodes with) reports them:
 *
 *   json: cannot unmarshal string into Go struct field PodSpec.spec.tolerations of type v1.Toleration
 *
 * Types with their own unmarshalers (quantities, int-or-string, times,
 * durations) and base64 []byte fields report upstream's texts for those
 * instead (unmarshaler-errors.ts), e.g. a bad quantity string is a decode
 * error, not a validation error, as upstream.
 *
 * The API server wraps the first one as `<Kind> in version "<v>" cannot be
 * handled as a <Kind>: <message>` in a 400 BadRequest.
 *
 * A strategic merge patch is applied to a map and the result converted to
 * the typed object by apimachinery's unstructured converter instead, whose
 * messages differ (style "unstructured"):
 *
 *   unrecognized type: int32            (a string where an int32 belongs)
 *   cannot convert int64 to string      (an integer where a string belongs)
 *   cannot restore struct from: string  (a scalar where an object belongs)
 *   cannot restore slice from map       (an object where a list belongs)
 */
import { splitTypeName, type SchemaRegistry, type TypeRef } from "./schema-registry.ts";
import { unmarshalerError } from "./unmarshaler-errors.ts";

/** Go's name for a JSON value's type in decode errors. */
function jsonValueName(value: unknown, wantInteger: boolean): string {
  if (typeof value === "string") return "string";
  if (typeof value === "boolean") return "bool";
  if (typeof value === "number")
    return wantInteger && Number.isFinite(value) ? `number ${value}` : "number";
  if (Array.isArray(value)) return "array";
  return "object";
}

/** How the decoder that reports the errors words them (see the file comment). */
export type DecodeStyle = "json" | "unstructured";

/** reflect.Kind of the value the unstructured converter holds for a JSON value. */
function goKind(value: unknown): string {
  if (typeof value === "string") return "string";
  if (typeof value === "boolean") return "bool";
  if (typeof value === "number") return Number.isSafeInteger(value) ? "int64" : "float64";
  if (Array.isArray(value)) return "slice";
  return "map";
}

/** runtime.DefaultUnstructuredConverter's message for `value` not fitting `type`. */
function converterError(value: unknown, type: TypeRef): string {
  const kind = goKind(value);
  switch (type.kind) {
    case "ref":
      return `cannot restore struct from: ${kind}`;
    case "map":
      return `cannot restore map from ${kind}`;
    case "list":
      return `cannot restore slice from ${kind}`;
    case "special":
      return `cannot restore struct from: ${kind}`;
    case "scalar": {
      if (type.name === "bytes") return `cannot restore slice from ${kind}`;
      const target = goTypeName(type);
      // Values Go could convert (numbers to numbers, integers to strings) but
      // JSON semantics forbid are "cannot convert"; the rest are unrecognized.
      const numeric = type.name !== "bool" && type.name !== "string";
      if ((kind === "int64" && type.name !== "bool") || (kind === "float64" && numeric)) {
        return `cannot convert ${kind} to ${target}`;
      }
      return `unrecognized type: ${target}`;
    }
  }
}

/** Go package-qualified type name of a schema type ("io.k8s.api.core.v1.Toleration" → "v1.Toleration"). */
function goRefName(fullName: string): string {
  const [pkg, name] = splitTypeName(fullName);
  return `${pkg.slice(pkg.lastIndexOf(".") + 1)}.${name}`;
}

const SPECIAL_GO: Record<string, string> = {
  Time: "v1.Time",
  MicroTime: "v1.MicroTime",
  Duration: "v1.Duration",
  Quantity: "resource.Quantity",
  IntOrString: "intstr.IntOrString",
};

function goTypeName(type: TypeRef): string {
  switch (type.kind) {
    case "scalar":
      return {
        string: "string",
        bool: "bool",
        int32: "int32",
        int64: "int64",
        double: "float64",
        bytes: "[]uint8",
      }[type.name];
    case "special":
      return SPECIAL_GO[type.name] ?? "runtime.RawExtension";
    case "ref":
      return goRefName(type.name);
    case "list":
      return `[]${goTypeName(type.of)}`;
    case "map":
      return `map[string]${goTypeName(type.of)}`;
  }
}

const INT_RANGE = {
  int32: [-2147483648, 2147483647],
  int64: [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
};

/** Whether `value` decodes into `type` at this level (nested values are checked by the walk). */
function fits(value: unknown, type: TypeRef): boolean {
  if (value === null) return true;
  switch (type.kind) {
    case "scalar":
      switch (type.name) {
        case "string":
        case "bytes":
          return typeof value === "string";
        case "bool":
          return typeof value === "boolean";
        case "double":
          return typeof value === "number";
        case "int32":
        case "int64": {
          const [min, max] = INT_RANGE[type.name];
          return (
            typeof value === "number" && Number.isInteger(value) && value >= min && value <= max
          );
        }
      }
      return true;
    case "special":
      switch (type.name) {
        case "Time":
        case "MicroTime":
        case "Duration":
          return typeof value === "string";
        case "Quantity":
        case "IntOrString":
          return typeof value === "string" || typeof value === "number";
        default:
          return true; // RawExtension, JSON: any value
      }
    case "ref":
    case "map":
      return typeof value === "object" && !Array.isArray(value);
    case "list":
      return Array.isArray(value);
  }
}

/**
 * Go-style decode errors for values of `obj` whose JSON type does not fit the
 * schema of `typeName`, in document order (the server reports the first).
 * Only JSON types and integer ranges are checked, not formats (a bad
 * timestamp or quantity string is the validator's concern).
 */
export function findTypeErrors(
  obj: unknown,
  typeName: string,
  registry: SchemaRegistry,
  style: DecodeStyle = "json",
): string[] {
  const out: string[] = [];
  const top: TypeRef = { kind: "ref", name: typeName };
  if (!fits(obj, top)) {
    out.push(
      style === "unstructured"
        ? converterError(obj, top)
        : `json: cannot unmarshal ${jsonValueName(obj, false)} into Go value of type ${goRefName(typeName)}`,
    );
  } else if (obj !== null) {
    walkStruct(obj as Record<string, unknown>, typeName, { registry, out, style, path: [] });
  }
  return out;
}

interface Walk {
  registry: SchemaRegistry;
  out: string[];
  style: DecodeStyle;
  /** JSON names from the top to the field being checked (joined only for a message). */
  path: string[];
}

function walkStruct(obj: Record<string, unknown>, typeName: string, walk: Walk): void {
  const path = walk.path;
  for (const name in obj) {
    const field = walk.registry.field(typeName, name);
    if (field === undefined) continue; // unknown fields are reported separately
    path.push(name);
    walkField(obj[name], field.type, typeName, walk);
    path.pop();
  }
}

/**
 * Checks one value against `type`; `structType` (the full name of the
 * innermost struct) and `walk.path` name the Go field it lands in.
 */
function walkField(value: unknown, type: TypeRef, structType: string, walk: Walk): void {
  const { out, style } = walk;
  if (value === null) return;
  const bytes = type.kind === "scalar" && type.name === "bytes";
  if (type.kind === "special" || (bytes && (style === "json" || typeof value === "string"))) {
    const message = unmarshalerError(value, type.name);
    if (message !== undefined) {
      out.push(
        style === "unstructured" && bytes ? `error decoding from json: ${message}` : message,
      );
      return;
    }
  }
  if (!fits(value, type)) {
    const integer = type.kind === "scalar" && (type.name === "int32" || type.name === "int64");
    const outOfRange = integer && Number.isInteger(value);
    const struct = splitTypeName(structType)[1];
    out.push(
      style === "unstructured" && !outOfRange
        ? converterError(value, type)
        : `json: cannot unmarshal ${jsonValueName(value, integer)} into Go struct field ${struct}.${walk.path.join(".")} of type ${goTypeName(type)}`,
    );
    return;
  }
  if (type.kind === "ref") walkStruct(value as Record<string, unknown>, type.name, walk);
  else if (type.kind === "list") {
    for (const item of value as unknown[]) walkField(item, type.of, structType, walk);
  } else if (type.kind === "map") {
    const map = value as Record<string, unknown>;
    for (const key in map) walkField(map[key], type.of, structType, walk);
  }
}
