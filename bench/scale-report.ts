/**
 * The tables bench:scale prints: the SLO table (API call latency p99 per
 * scope; pod startup p50/p90/p99 per pod group against CL2's thresholds) with PASS/FAIL, per-call latencies, and memory
 * per node and per pod from RSS and from the heap after a full GC.
 */
import type { Percentiles } from "./lib/percentiles.ts";
import type { Cell, Row } from "./lib/table.ts";
import { sloMs, type LatencyRecorder, type Scope } from "./scale-measure.ts";

/** The pod startup SLO (CL2's default PodStartupLatency threshold, applied to p50, p90 and p99). */
export const podStartupSloMs = 5000;

/** One pod-startup measurement: CL2's pod_startup samples of a pod group and its threshold. */
export interface StartupWindow {
  name: string;
  samples: Percentiles;
  /** CL2 checks p50, p90 and p99 against it: 5 s for latency pods, 1 h for load pods. */
  thresholdMs: number;
  /** Pods of the window that never showed Running (counted as a failure). */
  missing?: number;
}

/** SLO rows: one per API scope, then one per pod-startup window given. */
export function sloRows(api: LatencyRecorder, startups: StartupWindow[]): Row[] {
  const scopes = (["mutating", "get", "namespace-list", "cluster-list"] as Scope[]).map((s) => ({
    scope: s,
    ...api.scope(s),
  }));
  const target = (ms: number) => (ms >= 3_600_000 ? `${ms / 3_600_000} h` : `${ms / 1000} s`);
  return [
    ...scopes.map((s) => ({
      SLO: `API ${s.scope} p99`,
      target: target(sloMs[s.scope]),
      "p50 ms": s.p50,
      "p90 ms": s.p90,
      "p99 ms": s.p99,
      count: s.count,
      result: s.count === 0 ? "n/a" : s.p99 <= sloMs[s.scope] && s.errors === 0 ? "PASS" : "FAIL",
    })),
    ...startups.map((w) => ({
      SLO: `pod startup p50/90/99 (${w.name})`,
      target: target(w.thresholdMs),
      "p50 ms": w.samples.p50,
      "p90 ms": w.samples.p90,
      "p99 ms": w.samples.p99,
      count: w.samples.count,
      result: startupResult(w),
    })),
  ];
}

/** PASS when every one of p50, p90, p99 is within the threshold and no pod failed to run. */
export function startupResult(w: StartupWindow): string {
  const p = w.samples;
  if (p.count === 0) return w.missing ? `FAIL (${w.missing} never Running)` : "n/a";
  if (w.missing) return `FAIL (${w.missing} never Running)`;
  return p.p50 <= w.thresholdMs && p.p90 <= w.thresholdMs && p.p99 <= w.thresholdMs
    ? "PASS"
    : "FAIL";
}

/** Client-side latency per verb and resource. */
export function callRows(api: LatencyRecorder): Row[] {
  return api.calls().map((x) => ({
    call: `${x.verb} ${x.resource}`,
    scope: x.scope,
    count: x.count,
    errors: x.errors,
    "error kinds": Object.entries(x.errorKinds)
      .map(([k, n]) => `${k} x${n}`)
      .join(", "),
    "p50 ms": x.p50,
    "p90 ms": x.p90,
    "p99 ms": x.p99,
    "max ms": x.max,
  }));
}

/** MiB per process name, measured with the nodes idle (no pods) and with every pod Running. */
export interface MemoryPoints {
  rssIdle: Record<string, number>;
  rssLoaded: Record<string, number>;
  heapIdle: Record<string, number>;
  heapLoaded: Record<string, number>;
}

/** Memory figures: idle totals, per node of the simulator, and per Running pod ((loaded - idle) / pods). */
export function memoryRows(m: MemoryPoints, nodes: number, pods: number): Row[] {
  const rows: Row[] = [];
  const kib = (mib: number) => mib * 1024;
  for (const [what, idle, loaded] of [
    ["RSS", m.rssIdle, m.rssLoaded],
    ["heap after GC", m.heapIdle, m.heapLoaded],
  ] as const) {
    for (const [name, mib] of Object.entries(idle)) {
      rows.push({ figure: `${name} ${what}, nodes idle (MiB)`, value: mib });
      if (name === "simulate")
        rows.push({ figure: `simulate ${what} per node, idle (KiB)`, value: kib(mib) / nodes });
      const after = loaded[name];
      if (after !== undefined && pods > 0)
        rows.push({
          figure: `${name} ${what} per Running pod (KiB)`,
          value: kib(after - mib) / pods,
        });
    }
  }
  return rows;
}

/** What one run's JSON holds that the sqlite-vs-etcd table compares. */
export interface RunSummary {
  slo: Row[];
  figures: Record<string, Cell>;
}

/** Figures compared as they are (CPU and RSS also summed over the server and etcd). */
const comparedFigures = [
  "time to all Running (s)",
  "scheduler bindings/s (ramp)",
  "server CPU (s)",
  "server peak RSS (MiB)",
  "store at all Running (MiB)",
  "store on disk at end (MiB)",
];

/**
 * The sqlite-vs-etcd table of `--backend both`: per SLO its p99, then the
 * compared figures, then the control plane's CPU and peak RSS (server plus
 * etcd's own process; SQLite has none), each with sqlite/etcd (below 1x:
 * SQLite's is smaller). A missing or non-numeric value shows "-".
 */
export function ratioRows(sqlite: RunSummary, etcd: RunSummary): Row[] {
  const num = (c: Cell) => (typeof c === "number" && Number.isFinite(c) ? c : undefined);
  const row = (metric: string, s: Cell, e: Cell): Row => {
    const a = num(s);
    const b = num(e);
    return {
      metric,
      sqlite: a ?? "-",
      etcd: b ?? "-",
      "sqlite/etcd": a !== undefined && b ? `${(a / b).toFixed(2)}x` : "-",
    };
  };
  const p99 = (r: RunSummary, slo: Cell) => r.slo.find((x) => x.SLO === slo)?.["p99 ms"];
  const sloName = (slo: Cell) => String(slo).replace(/ p99$/, "").replace("p50/90/99 ", "");
  const rows = sqlite.slo.map((s) =>
    row(`${sloName(s.SLO)}: p99 (ms)`, s["p99 ms"], p99(etcd, s.SLO)),
  );
  for (const f of comparedFigures) rows.push(row(f, sqlite.figures[f], etcd.figures[f]));
  const plus = (r: RunSummary, what: string) => {
    const server = num(r.figures[`server ${what}`]);
    return server === undefined ? undefined : server + (num(r.figures[`etcd ${what}`]) ?? 0);
  };
  rows.push(
    row("control plane CPU, server + etcd (s)", plus(sqlite, "CPU (s)"), plus(etcd, "CPU (s)")),
  );
  rows.push(
    row(
      "control plane peak RSS, server + etcd (MiB)",
      plus(sqlite, "peak RSS (MiB)"),
      plus(etcd, "peak RSS (MiB)"),
    ),
  );
  return rows;
}
