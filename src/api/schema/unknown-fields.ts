/**
 * Strict field checks on request bodies, reported as upstream's strict
 * decoder reports them: paths of dotted field names with list indices
 * appended ("spec.containers[0].bogus"), in document order.
 *
 * The API server turns these into `strict decoding error: unknown field "..."`
 * (fieldValidation=Strict, 400) or `unknown field "..."` Warning headers (Warn).
 */
import type { SchemaRegistry } from "./schema-registry.ts";
import { checkDecoding } from "./type-errors.ts";

/**
 * Paths of every field of `obj` that type `typeName` (full name) does not
 * declare. apiVersion and kind are allowed at the top level and in every
 * nested kind (TypeMeta is inline there); RawExtension and JSON values are
 * free-form and not checked, nor are values of the wrong JSON type (decoding
 * reports those). An unknown `typeName` yields no paths. (checkDecoding finds
 * these and the type errors in one walk.)
 */
export function findUnknownFields(
  obj: unknown,
  typeName: string,
  registry: SchemaRegistry,
): string[] {
  return checkDecoding(obj, typeName, registry).unknown;
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
