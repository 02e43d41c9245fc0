/**
 * Builds the meta.k8s.io/v1 Table the API server returns for
 * `Accept: application/json;as=Table;v=v1;g=meta.k8s.io`. Server-side tables
 * always carry every column (wide ones included, marked priority 1); kubectl
 * hides priority>0 columns unless -o wide.
 */
import type { KObject, ObjectMeta, TablePrinter } from "../types.ts";
import type { RowPrinter, TableRowCondition } from "./format.ts";

/** metav1.TableColumnDefinition as serialized (every field present). */
export interface TableColumnDefinition {
  name: string;
  type: string;
  format: string;
  description: string;
  priority: number;
}

/** metav1.PartialObjectMetadata, the default row object. */
export interface PartialObjectMetadata {
  kind: "PartialObjectMetadata";
  apiVersion: "meta.k8s.io/v1";
  metadata: ObjectMeta;
}

export interface TableRow {
  cells: unknown[];
  conditions?: TableRowCondition[];
  /** null with includeObject=None, as upstream serializes an empty RawExtension. */
  object: PartialObjectMetadata | KObject | null;
}

export interface ListMeta {
  resourceVersion?: string;
  continue?: string;
  remainingItemCount?: number;
}

export interface Table {
  kind: "Table";
  apiVersion: "meta.k8s.io/v1";
  metadata: ListMeta;
  /** null with noHeaders, as upstream omits the definitions. */
  columnDefinitions: TableColumnDefinition[] | null;
  rows: TableRow[];
}

export interface ToTableOptions {
  /** What each row carries: nothing, PartialObjectMetadata (default) or the whole object. */
  includeObject?: "None" | "Metadata" | "Object";
  /**
   * The list's metadata; for a single object pass its resourceVersion
   * (upstream sets the table's resourceVersion from the object).
   */
  listMeta?: ListMeta;
  /** TableOptions.noHeaders: leave out the column definitions. */
  noHeaders?: boolean;
}

function listMeta(meta: ListMeta | undefined): ListMeta {
  const out: ListMeta = {};
  if (meta?.resourceVersion) out.resourceVersion = meta.resourceVersion;
  if (meta?.continue) out.continue = meta.continue;
  if (meta?.remainingItemCount !== undefined && meta.remainingItemCount !== null) {
    out.remainingItemCount = meta.remainingItemCount;
  }
  return out;
}

function rowObject(obj: KObject, include: ToTableOptions["includeObject"]): TableRow["object"] {
  switch (include) {
    case "None":
      return null;
    case "Object":
      return obj;
    default:
      return {
        kind: "PartialObjectMetadata",
        apiVersion: "meta.k8s.io/v1",
        metadata: obj.metadata ?? {},
      };
  }
}

/**
 * Renders `objects` (one for a get, the items for a list, one per watch
 * event) with `printer` at time `now`. Objects are not mutated.
 */
export function toTable(
  printer: TablePrinter,
  objects: readonly KObject[],
  opts: ToTableOptions,
  now: Date,
): Table {
  const conditionsOf = (printer as RowPrinter).rowConditions;
  const rows = objects.map((obj): TableRow => {
    // Key order as upstream serializes a row: cells, conditions, object.
    const conditions = conditionsOf?.call(printer, obj);
    return {
      cells: printer.row(obj, now),
      ...(conditions && conditions.length > 0 ? { conditions } : {}),
      object: rowObject(obj, opts.includeObject),
    };
  });
  return {
    kind: "Table",
    apiVersion: "meta.k8s.io/v1",
    metadata: listMeta(opts.listMeta),
    columnDefinitions: opts.noHeaders
      ? null
      : printer.columns.map((c) => ({
          name: c.name,
          type: c.type,
          format: c.format ?? "",
          description: c.description,
          priority: c.priority,
        })),
    rows,
  };
}

/**
 * The Tables of one watch stream, one per event: the first carries the column
 * definitions, later ones `null`, as upstream's watch encoder sends them
 * (kubectl get -w keeps the first header). Each Table is rendered at `now()`
 * when its event is sent, so AGE is current.
 */
export function watchTables(
  printer: TablePrinter,
  opts: Omit<ToTableOptions, "listMeta">,
  now: () => Date,
): (obj: KObject) => Table {
  let sentColumns = false;
  return (obj) => {
    const table = toTable(
      printer,
      [obj],
      {
        ...opts,
        noHeaders: opts.noHeaders === true || sentColumns,
        listMeta: { resourceVersion: obj.metadata?.resourceVersion ?? "" },
      },
      now(),
    );
    sentColumns = true;
    return table;
  };
}
