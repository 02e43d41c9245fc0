/**
 * Reads back the lines `node --trace-gc` writes to a process's stdout:
 *
 *   [pid:0x5a3c830]   12345 ms: Scavenge 48.0 (89.8) -> 23.7 (89.8) MB, 3.48 / 0.00 ms  (...) allocation failure;
 *   [pid:0x5a3c830]   12400 ms: Mark-Compact 57.4 (163.0) -> 22.4 (162.0) MB, 149.94 / 0.04 ms  (...)
 *
 * Only the main thread's isolate is read (the first isolate to trace; a
 * worker's lines carry another address). From the heap sizes around each
 * collection comes the memory allocated between two of them: the heap used
 * before one minus the heap used after the previous one.
 */

/** One collection of the main thread's heap. */
export interface TracedGc {
  kind: "scavenge" | "mark-compact";
  /** Heap used before and after it (MB). */
  beforeMB: number;
  afterMB: number;
  /** Its pause on the main thread (ms). */
  pauseMs: number;
}

/** A phase's collections: count and pause total and longest per kind, and MB allocated. */
export interface GcSummary {
  scavenges: number;
  scavengeMs: number;
  scavengeMaxMs: number;
  markCompacts: number;
  markCompactMs: number;
  markCompactMaxMs: number;
  /**
   * MB allocated between the collections the phase saw, each from the heap
   * used after the one before it (so the first counts from the last
   * collection before the phase; what came after the phase's last one is not
   * counted): about the phase's allocation, to one collection's worth.
   */
  allocatedMB: number;
}

const LINE =
  /^\[\d+:(0x[0-9a-f]+)\]\s+\d+ ms: (Scavenge|Mark-Compact)(?: \([^)]*\))? ([\d.]+) \([\d.]+\) -> ([\d.]+) \([\d.]+\) MB, ([\d.]+) \//gm;

/** The main isolate's collections in `text`, each with the heap used after the one before it. */
export function parseTraceGc(text: string): (TracedGc & { prevAfterMB?: number })[] {
  const out: (TracedGc & { prevAfterMB?: number })[] = [];
  let isolate: string | undefined;
  let prevAfter: number | undefined;
  LINE.lastIndex = 0;
  for (let m = LINE.exec(text); m; m = LINE.exec(text)) {
    isolate ??= m[1];
    if (m[1] !== isolate) continue;
    const gc = {
      kind: m[2] === "Scavenge" ? ("scavenge" as const) : ("mark-compact" as const),
      beforeMB: Number(m[3]),
      afterMB: Number(m[4]),
      pauseMs: Number(m[5]),
      prevAfterMB: prevAfter,
    };
    out.push(gc);
    prevAfter = gc.afterMB;
  }
  return out;
}

/**
 * The summary of the main isolate's collections traced in text[from, to)
 * (character offsets into a process's whole output, so that the isolate and
 * each collection's predecessor are known).
 */
export function traceGcSummary(text: string, from: number, to = text.length): GcSummary {
  const all = parseTraceGc(text.slice(0, to));
  const before = parseTraceGc(text.slice(0, from)).length;
  const s: GcSummary = {
    scavenges: 0,
    scavengeMs: 0,
    scavengeMaxMs: 0,
    markCompacts: 0,
    markCompactMs: 0,
    markCompactMaxMs: 0,
    allocatedMB: 0,
  };
  for (const gc of all.slice(before)) {
    if (gc.kind === "scavenge") {
      s.scavenges++;
      s.scavengeMs += gc.pauseMs;
      s.scavengeMaxMs = Math.max(s.scavengeMaxMs, gc.pauseMs);
    } else {
      s.markCompacts++;
      s.markCompactMs += gc.pauseMs;
      s.markCompactMaxMs = Math.max(s.markCompactMaxMs, gc.pauseMs);
    }
    if (gc.prevAfterMB !== undefined) s.allocatedMB += Math.max(0, gc.beforeMB - gc.prevAfterMB);
  }
  return s;
}
