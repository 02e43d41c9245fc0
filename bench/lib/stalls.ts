/**
 * Lines up latency stalls with a benchmark phase: the probe
 * (bench/lib/stall-probe.mjs, preloaded into the server and imported by the
 * bench) reports GC pauses and event-loop delays with wall-clock times; a
 * phase's own record is when each operation started and ended. A phase at
 * 100 clients whose p99 is decided by one stall shows it as a long gap
 * between completions, and the probe's events that overlap the gap name it.
 */

/**
 * One pause a probe saw: start (epoch ms), length (ms), its kind and thread;
 * for an event-loop delay, the process's CPU time meanwhile (ms, all threads):
 * near `ms` the loop was working, far below it the process waited for a core.
 */
export interface Stall {
  at: number;
  ms: number;
  kind: string;
  thread: number;
  cpuMs?: number;
}

/** The probe's lines in a process's output, from `offset` (characters) on. */
export function parseStalls(text: string, offset = 0): Stall[] {
  const out: Stall[] = [];
  const re = /^k8ts-stall (\{.*\})$/gm;
  re.lastIndex = offset;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    try {
      const s = JSON.parse(m[1]!) as Stall;
      if (typeof s.at === "number" && typeof s.ms === "number") out.push(s);
    } catch {
      // a line cut short by the process's exit
    }
  }
  return out;
}

/** Start and end (epoch ms) of each operation of a phase. */
export type OpSpan = readonly [start: number, end: number];

/** Sum and longest of one source's pauses of one kind within a phase. */
export interface StallTotal {
  count: number;
  totalMs: number;
  maxMs: number;
  /** The process's CPU time during the longest one, when the probe measured it. */
  maxCpuMs?: number;
}

export interface PhaseStalls {
  /** The longest time (ms) in which no operation completed while some were in flight. */
  gapMs: number;
  /** When that gap began, ms after the phase's first operation started. */
  gapAtMs: number;
  /**
   * Pauses within the phase by "source kind" (e.g. "server gc-minor", "bench loop"); a worker
   * thread's as "source#thread kind".
   */
  totals: Record<string, StallTotal>;
  /** Pauses overlapping the longest gap, as "source kind ms" (longest first). */
  inGap: string[];
}

/**
 * Reads one phase: its longest completion gap and the pauses that fell in
 * the phase, by source (the keys of `sources`, e.g. server and bench).
 */
export function phaseStalls(ops: readonly OpSpan[], sources: Record<string, Stall[]>): PhaseStalls {
  if (ops.length === 0) return { gapMs: 0, gapAtMs: 0, totals: {}, inGap: [] };
  let t0 = Infinity;
  let t1 = -Infinity;
  for (const [s, e] of ops) {
    if (s < t0) t0 = s;
    if (e > t1) t1 = e;
  }
  const ends = ops.map(([, e]) => e).sort((a, b) => a - b);
  let gapMs = ends[0]! - t0;
  let gapStart = t0;
  for (let i = 1; i < ends.length; i++) {
    const g = ends[i]! - ends[i - 1]!;
    if (g > gapMs) {
      gapMs = g;
      gapStart = ends[i - 1]!;
    }
  }
  const totals: Record<string, StallTotal> = {};
  const inGap: Array<[string, number]> = [];
  for (const [source, stalls] of Object.entries(sources)) {
    for (const s of stalls) {
      if (s.at + s.ms < t0 || s.at > t1) continue;
      const key = `${s.thread > 0 ? `${source}#${s.thread}` : source} ${s.kind}`;
      const t = (totals[key] ??= { count: 0, totalMs: 0, maxMs: 0 });
      t.count++;
      t.totalMs += s.ms;
      if (s.ms > t.maxMs) {
        t.maxMs = s.ms;
        t.maxCpuMs = s.cpuMs;
      }
      if (s.at < gapStart + gapMs && s.at + s.ms > gapStart)
        inGap.push([
          `${key} ${s.ms.toFixed(1)}${s.cpuMs !== undefined ? ` (cpu ${s.cpuMs.toFixed(1)})` : ""}`,
          s.ms,
        ]);
    }
  }
  inGap.sort((a, b) => b[1] - a[1]);
  return {
    gapMs,
    gapAtMs: gapStart - t0,
    totals,
    inGap: inGap.map(([text]) => text),
  };
}

/** The longest pause of a source across kinds ("gc" kinds together, "loop" apart), for a table. */
export function longest(p: PhaseStalls, source: string, kind: "gc" | "loop"): number {
  return longestTotal(p, source, kind)?.maxMs ?? 0;
}

/**
 * The process's CPU time (ms) during a source's longest event-loop delay in the
 * phase, or "" when there was none or it was not measured.
 */
export function longestLoopCpu(p: PhaseStalls, source: string): number | "" {
  return longestTotal(p, source, "loop")?.maxCpuMs ?? "";
}

function longestTotal(p: PhaseStalls, source: string, kind: "gc" | "loop") {
  let best: StallTotal | undefined;
  for (const [key, t] of Object.entries(p.totals)) {
    const [src, k] = key.split(" ");
    if (src === source && (kind === "gc" ? k!.startsWith("gc") : k === kind))
      if (!best || t.maxMs > best.maxMs) best = t;
  }
  return best;
}
