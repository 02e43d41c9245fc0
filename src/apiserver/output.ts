/**
 * Shapes replies per the negotiated form: the object itself, a meta.k8s.io/v1
 * Table (columns from the resource's printer, or NAME / CREATED AT by
 * default as upstream's default table convertor), or PartialObjectMetadata.
 */
import type { KObject, TablePrinter } from "../api/types.ts";
import { toTable } from "../api/printers/table.ts";
import { badRequest } from "../api/status.ts";
import type { Negotiated } from "./negotiation.ts";

export type IncludeObject = "None" | "Metadata" | "Object";

/** Reads ?includeObject (default Metadata). */
export function includeObjectParam(query: URLSearchParams): IncludeObject {
  const v = query.get("includeObject") ?? "Metadata";
  if (v !== "None" && v !== "Metadata" && v !== "Object") {
    throw badRequest(
      `includeObject: Unsupported value: "${v}": supported values: "Metadata", "None", "Object"`,
    );
  }
  return v;
}

/** metav1.PartialObjectMetadata of an object. */
export function partialMetadata(obj: KObject): KObject {
  return {
    kind: "PartialObjectMetadata",
    apiVersion: "meta.k8s.io/v1",
    metadata: obj.metadata ?? {},
  };
}

/** A Table of objects, rendered by the resource's printer. */
export function buildTable(
  printer: TablePrinter,
  objects: KObject[],
  includeObject: IncludeObject,
  listMeta: Record<string, unknown>,
  now: Date,
): KObject {
  return toTable(printer, objects, { includeObject, listMeta }, now) as unknown as KObject;
}

export interface RenderOptions {
  negotiated: Negotiated;
  printer: TablePrinter;
  includeObject: IncludeObject;
  now: Date;
}

/** One object in the negotiated form. */
export function renderObject(obj: KObject, opts: RenderOptions): KObject {
  switch (opts.negotiated.as) {
    case "Table":
      return buildTable(
        opts.printer,
        [obj],
        opts.includeObject,
        { resourceVersion: obj.metadata?.resourceVersion ?? "" },
        opts.now,
      );
    case "PartialObjectMetadata":
    case "PartialObjectMetadataList":
      return partialMetadata(obj);
    default:
      return obj;
  }
}

/**
 * A list in the negotiated form; `listKind` is "<Kind>List". Items lose
 * apiVersion/kind as in upstream's typed lists unless `keepItemTypeMeta`
 * (custom resources: unstructured lists keep them).
 */
export function renderList(
  items: KObject[],
  listMeta: Record<string, unknown>,
  apiVersion: string,
  listKind: string,
  opts: RenderOptions,
  keepItemTypeMeta = false,
): KObject {
  switch (opts.negotiated.as) {
    case "Table":
      return buildTable(opts.printer, items, opts.includeObject, listMeta, opts.now);
    case "PartialObjectMetadata":
    case "PartialObjectMetadataList":
      return {
        kind: "PartialObjectMetadataList",
        apiVersion: "meta.k8s.io/v1",
        metadata: listMeta,
        items: items.map(partialMetadata),
      };
    default:
      return {
        kind: listKind,
        apiVersion,
        metadata: listMeta,
        items: keepItemTypeMeta ? items : items.map(withoutTypeMeta),
      };
  }
}

/** An item of a typed list: the object without apiVersion and kind. */
function withoutTypeMeta(obj: KObject): KObject {
  const { apiVersion: _a, kind: _k, ...rest } = obj;
  return rest;
}

/**
 * The JSON of an item as renderList puts it in a JSON list (`opts` asking
 * for the objects themselves, else undefined): what JSON.stringify of the
 * rendered item gives, without copying the object to drop its apiVersion
 * and kind when they are its first two members (as written by most
 * clients: the JSON is then the object's own, less them).
 */
export function listItemJson(
  opts: RenderOptions,
  keepItemTypeMeta = false,
): ((obj: KObject) => string) | undefined {
  if (opts.negotiated.as !== "object" || opts.negotiated.format !== "json") return undefined;
  if (keepItemTypeMeta) return (obj) => JSON.stringify(obj);
  return (obj) => {
    const skip = typeMetaPrefix(obj);
    if (skip === 0) return JSON.stringify(withoutTypeMeta(obj));
    // json[skip] is the "," before the next member, or the closing "}".
    const json = JSON.stringify(obj);
    return json.length === skip + 1 ? "{}" : `{${json.slice(skip + 1)}`;
  };
}

/**
 * The length of `{"apiVersion":"…","kind":"…"` (either order) at the start
 * of obj's JSON when apiVersion and kind are its first two members and
 * strings, else 0.
 */
function typeMetaPrefix(obj: KObject): number {
  const { apiVersion, kind } = obj;
  if (typeof apiVersion !== "string" || typeof kind !== "string") return 0;
  if (Object.getPrototypeOf(obj) !== Object.prototype) return 0;
  // The first two keys, in JSON.stringify's order (own keys first; the prototype is a plain object's).
  let first: string | undefined;
  let pair = false;
  for (const key in obj) {
    if (first === undefined) {
      first = key;
      continue;
    }
    pair = (first === "apiVersion" && key === "kind") || (first === "kind" && key === "apiVersion");
    break;
  }
  if (!pair) return 0;
  // `{"apiVersion":` `,` `"kind":` and the two values.
  return 22 + JSON.stringify(apiVersion).length + JSON.stringify(kind).length;
}
