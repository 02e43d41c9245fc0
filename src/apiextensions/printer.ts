/**
 * Table printing of custom resources from additionalPrinterColumns, as
 * upstream's CRD table convertor: Name first, then each column's JSONPath
 * value; date columns show the age.
 */
import { timestampSince } from "../api/duration.ts";
import type { KObject, TableColumn, TablePrinter } from "../api/types.ts";
import { nameColumn } from "../api/printers/format.ts";
import { evaluateJSONPath, parseJSONPath } from "./jsonpath.ts";
import type { CustomResourceColumnDefinition } from "./types.ts";

/** Upstream's default when a version lists no columns: Age from creationTimestamp. */
export const DEFAULT_COLUMNS: CustomResourceColumnDefinition[] = [
  { name: "Age", type: "date", jsonPath: ".metadata.creationTimestamp" },
];

function cell(col: CustomResourceColumnDefinition, values: unknown[], now: Date): unknown {
  if (values.length === 0) return null;
  const v =
    values.length === 1
      ? values[0]
      : values.map((x) => (typeof x === "object" ? JSON.stringify(x) : String(x))).join(",");
  if (col.type === "date" && typeof v === "string") return timestampSince(v, now);
  if (col.type === "integer" && typeof v === "number") return Math.trunc(v);
  if ((col.type === "number" || col.type === "boolean") && typeof v !== "object") return v;
  if (typeof v === "object") return JSON.stringify(v);
  return col.type === "string" ? String(v) : v;
}

/** A TablePrinter for custom resources with `columns` (empty: DEFAULT_COLUMNS). */
export function customResourcePrinter(
  columns: CustomResourceColumnDefinition[] | undefined,
): TablePrinter {
  const cols = columns && columns.length > 0 ? columns : DEFAULT_COLUMNS;
  const paths = cols.map((c) => {
    try {
      return parseJSONPath(c.jsonPath);
    } catch {
      return undefined;
    }
  });
  const tableColumns: TableColumn[] = [
    nameColumn(),
    ...cols.map((c) => ({
      name: c.name,
      type: (c.type === "date" ? "date" : c.type) as TableColumn["type"],
      format: c.format ?? "",
      description: c.description ?? "",
      priority: c.priority ?? 0,
    })),
  ];
  return {
    columns: tableColumns,
    row(obj: KObject, now: Date) {
      return [
        obj.metadata?.name ?? "",
        ...cols.map((c, i) => (paths[i] ? cell(c, evaluateJSONPath(paths[i]!, obj), now) : null)),
      ];
    },
  };
}
