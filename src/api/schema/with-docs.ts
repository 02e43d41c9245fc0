/**
 * Keeps schema declarations compact: a package's field specs are declared
 * without prose, and descriptions live beside them in a flat table keyed by
 * "Type" (the type's description) or "Type.field" (a field's description).
 */
import type { FieldSpec, SchemaPackage, TypeSpec } from "./types.ts";

/**
 * Returns a copy of `pkg` with descriptions from `docs` filled in. A
 * description already present in a spec wins. Throws on a key naming a type
 * or field the package does not declare, so a typo cannot silently drop text.
 */
export function withDocs(pkg: SchemaPackage, docs: Record<string, string>): SchemaPackage {
  const types: Record<string, TypeSpec> = {};
  for (const [typeName, spec] of Object.entries(pkg.types)) {
    const fields: Record<string, FieldSpec> = {};
    for (const [name, [num, type, opts]] of Object.entries(spec.fields)) {
      const text = docs[`${typeName}.${name}`];
      fields[name] =
        text === undefined || opts?.description
          ? [num, type, opts]
          : [num, type, { ...opts, description: text }];
    }
    types[typeName] = { ...spec, description: spec.description ?? docs[typeName], fields };
  }
  for (const key of Object.keys(docs)) {
    const [typeName, field] = key.split(".", 2);
    const spec = pkg.types[typeName];
    if (!spec || (field !== undefined && !(field in spec.fields))) {
      throw new Error(`Cannot document ${pkg.name}.${key}: no such type or field`);
    }
  }
  return { name: pkg.name, types };
}
