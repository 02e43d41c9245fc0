/**
 * Shared pieces of the table printers: column builders with upstream's
 * common descriptions, and the cell formatting helpers upstream's
 * pkg/printers/internalversion uses (labels, containers, lists with "more").
 */
import type { KObject, TablePrinter, TableColumn } from "../types.ts";
import { timestampSince } from "../duration.ts";

/** metav1.ObjectMeta's documentation of `name` (the Name column's description). */
export const NAME_DESCRIPTION =
  "Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names";

/** metav1.ObjectMeta's documentation of `creationTimestamp` (Age / Created At). */
export const CREATED_DESCRIPTION =
  "CreationTimestamp is a timestamp representing the server time when this object was created. It is not guaranteed to be set in happens-before order across separate operations. Clients may not set this value. It is represented in RFC3339 form and is in UTC.\n\nPopulated by the system. Read-only. Null for lists. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata";

export const CONTAINERS_DESCRIPTION = "Names of each container in the template.";
export const IMAGES_DESCRIPTION = "Images referenced by each container in the template.";

/** One row condition of a meta.k8s.io/v1 Table row (pods mark Completed rows). */
export interface TableRowCondition {
  type: "Completed";
  status: "True";
  reason: string;
  message: string;
}

/** A TablePrinter that may also mark rows with conditions. */
export interface RowPrinter extends TablePrinter {
  rowConditions?(obj: KObject): TableRowCondition[] | undefined;
}

/** Builds a column; `priority` 1 means shown only with -o wide. */
export function column(
  name: string,
  type: TableColumn["type"],
  description: string,
  opts: { priority?: number; format?: string } = {},
): TableColumn {
  const col: TableColumn = { name, type, description, priority: opts.priority ?? 0 };
  if (opts.format !== undefined) col.format = opts.format;
  return col;
}

export const nameColumn = (): TableColumn =>
  column("Name", "string", NAME_DESCRIPTION, { format: "name" });
export const ageColumn = (): TableColumn => column("Age", "string", CREATED_DESCRIPTION);
export const wide = (
  name: string,
  description: string,
  type: TableColumn["type"] = "string",
): TableColumn => column(name, type, description, { priority: 1 });

/** The object's name ("" when missing). */
export function nameOf(obj: KObject): string {
  return obj.metadata?.name ?? "";
}

/** The AGE cell: human duration since creation, "<unknown>" when unset. */
export function ageOf(obj: KObject, now: Date): string {
  return timestampSince(obj.metadata?.creationTimestamp, now);
}

/** Upstream labels.FormatLabels: "k=v,..." sorted by key, "<none>" when empty. */
export function formatLabels(labels: Record<string, string> | null | undefined): string {
  const keys = Object.keys(labels ?? {}).sort();
  if (keys.length === 0) return "<none>";
  return keys.map((k) => `${k}=${labels![k]}`).join(",");
}

interface ContainerLike {
  name?: string;
  image?: string;
}

/** Upstream layoutContainerCells: comma-joined names and images. */
export function containerCells(containers: ContainerLike[] | null | undefined): [string, string] {
  const list = containers ?? [];
  return [list.map((c) => c.name ?? "").join(","), list.map((c) => c.image ?? "").join(",")];
}

/**
 * "a,b,c + 2 more..." for lists cut at `max`; `empty` when there is nothing
 * (upstream listWithMoreString uses "<unset>").
 */
export function listWithMore(items: string[], max: number, empty = "<unset>"): string {
  const shown = items.slice(0, max).join(",");
  if (items.length > max) return `${shown} + ${items.length - max} more...`;
  return shown === "" ? empty : shown;
}

/** A non-negative integer field, 0 when missing (Go's zero value). */
export function int(value: unknown): number {
  return typeof value === "number" && Number.isFinite(value) ? value : 0;
}

/** A string field, "" when missing (Go's zero value). */
export function str(value: unknown): string {
  return typeof value === "string" ? value : "";
}

/** Upstream printBoolPtr: "True", "False", or "<unset>" for nil. */
export function boolPtr(value: boolean | null | undefined): string {
  if (value === undefined || value === null) return "<unset>";
  return value ? "True" : "False";
}

/** IntOrString.String(): numbers in decimal, strings as they are. */
export function intOrString(value: number | string): string {
  return typeof value === "number" ? String(value) : value;
}

/** Lowercased "kind.group/name" (group omitted for core), as formatResourceName. */
export function kindSlashName(apiVersion: string | undefined, kind: string, name: string): string {
  const slash = (apiVersion ?? "").indexOf("/");
  const group = slash >= 0 ? apiVersion!.slice(0, slash) : "";
  if (!kind && !group) return name;
  const groupKind = group ? `${kind}.${group}` : kind;
  return `${groupKind.toLowerCase()}/${name}`;
}
