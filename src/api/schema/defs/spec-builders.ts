/**
 * Small builders that keep the schema tables (meta-v1.ts, core-v1-*.ts)
 * compact. They only assemble plain TypeSpec/FieldSpec values.
 */
import type { FieldOptions, FieldSpec, TypeSpec } from "../types.ts";

/** Package name of meta/v1 (ObjectMeta, ListMeta, Time, ...). */
export const META = "io.k8s.apimachinery.pkg.apis.meta.v1";
/** Fully qualified ObjectMeta / ListMeta / LabelSelector, for use from other packages. */
export const OBJECT_META = `${META}.ObjectMeta`;
export const LIST_META = `${META}.ListMeta`;
export const LABEL_SELECTOR = `${META}.LabelSelector`;

/** One field: protobuf number, type string, description and further options. */
export function f(
  num: number,
  type: string,
  description: string,
  opts: FieldOptions = {},
): FieldSpec {
  return [num, type, { ...opts, description }];
}

/** A pointer field: its zero value is meaningful and survives protobuf decoding. */
export function p(
  num: number,
  type: string,
  description: string,
  opts: FieldOptions = {},
): FieldSpec {
  return [num, type, { ...opts, pointer: true, description }];
}

/** A required field. */
export function r(
  num: number,
  type: string,
  description: string,
  opts: FieldOptions = {},
): FieldSpec {
  return [num, type, { ...opts, required: true, description }];
}

/** List options for a list merged by one key ("merge" strategy, listType map). */
export function mergeBy(key: string, opts: FieldOptions = {}): FieldOptions {
  return {
    patchStrategy: "merge",
    patchMergeKey: key,
    listType: "map",
    listMapKeys: [key],
    ...opts,
  };
}

/** Options for an atomic list. */
export const ATOMIC: FieldOptions = { listType: "atomic" };

/** Options for a set-like list. */
export const SET: FieldOptions = { listType: "set" };

/** The standard "metadata" field of a top-level object. */
export function objectMetaField(): FieldSpec {
  return f(1, OBJECT_META, "Standard object metadata.");
}

/**
 * The list type "<Kind>List" served for a kind, with ListMeta (1) and items (2).
 * `item` is the item type string as written in the list's package.
 */
export function listOf(
  item: string,
  gvk: { group: string; version: string; kind: string },
): TypeSpec {
  return {
    description: `A list of ${gvk.kind.replace(/List$/, "")} objects.`,
    gvk: [gvk],
    fields: {
      metadata: f(1, LIST_META, "Standard list metadata."),
      items: r(2, `[]${item}`, "The listed objects."),
    },
  };
}

/**
 * Fields of a Go struct embedded with `json:",inline"`: same JSON names, but
 * carried on the wire inside the message at field number `via`. Fields that
 * are already inline (a struct embedding another) nest one level deeper.
 */
export function inline(via: number, fields: TypeSpec["fields"]): TypeSpec["fields"] {
  const out: TypeSpec["fields"] = {};
  for (const [name, [num, type, opts]] of Object.entries(fields)) {
    const inner = inlinePath(opts?.inlineIn);
    out[name] = [num, type, { ...opts, inlineIn: inner.length === 0 ? via : [via, ...inner] }];
  }
  return out;
}

/** The `inlineIn` option as a path of field numbers, outermost first (empty: not inline). */
export function inlinePath(inlineIn: number | readonly number[] | undefined): readonly number[] {
  if (inlineIn === undefined) return [];
  return typeof inlineIn === "number" ? [inlineIn] : inlineIn;
}
