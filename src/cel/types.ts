/**
 * Static CEL types of the checker (typecheck.ts): scalars, lists and maps
 * with their most elements (for cost estimates), CRD object types carrying
 * their schema, and named opaque types of the Kubernetes libraries
 * (`kubernetes.Quantity`, `net.IP`, `optional_type(T)`, ...). Names print
 * as cel-go prints them in "found no matching overload" messages.
 */
import { escapeCelProperty } from "./values.ts";

/** The schema parts the checker reads (a CRD JSONSchemaProps fits). */
export interface TypeSchema {
  type?: string;
  format?: string;
  properties?: Record<string, TypeSchema>;
  additionalProperties?: TypeSchema | boolean;
  items?: TypeSchema;
  maxLength?: number;
  maxItems?: number;
  maxProperties?: number;
  /** Allowed values (a string's longest one bounds its length when maxLength is absent). */
  enum?: unknown[];
  /** Required properties (those without a default count toward an object's minimum size). */
  required?: string[];
  default?: unknown;
  "x-kubernetes-preserve-unknown-fields"?: boolean;
  "x-kubernetes-int-or-string"?: boolean;
  "x-kubernetes-embedded-resource"?: boolean;
  /** Name of an object type in messages (built-in admission types); CRD objects print "object". */
  celTypeName?: string;
  /** Declared dyn whatever its shape (upstream's AnyType fields of the admission types). */
  celAny?: boolean;
}

/** A static type. */
export type T =
  | {
      k: "dyn" | "bool" | "int" | "uint" | "double" | "null";
      /** A scalar read from an object field: its size estimate is 0 (free to compare). */
      field?: true;
    }
  | {
      k: "bytes";
      /** Most bytes (a schema's maxLength, else request-bounded); absent for literals and results (1). */
      max?: number;
    }
  | { k: "type" }
  | {
      k: "timestamp" | "duration";
      /** JSON size of a schema field (upstream's max date-time/date/duration sizes), for equality costs. */
      max?: number;
    }
  | { k: "string"; max: number }
  | { k: "list"; elem: T; max: number }
  | { k: "map"; key: T; val: T; max: number }
  | {
      k: "object";
      schema: TypeSchema;
      /**
       * Declared field types, when the object type is not described by a
       * schema (upstream's `kubernetes.variables`); any other field is undefined.
       */
      fields?: Readonly<Record<string, T>>;
    }
  | { k: "opaque"; name: string; elem?: T };

/** Upstream's request size limit, the bound for unbounded strings, lists and maps. */
export const MAX_REQUEST_BYTES = 3 * 1024 * 1024;

/** Upstream's largest JSON sizes of date-time and duration strings, and of a date. */
const MAX_DATETIME_SIZE_JSON = 32;
const MAX_DURATION_SIZE_JSON = 32;
const JSON_DATE_SIZE = 12;

export const DYN: T = { k: "dyn" };
/**
 * The element type of an empty literal (`[]`, `{}`): prints as dyn but, as
 * a free type variable in cel-go, takes the first concrete type it meets
 * (compared by identity).
 */
export const FREE: T = { k: "dyn" };
export const BOOL: T = { k: "bool" };
export const INT: T = { k: "int" };
export const UINT: T = { k: "uint" };
export const DOUBLE: T = { k: "double" };
export const BYTES: T = { k: "bytes" };
export const NULL: T = { k: "null" };
export const TYPE: T = { k: "type" };
export const TIMESTAMP: T = { k: "timestamp" };
export const DURATION: T = { k: "duration" };
/** The key of a schema map: upstream's key type has no size estimate (0). */
const MAP_KEY: T = { k: "string", max: 0 };
/** A string of unknown (request-bounded) length. */
export const STRING: T = { k: "string", max: MAX_REQUEST_BYTES - 2 };

/** A list of `elem` with at most `max` elements (default: request-bounded). */
export const listOf = (elem: T, max = MAX_REQUEST_BYTES / 2): T => ({ k: "list", elem, max });
/** A map with at most `max` entries (default: request-bounded). */
export const mapOf = (key: T, val: T, max = MAX_REQUEST_BYTES / 2): T => ({
  k: "map",
  key,
  val,
  max,
});
/** A named opaque type; `optional_type` carries its element. */
export const opaqueOf = (name: string, elem?: T): T => ({ k: "opaque", name, elem });

/**
 * Upstream's minimum JSON size of a value described by `s`: `0`, `""`,
 * `true`, `[]`, a formatted string's shortest form, `{}` plus every
 * required property without a default (`"name":value,`).
 */
function minEncodedSize(s: TypeSchema | undefined): number {
  if (s?.type === "string" && s.format === "date-time") return 21;
  if (s?.type === "string" && s.format === "date") return 12;
  if (s?.type === "string" && s.format === "duration") return 3;
  switch (s?.type) {
    case "string":
    case "array":
      return 2;
    case "object": {
      let size = 2;
      for (const name of s.required ?? []) {
        const prop = s.properties?.[name];
        if (prop && prop.default === undefined) size += name.length + minEncodedSize(prop) + 4;
      }
      return size;
    }
    case "boolean":
      return 4;
    default:
      return 1;
  }
}

/**
 * Upstream's bound on a string's length in bytes: maxLength counts code
 * points, so 4 bytes each; without it, the longest enum value; else the
 * request size.
 */
function maxStringLength(s: TypeSchema): number {
  if (s.maxLength !== undefined) return Math.max(0, s.maxLength) * 4;
  const values = (s.enum ?? []).filter((v): v is string => typeof v === "string");
  if (values.length > 0) return Math.max(...values.map((v) => Buffer.byteLength(v)));
  return MAX_REQUEST_BYTES - 2;
}

const STRING_SCHEMA: TypeSchema = { type: "string" };

/**
 * `s` with string `kind` and `apiVersion` and a `metadata` object holding
 * string `name` and `generateName`, which CEL may always read at the root of
 * a resource or an embedded resource (upstream's WithTypeAndObjectMeta: a
 * declared metadata without both is replaced, so nothing else of metadata
 * is visible).
 */
export function withTypeAndObjectMeta(s: TypeSchema): TypeSchema {
  const p = s.properties ?? {};
  const meta = p.metadata;
  if (
    p.kind?.type === "string" &&
    p.apiVersion?.type === "string" &&
    meta?.type === "object" &&
    meta.properties?.name?.type === "string" &&
    meta.properties.generateName?.type === "string"
  )
    return s;
  return {
    ...s,
    properties: {
      ...p,
      kind: STRING_SCHEMA,
      apiVersion: STRING_SCHEMA,
      metadata: {
        type: "object",
        properties: { name: STRING_SCHEMA, generateName: STRING_SCHEMA },
      },
    },
  };
}

/**
 * The CEL type of values described by `s`, as upstream's SchemaDeclType;
 * undefined when CEL does not expose them: a schema without a type (other
 * than int-or-string, which is dyn), a list whose items or a map whose
 * values are not exposed. An object type declares only its exposed
 * properties (unknown fields of preserve-unknown-fields objects are not
 * readable); `isResourceRoot` (a resource's root or an embedded resource)
 * adds kind, apiVersion and metadata.name/generateName.
 */
export function declTypeOfSchema(s: TypeSchema, isResourceRoot = false): T | undefined {
  if (s["x-kubernetes-int-or-string"] || s.celAny) return DYN;
  if (isResourceRoot) s = withTypeAndObjectMeta(s);
  switch (s.type) {
    case "boolean":
      return { k: "bool", field: true };
    case "integer":
      return { k: "int", field: true };
    case "number":
      return { k: "double", field: true };
    case "string":
      if (s.format === "byte")
        return { k: "bytes", max: Math.max(0, s.maxLength ?? MAX_REQUEST_BYTES - 2) };
      if (s.format === "date-time") return { k: "timestamp", max: MAX_DATETIME_SIZE_JSON };
      if (s.format === "date") return { k: "timestamp", max: JSON_DATE_SIZE };
      if (s.format === "duration") return { k: "duration", max: MAX_DURATION_SIZE_JSON };
      return { k: "string", max: maxStringLength(s) };
    case "array": {
      const elem = s.items && childType(s.items);
      return elem && listOf(elem, listMax(s));
    }
    case "object": {
      if (typeof s.additionalProperties === "object") {
        const val = childType(s.additionalProperties);
        return val && mapOf(MAP_KEY, val, mapMax(s));
      }
      return { k: "object", schema: s };
    }
    default:
      return undefined;
  }
}

/** The type of a property, item or map value (an embedded resource is a resource root). */
export const childType = (s: TypeSchema): T | undefined =>
  declTypeOfSchema(s, s["x-kubernetes-embedded-resource"] === true);

const listMax = (s: TypeSchema): number =>
  s.maxItems ?? Math.floor((MAX_REQUEST_BYTES - 2) / (minEncodedSize(s.items) + 1));
const mapMax = (s: TypeSchema): number => {
  const ap = typeof s.additionalProperties === "object" ? s.additionalProperties : undefined;
  return s.maxProperties ?? Math.floor((MAX_REQUEST_BYTES - 2) / (minEncodedSize(ap) + 6));
};

/**
 * The CEL type of a variable described by `s` (declTypeOfSchema, an
 * embedded resource as a root); dyn when there is no schema or CEL does
 * not expose it.
 */
export function typeOfSchema(s: TypeSchema | undefined): T {
  return (s && childType(s)) ?? DYN;
}

/** The property a CEL field name refers to (names are escaped as upstream: x-y → x__dash__y). */
export function propertyByCelName(s: TypeSchema, field: string): TypeSchema | undefined {
  for (const [k, v] of Object.entries(s.properties ?? {})) {
    if (escapeCelProperty(k) === field) return v;
  }
  return undefined;
}

/**
 * Upstream's worst-case count of values described by `s` in one request
 * (3 MiB over the value's minimum JSON size plus a comma), the cardinality
 * of a rule under an unbounded list or map.
 */
export function maxCardinality(s: TypeSchema | undefined): number {
  return Math.floor(MAX_REQUEST_BYTES / (minEncodedSize(s) + 1));
}

/** Most elements a list or map described by `s` can hold (1 for anything else). */
export function maxElements(s: TypeSchema | undefined): number {
  if (s?.type === "array") return listMax(s);
  if (s?.type === "object" && typeof s.additionalProperties === "object") return mapMax(s);
  return 1;
}

/** cel-go's name of a type: `int`, `list(string)`, `map(string, dyn)`, `google.protobuf.Timestamp`... */
export function typeName(t: T): string {
  switch (t.k) {
    case "list":
      return `list(${typeName(t.elem)})`;
    case "map":
      return `map(${typeName(t.key)}, ${typeName(t.val)})`;
    case "object":
      return t.schema.celTypeName ?? "object";
    case "null":
      return "null_type";
    case "timestamp":
      return "google.protobuf.Timestamp";
    case "duration":
      return "google.protobuf.Duration";
    case "opaque":
      return t.elem ? `${t.name}(${typeName(t.elem)})` : t.name;
    default:
      return t.k;
  }
}

/** Most elements or characters a value of `t` holds (1 for scalars). */
export const sizeOf = (t: T): number => ("max" in t && t.max !== undefined ? t.max : 1);

/** Whether two types can be the same type parameter (dyn and null meet everything). */
export function unifies(a: T, b: T): boolean {
  if (a.k === "dyn" || b.k === "dyn" || a.k === "null" || b.k === "null") return true;
  if (a.k !== b.k) return false;
  if (a.k === "list" && b.k === "list") return unifies(a.elem, b.elem);
  if (a.k === "map" && b.k === "map") return unifies(a.key, b.key) && unifies(a.val, b.val);
  if (a.k === "opaque" && b.k === "opaque")
    return a.name === b.name && (!a.elem || !b.elem || unifies(a.elem, b.elem));
  return true;
}

/** The more specific of two unifying types (dyn and null yield to the other). */
export function join(a: T, b: T): T {
  if (a.k === "dyn" || a.k === "null") return b;
  return a;
}
