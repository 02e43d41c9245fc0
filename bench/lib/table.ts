/** One table cell: numbers are formatted with thousands separators and at most 2 decimals. */
export type Cell = string | number | undefined;

/** A table row keyed by column name. */
export type Row = Record<string, Cell>;

export interface TableOptions {
  /** Column order (default: keys in the order first seen). */
  columns?: string[];
  /** Columns whose cells align left (default: the first column). */
  alignLeft?: string[];
}

/** Formats a number for humans: 12,345 / 3.14 / 0.0123. */
export function formatNumber(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  const abs = Math.abs(n);
  const digits = abs >= 100 ? 0 : abs >= 1 ? 2 : 4;
  return n.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: 0 });
}

/** Renders rows as a plain-text table with a header and a separator line. */
export function formatTable(rows: Row[], opts: TableOptions = {}): string {
  const columns = opts.columns ?? [...new Set(rows.flatMap((r) => Object.keys(r)))];
  const left = new Set(opts.alignLeft ?? columns.slice(0, 1));
  const text = (c: Cell) => (c === undefined ? "" : typeof c === "number" ? formatNumber(c) : c);
  const cells = rows.map((r) => columns.map((c) => text(r[c])));
  const widths = columns.map((c, i) => Math.max(c.length, ...cells.map((row) => row[i]!.length)));
  const line = (values: string[]) =>
    values
      .map((v, i) => (left.has(columns[i]!) ? v.padEnd(widths[i]!) : v.padStart(widths[i]!)))
      .join("  ")
      .trimEnd();
  return [line(columns), widths.map((w) => "-".repeat(w)).join("  "), ...cells.map(line)].join(
    "\n",
  );
}

/** Prints formatTable(rows) to stdout. */
export function printTable(rows: Row[], opts: TableOptions = {}): void {
  process.stdout.write(formatTable(rows, opts) + "\n");
}
