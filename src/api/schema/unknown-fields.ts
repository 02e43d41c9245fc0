/**
 * Strict field checks on request bodies, reported as upstream's strict
 * decoder reports them: paths of dotted field names with list indices
 * appended ("spec.containers[0].bogus"), in document order.
 *
 * The API server turns these into `strict decoding error: unknown field "..."`
 * (fieldValidation=Strict, 400) or `unknown field "..."` Warning headers (Warn).
 */
import type { SchemaRegistry, TypeRef } from "./schema-registry.ts";

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

/** A path being walked: field names and map keys, list indexes as numbers. */
type Path = (string | number)[];

/** Upstream's text for a path: dotted names with `[i]` appended for list items. */
function pathText(path: Path): string {
  let out = "";
  for (let i = 0; i < path.length; i++) {
    const seg = path[i];
    out += typeof seg === "number" ? `[${seg}]` : i === 0 ? seg : `.${seg}`;
  }
  return out;
}

/**
 * Paths of every field of `obj` that type `typeName` (full name) does not
 * declare. apiVersion and kind are allowed at the top level and in every
 * nested kind (TypeMeta is inline there); RawExtension and JSON values are
 * free-form and not checked, nor are values of the wrong JSON type (decoding
 * reports those). An unknown `typeName` yields no paths.
 */
export function findUnknownFields(
  obj: unknown,
  typeName: string,
  registry: SchemaRegistry,
): string[] {
  const out: string[] = [];
  if (!isObject(obj)) return out;
  walkObject(obj, typeName, [], true, registry, out);
  return out;
}

function walkObject(
  obj: Record<string, unknown>,
  typeName: string,
  path: Path,
  topLevel: boolean,
  registry: SchemaRegistry,
  out: string[],
): void {
  const spec = registry.type(typeName);
  if (spec === undefined) return;
  const typeMetaAllowed = topLevel || (spec.gvk?.length ?? 0) > 0;
  for (const name in obj) {
    const field = registry.field(typeName, name);
    path.push(name);
    if (field === undefined) {
      if (!(typeMetaAllowed && (name === "apiVersion" || name === "kind"))) {
        out.push(pathText(path));
      }
    } else {
      walkValue(obj[name], field.type, path, registry, out);
    }
    path.pop();
  }
}

function walkValue(
  value: unknown,
  type: TypeRef,
  path: Path,
  registry: SchemaRegistry,
  out: string[],
): void {
  switch (type.kind) {
    case "ref":
      if (isObject(value)) walkObject(value, type.name, path, false, registry, out);
      return;
    case "list":
      if (Array.isArray(value)) {
        for (let i = 0; i < value.length; i++) {
          path.push(i);
          walkValue(value[i], type.of, path, registry, out);
          path.pop();
        }
      }
      return;
    case "map":
      if (isObject(value)) {
        for (const key in value) {
          path.push(key);
          walkValue(value[key], type.of, path, registry, out);
          path.pop();
        }
      }
      return;
    default:
      // Scalars and special types (Time, Quantity, IntOrString, RawExtension, JSON)
      // have no fields of their own to check.
      return;
  }
}

/**
 * The strict-decoding messages for a body: `unknown field "<path>"` for each
 * unknown field, then `duplicate field "<path>"` for each repeated key. Paths
 * are quoted as Go's %q does, so a key holding quotes stays readable.
 */
export function strictDecodingErrors(
  unknown: readonly string[],
  duplicates: readonly string[],
): string[] {
  return [
    ...unknown.map((p) => `unknown field ${JSON.stringify(p)}`),
    ...duplicates.map((p) => `duplicate field ${JSON.stringify(p)}`),
  ];
}
