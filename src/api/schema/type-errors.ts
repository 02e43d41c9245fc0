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
 *
 * One walk over a body finds its type errors and its unknown fields (see
 * unknown-fields.ts) and counts its keys (see duplicate-fields.ts); the
 * wording is in decode-messages.ts.
 */
import { fieldError, topLevelError, type DecodeStyle } from "./decode-messages.ts";
import type { SchemaRegistry, TypeRef } from "./schema-registry.ts";

export type { DecodeStyle } from "./decode-messages.ts";

/** What one walk over a decoded body finds (see checkDecoding). */
export interface DecodeCheck {
  /** Go-style decode errors, in document order (the server reports the first). */
  typeErrors: string[];
  /** Paths of the fields the type does not declare, as findUnknownFields. */
  unknown: string[];
  /** The same fields as [the object holding one, its name], for pruning them. */
  unknownAt: [Record<string, unknown>, string][];
  /** Keys of every JSON object in the body: what its text holds when no key repeats. */
  keys: number;
}

/** A path being walked: field names and map keys, list indexes as numbers. */
type Path = (string | number)[];

interface Walk {
  registry: SchemaRegistry;
  style: DecodeStyle;
  out: DecodeCheck;
  /** From the top to the value being checked (joined only for an unknown field's path). */
  path: Path;
  /** The JSON field names in `path` (joined only for a type error). */
  fields: string[];
}

/**
 * Checks a decoded body against the schema of `typeName` in one walk: type
 * errors (only JSON types and integer ranges, not formats: a bad timestamp
 * or quantity string is the validator's concern), unknown fields
 * (apiVersion and kind are allowed at the top level and in every nested kind,
 * where TypeMeta is inline; RawExtension and JSON values are free-form and
 * not checked, nor are values of the wrong JSON type) and the key count. An
 * unknown `typeName` yields no errors and no unknown fields.
 */
export function checkDecoding(
  obj: unknown,
  typeName: string,
  registry: SchemaRegistry,
  style: DecodeStyle = "json",
): DecodeCheck {
  const out: DecodeCheck = { typeErrors: [], unknown: [], unknownAt: [], keys: 0 };
  const error = topLevelError(obj, typeName, style);
  if (error !== undefined) out.typeErrors.push(error);
  else if (obj !== null) {
    walkStruct(obj as Record<string, unknown>, typeName, true, {
      registry,
      style,
      out,
      path: [],
      fields: [],
    });
  }
  return out;
}

/**
 * Go-style decode errors for values of `obj` whose JSON type does not fit the
 * schema of `typeName`, in document order (see checkDecoding).
 */
export function findTypeErrors(
  obj: unknown,
  typeName: string,
  registry: SchemaRegistry,
  style: DecodeStyle = "json",
): string[] {
  return checkDecoding(obj, typeName, registry, style).typeErrors;
}

function walkStruct(
  obj: Record<string, unknown>,
  typeName: string,
  topLevel: boolean,
  walk: Walk,
): void {
  const { registry, out, path } = walk;
  const spec = registry.type(typeName);
  const typeMetaAllowed = topLevel || (spec?.gvk?.length ?? 0) > 0;
  for (const name in obj) {
    out.keys++;
    const field = spec === undefined ? undefined : registry.field(typeName, name);
    path.push(name);
    if (field !== undefined) {
      walk.fields.push(name);
      walkField(obj[name], field.type, typeName, walk);
      walk.fields.pop();
    } else {
      if (spec !== undefined && !(typeMetaAllowed && (name === "apiVersion" || name === "kind"))) {
        out.unknown.push(pathText(path));
        out.unknownAt.push([obj, name]);
      }
      out.keys += countKeys(obj[name]);
    }
    path.pop();
  }
}

/** Checks one value against `type`; `structType` is the full name of the innermost struct. */
function walkField(value: unknown, type: TypeRef, structType: string, walk: Walk): void {
  if (value === null) return;
  const { out, path } = walk;
  const error = fieldError(value, type, structType, walk.fields, walk.style);
  if (error !== undefined) {
    out.typeErrors.push(error);
    out.keys += countKeys(value);
    return;
  }
  switch (type.kind) {
    case "ref":
      walkStruct(value as Record<string, unknown>, type.name, false, walk);
      return;
    case "list": {
      const list = value as unknown[];
      for (let i = 0; i < list.length; i++) {
        path.push(i);
        walkField(list[i], type.of, structType, walk);
        path.pop();
      }
      return;
    }
    case "map": {
      const map = value as Record<string, unknown>;
      for (const key in map) {
        out.keys++;
        path.push(key);
        walkField(map[key], type.of, structType, walk);
        path.pop();
      }
      return;
    }
    default:
      // Scalars, and special types (RawExtension and JSON are free-form).
      if (typeof value === "object") out.keys += countKeys(value);
  }
}

/** Keys of every JSON object in a value not walked against a schema. */
function countKeys(value: unknown): number {
  if (typeof value !== "object" || value === null) return 0;
  let n = 0;
  if (Array.isArray(value)) {
    for (const item of value) n += countKeys(item);
    return n;
  }
  const rec = value as Record<string, unknown>;
  for (const key in rec) n += 1 + countKeys(rec[key]);
  return n;
}

/** Upstream's text for a path: dotted names with `[i]` appended for list items. */
function pathText(path: Path): string {
  let out = "";
  for (let i = 0; i < path.length; i++) {
    const seg = path[i];
    out += typeof seg === "number" ? `[${seg}]` : i === 0 ? seg : `.${seg}`;
  }
  return out;
}
