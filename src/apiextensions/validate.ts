/**
 * Validates a custom resource against its structural schema with upstream's
 * messages: types, nullable, enum, pattern, numeric bounds, lengths, item and
 * property counts, formats, required, int-or-string, embedded resources,
 * list types (set, map) and allOf/anyOf/oneOf/not value validations.
 * CEL rules (x-kubernetes-validations) are checked by cel-rules.ts.
 *
 * Ratcheting (upstream's CRDValidationRatcheting, on by default since 1.30):
 * given the old object, a node whose value equals its correlated old value
 * (same property, same map key, same list-map keys or the same set member)
 * is not validated at all, so errors in unchanged fields are not reported.
 */
import { fieldErrors, type FieldError } from "../api/status.ts";
import { STRING_FORMATS } from "./formats.ts";
import type { JSONSchemaProps } from "./types.ts";

/** Joins a property name onto a field path ("" is the root). */
export function childPath(path: string, name: string): string {
  return path === "" ? name : `${path}.${name}`;
}

/** JSON type name as Go's validator reports it. */
export function jsonTypeName(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "array";
  if (typeof v === "number") return Number.isInteger(v) ? "integer" : "number";
  return typeof v === "object" ? "object" : typeof v;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Go's rendering of a list-map key tuple: map[string]interface {}{"name":"a"}. */
function goMapKey(keys: string[], item: Record<string, unknown>): string {
  const parts = keys.map((k) => `${JSON.stringify(k)}:${JSON.stringify(item[k])}`);
  return `map[string]interface {}{${parts.join(", ")}}`;
}

function typeError(path: string, value: unknown, type: string): FieldError {
  const t = jsonTypeName(value);
  return fieldErrors.invalid(path, t, `${path} in body must be of type ${type}: "${t}"`);
}

function typeMatches(type: string, v: unknown): boolean {
  switch (type) {
    case "object":
      return isObject(v);
    case "array":
      return Array.isArray(v);
    case "string":
      return typeof v === "string";
    case "integer":
      return typeof v === "number" && Number.isInteger(v);
    case "number":
      return typeof v === "number";
    case "boolean":
      return typeof v === "boolean";
    default:
      return true;
  }
}

function numberChecks(s: JSONSchemaProps, path: string, v: number, out: FieldError[]): void {
  if (s.maximum !== undefined) {
    if (s.exclusiveMaximum ? v >= s.maximum : v > s.maximum) {
      const how = s.exclusiveMaximum ? "less than" : "less than or equal to";
      out.push(fieldErrors.invalid(path, v, `${path} in body should be ${how} ${s.maximum}`));
    }
  }
  if (s.minimum !== undefined) {
    if (s.exclusiveMinimum ? v <= s.minimum : v < s.minimum) {
      const how = s.exclusiveMinimum ? "greater than" : "greater than or equal to";
      out.push(fieldErrors.invalid(path, v, `${path} in body should be ${how} ${s.minimum}`));
    }
  }
  if (s.multipleOf !== undefined && s.multipleOf > 0) {
    const q = v / s.multipleOf;
    if (Math.abs(q - Math.round(q)) > 1e-9) {
      out.push(
        fieldErrors.invalid(path, v, `${path} in body should be a multiple of ${s.multipleOf}`),
      );
    }
  }
}

function stringChecks(s: JSONSchemaProps, path: string, v: string, out: FieldError[]): void {
  const len = [...v].length;
  if (s.maxLength !== undefined && len > s.maxLength) {
    out.push({
      type: "FieldValueTooLong",
      field: path,
      message: `Too long: may not be more than ${s.maxLength} bytes`,
    });
  }
  if (s.minLength !== undefined && len < s.minLength) {
    out.push(
      fieldErrors.invalid(path, v, `${path} in body should be at least ${s.minLength} chars long`),
    );
  }
  if (s.pattern !== undefined) {
    let re: RegExp | undefined;
    try {
      re = new RegExp(s.pattern, "u");
    } catch {
      re = undefined;
    }
    if (re && !re.test(v))
      out.push(fieldErrors.invalid(path, v, `${path} in body should match '${s.pattern}'`));
  }
  if (s.format !== undefined) {
    const check = STRING_FORMATS[s.format];
    if (check && !check(v)) {
      out.push(
        fieldErrors.invalid(
          path,
          v,
          `${path} in body must be of type ${s.format}: ${JSON.stringify(v)}`,
        ),
      );
    }
  }
}

function arrayChecks(s: JSONSchemaProps, path: string, v: unknown[], out: FieldError[]): void {
  if (s.maxItems !== undefined && v.length > s.maxItems) {
    out.push({
      type: "FieldValueTooMany",
      field: path,
      message: `Too many: ${v.length}: must have at most ${s.maxItems} items`,
    });
  }
  if (s.minItems !== undefined && v.length < s.minItems) {
    out.push(
      fieldErrors.invalid(
        path,
        v.length,
        `${path} in body should have at least ${s.minItems} items`,
      ),
    );
  }
  const listType = s["x-kubernetes-list-type"];
  if (listType === "set" || s.uniqueItems) {
    const seen = new Set<string>();
    v.forEach((item, i) => {
      const k = JSON.stringify(item);
      if (seen.has(k)) out.push(fieldErrors.duplicate(`${path}[${i}]`, item));
      seen.add(k);
    });
  } else if (listType === "map") {
    const keys = s["x-kubernetes-list-map-keys"] ?? [];
    const seen = new Set<string>();
    v.forEach((item, i) => {
      if (!isObject(item)) return;
      const k = JSON.stringify(keys.map((key) => item[key]));
      if (seen.has(k)) {
        out.push({
          type: "FieldValueDuplicate",
          field: `${path}[${i}]`,
          message: `Duplicate value: ${goMapKey(keys, item)}`,
        });
      }
      seen.add(k);
    });
  }
}

function objectChecks(
  s: JSONSchemaProps,
  path: string,
  v: Record<string, unknown>,
  out: FieldError[],
): void {
  const n = Object.keys(v).length;
  if (s.maxProperties !== undefined && n > s.maxProperties) {
    out.push({
      type: "FieldValueTooMany",
      field: path,
      message: `Too many: ${n}: must have at most ${s.maxProperties} items`,
    });
  }
  if (s.minProperties !== undefined && n < s.minProperties) {
    out.push(
      fieldErrors.invalid(
        path,
        n,
        `${path} in body should have at least ${s.minProperties} properties`,
      ),
    );
  }
  for (const r of s.required ?? []) {
    if (!(r in v) || v[r] === undefined) out.push(fieldErrors.required(childPath(path, r)));
  }
  if (s["x-kubernetes-embedded-resource"]) {
    for (const k of ["apiVersion", "kind"]) {
      if (typeof v[k] !== "string" || v[k] === "")
        out.push(fieldErrors.required(childPath(path, k), "must not be empty"));
    }
  }
}

/** Deep equality of JSON values (object key order ignored). */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const bb = b as unknown[];
    return a.length === bb.length && a.every((x, i) => jsonEqual(x, bb[i]));
  }
  const ao = a as Record<string, unknown>;
  const bo = b as Record<string, unknown>;
  const keys = Object.keys(ao).filter((k) => ao[k] !== undefined);
  if (keys.length !== Object.keys(bo).filter((k) => bo[k] !== undefined).length) return false;
  return keys.every((k) => k in bo && jsonEqual(ao[k], bo[k]));
}

/** A correlated old value; undefined when there is none. */
export type OldValue = { value: unknown } | undefined;

/** The old value of property/map key `key`, when the old object has it. */
export function oldChild(old: OldValue, key: string): OldValue {
  if (!old || !isObject(old.value) || !(key in old.value)) return undefined;
  return { value: old.value[key] };
}

/**
 * The old list item correlated with `item` (upstream's rules): list-map
 * items by their keys, set items by value; atomic lists do not correlate.
 */
export function oldItem(s: JSONSchemaProps, item: unknown, old: OldValue): OldValue {
  if (!old || !Array.isArray(old.value)) return undefined;
  const listType = s["x-kubernetes-list-type"];
  if (listType === "map" && isObject(item)) {
    const keys = s["x-kubernetes-list-map-keys"] ?? [];
    const found = old.value.find((x) => isObject(x) && keys.every((k) => jsonEqual(x[k], item[k])));
    return found === undefined ? undefined : { value: found };
  }
  if (listType === "set") {
    const found = old.value.find((x) => jsonEqual(x, item));
    return found === undefined ? undefined : { value: found };
  }
  return undefined;
}

/**
 * Field errors of `value` at `path` against `schema` (recursive). With
 * `ratchet` (updates), unchanged nodes relative to `ratchet.old` are skipped.
 */
export function validateValue(
  schema: JSONSchemaProps,
  value: unknown,
  path: string,
  ratchet?: { old: unknown },
): FieldError[] {
  const out: FieldError[] = [];
  walk(schema, value, path, out, ratchet ? { value: ratchet.old } : undefined);
  return out;
}

function walk(
  s: JSONSchemaProps,
  v: unknown,
  path: string,
  out: FieldError[],
  old: OldValue = undefined,
): void {
  if (v === undefined) return;
  if (old && jsonEqual(v, old.value)) return;
  if (v === null) {
    if (!s.nullable && s.type !== undefined && !s["x-kubernetes-preserve-unknown-fields"]) {
      out.push(typeError(path, v, s.type));
    }
    return;
  }
  if (s["x-kubernetes-int-or-string"]) {
    if (!(typeof v === "string" || (typeof v === "number" && Number.isInteger(v)))) {
      out.push(typeError(path, v, "integer,string"));
      return;
    }
  } else if (s.type !== undefined && !typeMatches(s.type, v)) {
    out.push(typeError(path, v, s.type));
    return;
  }
  if (s.enum !== undefined && !s.enum.some((e) => JSON.stringify(e) === JSON.stringify(v))) {
    out.push(
      fieldErrors.notSupported(
        path,
        v,
        s.enum.map((e) => (typeof e === "string" ? e : JSON.stringify(e))),
      ),
    );
  }
  if (typeof v === "number") numberChecks(s, path, v, out);
  if (typeof v === "string") stringChecks(s, path, v, out);
  if (Array.isArray(v)) {
    arrayChecks(s, path, v, out);
    if (s.items) {
      v.forEach((item, i) => walk(s.items!, item, `${path}[${i}]`, out, oldItem(s, item, old)));
    }
  }
  if (isObject(v)) {
    objectChecks(s, path, v, out);
    for (const [k, child] of Object.entries(v)) {
      const ps = s.properties?.[k];
      if (ps) walk(ps, child, childPath(path, k), out, oldChild(old, k));
      else if (typeof s.additionalProperties === "object")
        walk(s.additionalProperties, child, `${path}[${k}]`, out, oldChild(old, k));
    }
  }
  junctors(s, v, path, out);
}

function junctors(s: JSONSchemaProps, v: unknown, path: string, out: FieldError[]): void {
  for (const sub of s.allOf ?? []) walk(sub, v, path, out);
  if (s.anyOf && !s.anyOf.some((sub) => validateValue(sub, v, path).length === 0)) {
    out.push(
      fieldErrors.invalid(path, v, `${path} in body must validate at least one schema (anyOf)`),
    );
  }
  if (s.oneOf && s.oneOf.filter((sub) => validateValue(sub, v, path).length === 0).length !== 1) {
    out.push(
      fieldErrors.invalid(path, v, `${path} in body must validate one and only one schema (oneOf)`),
    );
  }
  if (s.not && validateValue(s.not, v, path).length === 0) {
    out.push(fieldErrors.invalid(path, v, `${path} in body should not validate the schema (not)`));
  }
}
