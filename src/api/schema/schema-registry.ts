/**
 * Index over the schema table (see types.ts): looks up types by full name,
 * resolves type strings into structured references, and maps served
 * group/version/kind triples to the type that carries them.
 *
 * The registry is read-only after construction; callers must not mutate the
 * packages they passed in.
 */
import { inlinePath } from "./defs/spec-builders.ts";
import type { FieldSpec, SchemaPackage, TypeSpec } from "./types.ts";

export type ScalarName = "string" | "bool" | "int32" | "int64" | "double" | "bytes";
export type SpecialName =
  "Time" | "MicroTime" | "Duration" | "Quantity" | "IntOrString" | "RawExtension" | "JSON";

/** A resolved type string. `ref` names are fully qualified ("pkg.Type"). */
export type TypeRef =
  | { kind: "scalar"; name: ScalarName }
  | { kind: "special"; name: SpecialName }
  | { kind: "ref"; name: string }
  | { kind: "list"; of: TypeRef }
  | { kind: "map"; of: TypeRef };

const SCALARS: ReadonlySet<string> = new Set([
  "string",
  "bool",
  "int32",
  "int64",
  "double",
  "bytes",
]);
const SPECIALS: ReadonlySet<string> = new Set([
  "Time",
  "MicroTime",
  "Duration",
  "Quantity",
  "IntOrString",
  "RawExtension",
  "JSON",
]);

/** Package holding the kinds every group version serves (Status, DeleteOptions, ...). */
export const META_V1_PACKAGE = "io.k8s.apimachinery.pkg.apis.meta.v1";

/**
 * Kinds upstream registers into every group version (metav1.AddToGroupVersion),
 * so a request body may name them under any apiVersion.
 */
const UNVERSIONED_META_KINDS: ReadonlySet<string> = new Set([
  "Status",
  "DeleteOptions",
  "WatchEvent",
  "ListOptions",
  "GetOptions",
  "CreateOptions",
  "UpdateOptions",
  "PatchOptions",
]);

/** Splits "io.k8s.api.core.v1.Pod" into ["io.k8s.api.core.v1", "Pod"]. */
export function splitTypeName(fullName: string): [string, string] {
  const dot = fullName.lastIndexOf(".");
  return dot < 0 ? ["", fullName] : [fullName.slice(0, dot), fullName.slice(dot + 1)];
}

/** Resolves a type string as written in package `pkgName` (no lookup of refs). */
export function parseTypeString(pkgName: string, typeStr: string): TypeRef {
  if (typeStr.startsWith("[]"))
    return { kind: "list", of: parseTypeString(pkgName, typeStr.slice(2)) };
  if (typeStr.startsWith("map[") && typeStr.endsWith("]")) {
    return { kind: "map", of: parseTypeString(pkgName, typeStr.slice(4, -1)) };
  }
  if (SCALARS.has(typeStr)) return { kind: "scalar", name: typeStr as ScalarName };
  if (SPECIALS.has(typeStr)) return { kind: "special", name: typeStr as SpecialName };
  if (typeStr.length === 0)
    throw new Error(`Cannot parse type string in ${pkgName}: value is empty`);
  return { kind: "ref", name: typeStr.includes(".") ? typeStr : `${pkgName}.${typeStr}` };
}

/** Index over a set of schema packages. */
export class SchemaRegistry {
  readonly #packages: SchemaPackage[];
  readonly #types = new Map<string, TypeSpec>();
  readonly #byKind = new Map<string, string>();
  /** Parsed field types, keyed by "fullTypeName\0jsonName". */
  /** Resolved fields per type and JSON name (null: no such field), filled on first use. */
  readonly #fields = new Map<string, Map<string, { spec: FieldSpec; type: TypeRef } | null>>();

  /** Later packages may not redefine a type or a GVK: that throws. */
  constructor(packages: SchemaPackage[]) {
    this.#packages = [...packages];
    for (const pkg of packages) {
      for (const [short, spec] of Object.entries(pkg.types)) {
        const full = `${pkg.name}.${short}`;
        if (this.#types.has(full)) throw new Error(`Cannot register type ${full}: already defined`);
        this.#types.set(full, spec);
        for (const gvk of spec.gvk ?? []) {
          const key = gvkKey(gvk.group, gvk.version, gvk.kind);
          const prev = this.#byKind.get(key);
          if (prev !== undefined && prev !== full) {
            throw new Error(`Cannot register ${full} as ${key}: already served by ${prev}`);
          }
          this.#byKind.set(key, full);
        }
      }
    }
  }

  /** The packages given to the constructor, in order. */
  packages(): SchemaPackage[] {
    return [...this.#packages];
  }

  /** The declaration of a type by full name ("io.k8s.api.core.v1.Pod"). */
  type(fullName: string): TypeSpec | undefined {
    return this.#types.get(fullName);
  }

  /** Resolves a type string written inside package `pkgName`. */
  resolve(pkgName: string, typeStr: string): TypeRef {
    return parseTypeString(pkgName, typeStr);
  }

  /**
   * Full type name served as group/version/kind (group "" is core). Kinds that
   * upstream adds to every group version (Status, DeleteOptions, ...) fall
   * back to their meta/v1 type.
   */
  typeForKind(group: string, version: string, kind: string): string | undefined {
    const exact = this.#byKind.get(gvkKey(group, version, kind));
    if (exact !== undefined) return exact;
    if (UNVERSIONED_META_KINDS.has(kind)) {
      const full = `${META_V1_PACKAGE}.${kind}`;
      if (this.#types.has(full)) return full;
    }
    return undefined;
  }

  /** Every group/version/kind served, with its full type name. */
  kinds(): { group: string; version: string; kind: string; type: string }[] {
    return [...this.#byKind].map(([key, type]) => {
      const [group, version, kind] = key.split("/");
      return { group: group!, version: version!, kind: kind!, type };
    });
  }

  /** One field of a type, with its resolved type; undefined if either is unknown. */
  field(fullTypeName: string, jsonName: string): { spec: FieldSpec; type: TypeRef } | undefined {
    let byName = this.#fields.get(fullTypeName);
    if (byName === undefined) {
      byName = new Map();
      this.#fields.set(fullTypeName, byName);
    }
    let field = byName.get(jsonName);
    if (field === undefined) {
      const fields = this.#types.get(fullTypeName)?.fields;
      const spec = fields && Object.hasOwn(fields, jsonName) ? fields[jsonName] : undefined;
      field = spec
        ? { spec, type: parseTypeString(splitTypeName(fullTypeName)[0], spec[1]) }
        : null;
      // Only declared names are kept: unknown names come from clients, unbounded.
      if (field) byName.set(jsonName, field);
    }
    return field ?? undefined;
  }

  /**
   * Consistency problems in the table, one message each: refs to undefined
   * types, duplicate or invalid protobuf numbers. Empty means consistent.
   */
  check(): string[] {
    const problems: string[] = [];
    for (const [full, spec] of this.#types) {
      const seen = new Map<string, string>();
      // Slots ("2", "2.2") carrying an embedded struct, at every depth.
      const inlineGroups = new Set<string>();
      for (const field of Object.values(spec.fields)) {
        const path = inlinePath(field[2]?.inlineIn);
        for (let i = 1; i <= path.length; i++) inlineGroups.add(path.slice(0, i).join("."));
      }
      for (const [name, field] of Object.entries(spec.fields)) {
        const num = field[0];
        const path = inlinePath(field[2]?.inlineIn);
        if (!Number.isInteger(num) || num < 1 || num > 536870911) {
          problems.push(`${full}.${name}: invalid protobuf number ${num}`);
        }
        const slot = [...path, num].join(".");
        if (inlineGroups.has(slot)) {
          problems.push(`${full}.${name}: protobuf number ${slot} is taken by an inline struct`);
        }
        const other = seen.get(slot);
        if (other !== undefined) {
          problems.push(`${full}.${name}: protobuf number ${slot} also used by ${other}`);
        }
        seen.set(slot, name);
        let type: TypeRef;
        try {
          type = this.field(full, name)!.type;
        } catch (err) {
          problems.push(`${full}.${name}: ${(err as Error).message}`);
          continue;
        }
        while (type.kind === "list" || type.kind === "map") type = type.of;
        if (type.kind === "ref" && !this.#types.has(type.name)) {
          problems.push(`${full}.${name}: unknown type ${type.name}`);
        }
      }
    }
    return problems;
  }
}

function gvkKey(group: string, version: string, kind: string): string {
  return `${group}/${version}/${kind}`;
}
