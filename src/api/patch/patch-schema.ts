/**
 * What strategic merge patch and server-side apply need to know about a
 * type: per field, its patch strategy and merge key (Go struct tags), its
 * list/map semantics (+listType, +listMapKey, +mapType), and the schema of
 * its value. A missing schema means "free-form": maps merge key by key,
 * lists are atomic, as upstream treats unstructured content.
 */

export interface FieldPatchInfo {
  /** Go tag patchStrategy: "merge", "replace", "retainKeys", "merge,retainKeys". */
  strategy?: string;
  /** Go tag patchMergeKey, e.g. "name" for containers. */
  mergeKey?: string;
  listType?: "atomic" | "set" | "map";
  listMapKeys?: string[];
  mapType?: "atomic" | "granular";
  /**
   * The field is present in the Go zero value of its struct: required fields
   * (no omitempty: null) and structs held by value (`{}`). Upstream's
   * managedFields compare an Update against the old object as Go serializes
   * it (a create against the kind's zero value), so a node with children gets
   * its own member ("." in FieldsV1) only when it was absent there: `f:spec`
   * and `f:containers` never, a new `f:rollingUpdate` or `f:labels` does.
   */
  inZero?: boolean;
  /**
   * Schema of the value: the struct or map itself, or for a list the schema
   * of its elements. Undefined for scalars and free-form values.
   */
  schema?: PatchSchema;
}

/** One struct or map type. Implementations must be pure lookups. */
export interface PatchSchema {
  /** Facts about member `name`; undefined when the member is unknown. */
  field(name: string): FieldPatchInfo | undefined;
  /** True for map types, whose keys are data rather than declared fields. */
  readonly isMap?: boolean;
}

/** A struct schema from a table of fields (tests, hand-written types). */
export function structSchema(fields: Record<string, FieldPatchInfo>): PatchSchema {
  return { field: (name) => (Object.hasOwn(fields, name) ? fields[name] : undefined) };
}

/** A map schema whose every value is described by `value`. */
export function mapSchema(value: FieldPatchInfo = {}): PatchSchema {
  return { field: () => value, isMap: true };
}

/** What smpStrategy answers: shared values, callers must not change them. */
export interface SmpStrategy {
  merge: boolean;
  replace: boolean;
  mergeKey?: string;
}

const NO_STRATEGY: SmpStrategy = Object.freeze({
  merge: false,
  replace: false,
  mergeKey: undefined,
});
const ATOMIC: ListSemantics = Object.freeze({ kind: "atomic" });
const SET: ListSemantics = Object.freeze({ kind: "set" });
/** Per info object (schema infos are long-lived): its strategy and list semantics. */
const strategies = new WeakMap<FieldPatchInfo, SmpStrategy>();
const semanticsOf = new WeakMap<FieldPatchInfo, ListSemantics>();

/** Strategic-merge-patch view of a field (memoized per info; the result is shared). */
export function smpStrategy(info: FieldPatchInfo | undefined): Readonly<SmpStrategy> {
  if (info === undefined || (info.strategy === undefined && info.mergeKey === undefined))
    return NO_STRATEGY;
  let s = strategies.get(info);
  if (s === undefined) {
    const parts = (info.strategy ?? "").split(",").map((p) => p.trim());
    s = Object.freeze({
      merge: parts.includes("merge"),
      replace: parts.includes("replace"),
      mergeKey: info.mergeKey,
    });
    strategies.set(info, s);
  }
  return s;
}

export type ListSemantics = { kind: "atomic" } | { kind: "set" } | { kind: "map"; keys: string[] };

/**
 * Server-side-apply view of a list field: +listType when declared, otherwise
 * derived from the patch strategy as upstream's schema conversion does
 * (merge + key → map, merge without key → set, else atomic). Memoized per
 * info; the result is shared.
 */
export function listSemantics(info: FieldPatchInfo | undefined): Readonly<ListSemantics> {
  if (info === undefined || (info.listType === undefined && info.strategy === undefined))
    return ATOMIC;
  let s = semanticsOf.get(info);
  if (s === undefined) {
    s = computeListSemantics(info);
    semanticsOf.set(info, s);
  }
  return s;
}

function computeListSemantics(info: FieldPatchInfo): ListSemantics {
  if (info.listType === "map") {
    const keys = info.listMapKeys?.length ? info.listMapKeys : info.mergeKey ? [info.mergeKey] : [];
    return keys.length ? { kind: "map", keys } : ATOMIC;
  }
  if (info.listType === "set") return SET;
  if (info.listType === "atomic") return ATOMIC;
  const s = smpStrategy(info);
  if (s.merge && s.mergeKey) return { kind: "map", keys: [s.mergeKey] };
  if (s.merge) return SET;
  return ATOMIC;
}

/** Whether a map/struct field is owned and replaced as a whole. */
export function isAtomicMap(info: FieldPatchInfo | undefined): boolean {
  return info?.mapType === "atomic";
}
