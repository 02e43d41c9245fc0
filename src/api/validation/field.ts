/**
 * Field-error helpers beyond status.ts: Go-formatted values for the messages
 * upstream prints with %#v (maps, label selectors), and small readers for
 * untyped JSON objects.
 */
import { fieldErrors, type FieldError } from "../status.ts";

/** "field is immutable" */
export const FIELD_IMMUTABLE = "field is immutable";

/** Invalid with a pre-rendered value (used where upstream prints a Go value). */
export function invalidRendered(field: string, rendered: string, detail: string): FieldError {
  return { type: "FieldValueInvalid", field, message: `Invalid value: ${rendered}: ${detail}` };
}

/** `Not found: "x"` */
export function notFoundField(field: string, value: unknown): FieldError {
  return { type: "FieldValueNotFound", field, message: `Not found: ${JSON.stringify(value)}` };
}

/** Go's %#v of a map[string]string: `map[string]string{"a":"b"}` with sorted keys. */
export function goStringMap(m: Record<string, string> | undefined): string {
  if (!m) return "map[string]string(nil)";
  const body = Object.keys(m)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${JSON.stringify(m[k])}`)
    .join(", ");
  return `map[string]string{${body}}`;
}

/** Go's %#v of a *metav1.LabelSelector (dereferenced). */
export function goLabelSelector(sel: unknown): string {
  if (!isObject(sel)) return "null";
  const labels = isObject(sel.matchLabels)
    ? (sel.matchLabels as Record<string, string>)
    : undefined;
  const exprs = Array.isArray(sel.matchExpressions) ? sel.matchExpressions : undefined;
  const exprText = exprs
    ? `[]v1.LabelSelectorRequirement{${exprs
        .map((e) => {
          const r = isObject(e) ? e : {};
          const values = Array.isArray(r.values)
            ? `[]string{${r.values.map((v) => JSON.stringify(v)).join(", ")}}`
            : "[]string(nil)";
          return `v1.LabelSelectorRequirement{Key:${JSON.stringify(r.key ?? "")}, Operator:${JSON.stringify(r.operator ?? "")}, Values:${values}}`;
        })
        .join(", ")}}`
    : "[]v1.LabelSelectorRequirement(nil)";
  return `v1.LabelSelector{MatchLabels:${goStringMap(labels)}, MatchExpressions:${exprText}}`;
}

/** An optional enum field: absent is fine, any other value must be one of `valid`. */
export function optionalEnum(field: string, value: unknown, valid: string[]): FieldError[] {
  if (value === undefined || valid.includes(str(value))) return [];
  return [fieldErrors.notSupported(field, value, valid)];
}

/** Invalid(field, new, "field is immutable") when new and old differ (deep). */
export function validateImmutable(field: string, value: unknown, old: unknown): FieldError[] {
  return deepEqual(value, old) ? [] : [fieldErrors.invalid(field, value, FIELD_IMMUTABLE)];
}

/** Structural equality of JSON values; undefined and null are equal. */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a === null || a === undefined) return b === null || b === undefined;
  if (b === null || b === undefined) return false;
  if (Array.isArray(a)) {
    return Array.isArray(b) && a.length === b.length && a.every((v, i) => deepEqual(v, b[i]));
  }
  if (typeof a === "object" && typeof b === "object" && !Array.isArray(b)) {
    const ao = a as Record<string, unknown>;
    const bo = b as Record<string, unknown>;
    const keys = new Set([...Object.keys(ao), ...Object.keys(bo)]);
    for (const k of keys) if (!deepEqual(ao[k], bo[k])) return false;
    return true;
  }
  return false;
}

/** A plain JSON object (not an array, not null). */
export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** The value as an object, or an empty one. */
export function obj(v: unknown): Record<string, unknown> {
  return isObject(v) ? v : {};
}

/** The value as an array of objects, or an empty array. */
export function objects(v: unknown): Record<string, unknown>[] {
  return Array.isArray(v) ? v.map(obj) : [];
}

/** The value if a string, else "". */
export function str(v: unknown): string {
  return typeof v === "string" ? v : "";
}

/** The value as a string map, or undefined. */
export function stringMap(v: unknown): Record<string, string> | undefined {
  return isObject(v) ? (v as Record<string, string>) : undefined;
}

/** Non-negative integer check with upstream's message. */
export function validateNonnegative(field: string, value: unknown): FieldError[] {
  if (typeof value === "number" && value < 0) {
    return [fieldErrors.invalid(field, value, "must be greater than or equal to 0")];
  }
  return [];
}

/** Positive integer check with upstream's message. */
export function validatePositive(field: string, value: unknown): FieldError[] {
  if (typeof value === "number" && value <= 0) {
    return [fieldErrors.invalid(field, value, "must be greater than zero")];
  }
  return [];
}
