/**
 * CRI container log files, as containerd writes them: one entry per line,
 * `<RFC3339Nano time> <stdout|stderr> <P|F> <content>`, where P marks a
 * partial line continued by the next entry. This module parses entries and
 * renders them for `kubectl logs` with upstream's options (tailLines,
 * sinceSeconds/sinceTime, timestamps, limitBytes); following is the
 * caller's job (see container-logs.ts).
 */

/** One parsed log entry. */
export interface CriLogEntry {
  /** The timestamp as written (RFC3339Nano). */
  time: string;
  /** Milliseconds since the epoch (NaN when the time does not parse). */
  timeMs: number;
  stream: "stdout" | "stderr";
  /** False for a partial line (tag P): no newline follows the content. */
  full: boolean;
  content: string;
}

/** The log options of pods/log that the kubelet applies (upstream PodLogOptions). */
export interface LogOptions {
  follow?: boolean;
  previous?: boolean;
  /** Last N lines only (applied to the lines present when reading starts). */
  tailLines?: number;
  /** Only entries at or after this time (ms since the epoch). */
  sinceMs?: number;
  timestamps?: boolean;
  /** Stop after this many bytes of output. */
  limitBytes?: number;
}

/** Parses one line of a CRI log file (without its newline); undefined when malformed. */
export function parseCriLogLine(line: string): CriLogEntry | undefined {
  const s1 = line.indexOf(" ");
  if (s1 <= 0) return undefined;
  const s2 = line.indexOf(" ", s1 + 1);
  if (s2 < 0) return undefined;
  const stream = line.slice(s1 + 1, s2);
  if (stream !== "stdout" && stream !== "stderr") return undefined;
  const s3 = line.indexOf(" ", s2 + 1);
  const tag = s3 < 0 ? line.slice(s2 + 1) : line.slice(s2 + 1, s3);
  const time = line.slice(0, s1);
  return {
    time,
    timeMs: Date.parse(time),
    stream,
    full: !tag.split(":").includes("P"),
    content: s3 < 0 ? "" : line.slice(s3 + 1),
  };
}

/** How an entry is printed: optional timestamp prefix, content, newline when full. */
export function renderEntry(entry: CriLogEntry, timestamps: boolean): string {
  return `${timestamps ? `${entry.time} ` : ""}${entry.content}${entry.full ? "\n" : ""}`;
}

/** Whether the entry passes the since filter. */
export function entryWanted(entry: CriLogEntry, opts: LogOptions): boolean {
  return opts.sinceMs === undefined || !(entry.timeMs < opts.sinceMs);
}

/**
 * Index of the first entry of the last `tailLines` output lines (a run of
 * partial entries and the full one ending it count as one line).
 */
export function tailStart(entries: CriLogEntry[], tailLines: number | undefined): number {
  if (tailLines === undefined || tailLines < 0) return 0;
  let lines = 0;
  for (let i = entries.length - 1; i >= 0; i--) {
    if (entries[i].full || i === entries.length - 1) {
      if (lines === tailLines) return i + 1;
      lines++;
    }
  }
  return 0;
}

/**
 * Splits a chunk of log file text into complete lines; returns them and
 * the unterminated remainder to prepend to the next chunk.
 */
export function splitLines(pending: string, chunk: string): { lines: string[]; rest: string } {
  const text = pending + chunk;
  const parts = text.split("\n");
  const rest = parts.pop() ?? "";
  return { lines: parts, rest };
}

/** Renders a whole log file's text with the options (no follow): what `kubectl logs` prints. */
export function renderLog(text: string, opts: LogOptions): string {
  const entries = text
    .split("\n")
    .filter((l) => l !== "")
    .map(parseCriLogLine)
    .filter((e): e is CriLogEntry => e !== undefined);
  const start = tailStart(entries, opts.tailLines);
  let out = "";
  for (const e of entries.slice(start)) {
    if (entryWanted(e, opts)) out += renderEntry(e, opts.timestamps ?? false);
  }
  return limit(out, opts.limitBytes);
}

/** Truncates to at most limitBytes UTF-8 bytes. */
export function limit(text: string, limitBytes: number | undefined): string {
  if (limitBytes === undefined) return text;
  const buf = Buffer.from(text);
  return buf.length <= limitBytes ? text : buf.subarray(0, Math.max(0, limitBytes)).toString();
}
