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
        items: items.map((o) => {
          if (keepItemTypeMeta) return o;
          const { apiVersion: _a, kind: _k, ...rest } = o;
          return rest;
        }),
      };
  }
}
