/**
 * Conversions between JSON values (as stored in Kubernetes objects) and CEL
 * values, and the "opaque" values the Kubernetes libraries add (quantity,
 * URL, optional, authorizer). @bufbuild/cel has no user-defined value types,
 * so an opaque value is a CEL map tagged with the key "@k8s"; library
 * functions recognise the tag, and equality of two opaque values compares
 * their canonical content.
 */
import { celList, celMap, celType, isCelList, isCelMap, isCelUint, isCelType } from "@bufbuild/cel";
import type { CelInput, CelMap, CelValue } from "@bufbuild/cel";
import { create } from "@bufbuild/protobuf";
import { DurationSchema, TimestampSchema } from "@bufbuild/protobuf/wkt";
import { formatDuration, formatTime, parseDuration, parseTime } from "../api/schema/go-formats.ts";

/** Tag key of opaque values. */
export const OPAQUE_TAG = "@k8s";

/**
 * The parts of an OpenAPI/structural schema that steer conversion: a
 * `type: number` value stays a double even when integral; anything else that
 * is an integral JS number becomes a CEL int.
 */
export interface CelSchemaHint {
  type?: string;
  /** date-time and date strings become timestamps, duration strings durations (as upstream). */
  format?: string;
  properties?: Record<string, CelSchemaHint>;
  items?: CelSchemaHint;
  additionalProperties?: CelSchemaHint | boolean;
  "x-kubernetes-int-or-string"?: boolean;
}

const RESERVED = new Set([
  "true",
  "false",
  "null",
  "in",
  "as",
  "break",
  "const",
  "continue",
  "else",
  "for",
  "function",
  "if",
  "import",
  "let",
  "loop",
  "package",
  "namespace",
  "return",
]);

/**
 * The CEL name of a schema property, escaped as upstream ("x-prop" →
 * "x__dash__prop", "namespace" → "__namespace__"); undefined when the name
 * is not accessible from CEL.
 */
export function escapeCelProperty(name: string): string | undefined {
  if (RESERVED.has(name)) return `__${name}__`;
  if (!/^[a-zA-Z_.\-/][a-zA-Z0-9_.\-/]*$/.test(name)) return undefined;
  return name
    .replace(/__/g, "__underscores__")
    .replace(/\./g, "__dot__")
    .replace(/-/g, "__dash__")
    .replace(/\//g, "__slash__");
}

/**
 * Converts a JSON value to a CEL input (integral numbers → int unless the
 * schema says number). With a schema, declared properties are escaped for
 * CEL and null-valued properties are absent, as upstream.
 */
export function toCel(value: unknown, schema?: CelSchemaHint): CelInput {
  if (value === null || value === undefined) return null;
  switch (typeof value) {
    case "number":
      if (schema?.type === "number" || !Number.isInteger(value)) return value;
      return BigInt(value);
    case "string":
      return schema?.type === "string" && schema.format ? formatted(value, schema.format) : value;
    case "boolean":
    case "bigint":
      return value;
    case "object": {
      if (Array.isArray(value)) return value.map((v) => toCel(v, schema?.items));
      const out = new Map<string, CelInput>();
      const ap =
        typeof schema?.additionalProperties === "object" ? schema.additionalProperties : undefined;
      for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
        if (v === undefined) continue;
        const prop = schema?.properties?.[k];
        if (prop) {
          const name = escapeCelProperty(k);
          if (name !== undefined && v !== null) out.set(name, toCel(v, prop));
          continue;
        }
        out.set(k, toCel(v, ap));
      }
      return out;
    }
    default:
      return null;
  }
}

/**
 * A string of a schema format CEL types specially: date-time and date as
 * google.protobuf.Timestamp, duration (Go syntax, "1h30m") as
 * google.protobuf.Duration; the string itself when it does not parse.
 */
function formatted(value: string, format: string): CelInput {
  try {
    if (format === "date-time" || format === "date") {
      const t = parseTime(format === "date" ? `${value}T00:00:00Z` : value);
      return create(TimestampSchema, { seconds: BigInt(t.seconds), nanos: t.nanos }) as CelInput;
    }
    if (format === "duration") {
      const n = parseDuration(value);
      const seconds = n / 1_000_000_000n;
      return create(DurationSchema, {
        seconds,
        nanos: Number(n - seconds * 1_000_000_000n),
      }) as CelInput;
    }
  } catch {
    return value;
  }
  return value;
}

/** Creates an opaque value with tag `tag` and payload entries. */
export function opaque(tag: string, entries: Record<string, CelInput>): CelMap {
  return celMap(new Map<string, CelInput>([[OPAQUE_TAG, tag], ...Object.entries(entries)]));
}

/** Returns the opaque tag of `v`, or undefined when `v` is not an opaque value. */
export function opaqueTag(v: CelValue | undefined): string | undefined {
  if (v === undefined || !isCelMap(v)) return undefined;
  const tag = v.get(OPAQUE_TAG);
  return typeof tag === "string" ? tag : undefined;
}

interface MessageLike {
  message: { $typeName: string; seconds?: bigint; nanos?: number };
}

function isMessageLike(v: unknown): v is MessageLike {
  return (
    typeof v === "object" &&
    v !== null &&
    "message" in v &&
    typeof (v as MessageLike).message?.$typeName === "string"
  );
}

/**
 * Converts a CEL value back to JSON: ints become numbers, timestamps RFC 3339
 * strings, durations Go duration strings, opaque values their string form.
 */
export function fromCel(v: CelValue | unknown): unknown {
  if (v === null || v === undefined) return null;
  switch (typeof v) {
    case "bigint":
      return Number(v);
    case "number":
    case "string":
    case "boolean":
      return v;
  }
  if (isCelUint(v)) return Number(v.value);
  if (v instanceof Uint8Array) return Buffer.from(v).toString("base64");
  if (isCelList(v)) return Array.from(v, (x) => fromCel(x));
  if (isCelMap(v)) {
    const tag = opaqueTag(v);
    if (tag !== undefined) return opaqueToJSON(tag, v);
    const out: Record<string, unknown> = {};
    for (const [k, x] of v) out[String(typeof k === "object" ? k.value : k)] = fromCel(x);
    return out;
  }
  if (isCelType(v)) return v.name;
  if (isMessageLike(v)) {
    const m = v.message;
    const seconds = m.seconds ?? 0n;
    const nanos = m.nanos ?? 0;
    if (m.$typeName === "google.protobuf.Timestamp") return formatTime(Number(seconds), nanos);
    if (m.$typeName === "google.protobuf.Duration")
      return formatDuration(seconds * 1_000_000_000n + BigInt(nanos));
  }
  return String(v);
}

function opaqueToJSON(tag: string, v: CelMap): unknown {
  if (tag === "optional") return v.get("has") === true ? fromCel(v.get("v")) : null;
  const s = v.get("v");
  return typeof s === "string" ? s : tag;
}

/** A CEL list from JS values already in CEL form. */
export function list(values: readonly CelInput[]): CelValue {
  return celList(values);
}

/** The CEL type name of a runtime value ("int", "bool", "list", "map", ...; opaque values "map"). */
export function celTypeName(v: CelValue): string {
  const name = celType(v).name;
  return name.replace(/\(.*$/, "");
}
