/**
 * The wording of decode errors (see type-errors.ts): Go's encoding/json
 * messages for a JSON value of the wrong type, or apimachinery's unstructured
 * converter's, and whether a value's JSON type fits a schema type at all.
 */
import { splitTypeName, type TypeRef } from "./schema-registry.ts";
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
export function goRefName(fullName: string): string {
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
export function fits(value: unknown, type: TypeRef): boolean {
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

/** The error of a whole body that is no JSON object, or undefined when it is one (or null). */
export function topLevelError(
  obj: unknown,
  typeName: string,
  style: DecodeStyle,
): string | undefined {
  const top: TypeRef = { kind: "ref", name: typeName };
  if (fits(obj, top)) return undefined;
  return style === "unstructured"
    ? converterError(obj, top)
    : `json: cannot unmarshal ${jsonValueName(obj, false)} into Go value of type ${goRefName(typeName)}`;
}

/**
 * The error of a non-null field value that does not decode into `type`, or
 * undefined. `structType` (the full name of the innermost struct) and
 * `fieldPath` (JSON field names from the top, no list indexes or map keys)
 * name the Go field it lands in.
 */
export function fieldError(
  value: unknown,
  type: TypeRef,
  structType: string,
  fieldPath: readonly string[],
  style: DecodeStyle,
): string | undefined {
  const bytes = type.kind === "scalar" && type.name === "bytes";
  if (type.kind === "special" || (bytes && (style === "json" || typeof value === "string"))) {
    const message = unmarshalerError(value, type.name);
    if (message !== undefined)
      return style === "unstructured" && bytes ? `error decoding from json: ${message}` : message;
  }
  if (fits(value, type)) return undefined;
  const integer = type.kind === "scalar" && (type.name === "int32" || type.name === "int64");
  const outOfRange = integer && Number.isInteger(value);
  const struct = splitTypeName(structType)[1];
  return style === "unstructured" && !outOfRange
    ? converterError(value, type)
    : `json: cannot unmarshal ${jsonValueName(value, integer)} into Go struct field ${struct}.${fieldPath.join(".")} of type ${goTypeName(type)}`;
}
