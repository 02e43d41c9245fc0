/**
 * Test helpers for printer tables: a fixed clock, timestamps relative to it,
 * and column summaries. Used only by *.test.ts files.
 */
import type { KObject, TablePrinter } from "../types.ts";

/** The fixed `now` every printer test uses. */
export const NOW = new Date("2024-05-01T12:00:00Z");

/** An RFC 3339 timestamp `ms` milliseconds before NOW. */
export function ago(ms: number): string {
  return new Date(NOW.getTime() - ms).toISOString().replace(".000Z", "Z");
}

export const SEC = 1000;
export const MIN = 60 * SEC;
export const HOUR = 60 * MIN;
export const DAY = 24 * HOUR;

/** Column names with their priority, e.g. ["Name:0", "IP:1"]. */
export function headers(printer: TablePrinter): string[] {
  return printer.columns.map((c) => `${c.name}:${c.priority}`);
}

/** Object metadata with a name and a creation time `age` ms before NOW. */
export function meta(name: string, age = 5 * MIN, extra: Record<string, unknown> = {}) {
  return { name, namespace: "default", creationTimestamp: ago(age), ...extra };
}

/** The row of `obj`, asserting it has one cell per column. */
export function rowOf(printer: TablePrinter, obj: unknown): unknown[] {
  const cells = printer.row(obj as KObject, NOW);
  if (cells.length !== printer.columns.length) {
    throw new Error(`row has ${cells.length} cells for ${printer.columns.length} columns`);
  }
  return cells;
}
