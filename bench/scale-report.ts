/**
 * The tables bench:scale prints: the SLO table (API call latency p99 per
 * scope, pod startup p99) with PASS/FAIL, per-call latencies, and memory
 * per node and per pod from RSS and from the heap after a full GC.
 */
import type { Percentiles } from "./lib/percentiles.ts";
import type { Row } from "./lib/table.ts";
import { sloMs, type LatencyRecorder, type Scope } from "./scale-measure.ts";

const podStartupSloMs = 5000;

/** SLO rows: one per API scope, then one per pod-startup window given. */
export function sloRows(api: LatencyRecorder, startups: [string, Percentiles][]): Row[] {
  const scopes = (["mutating", "get", "namespace-list", "cluster-list"] as Scope[]).map((s) => ({
    scope: s,
    ...api.scope(s),
  }));
  return [
    ...scopes.map((s) => ({
      SLO: `API ${s.scope} p99`,
      target: `${sloMs[s.scope] / 1000} s`,
      "p50 ms": s.p50,
      "p90 ms": s.p90,
      "p99 ms": s.p99,
      count: s.count,
      result: s.count === 0 ? "n/a" : s.p99 <= sloMs[s.scope] && s.errors === 0 ? "PASS" : "FAIL",
    })),
    ...startups.map(([name, p]) => ({
      SLO: `pod startup p99 (${name})`,
      target: `${podStartupSloMs / 1000} s`,
      "p50 ms": p.p50,
      "p90 ms": p.p90,
      "p99 ms": p.p99,
      count: p.count,
      result: p.count === 0 ? "n/a" : p.p99 <= podStartupSloMs ? "PASS" : "FAIL",
    })),
  ];
}

/** Client-side latency per verb and resource. */
export function callRows(api: LatencyRecorder): Row[] {
  return api.calls().map((x) => ({
    call: `${x.verb} ${x.resource}`,
    scope: x.scope,
    count: x.count,
    errors: x.errors,
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
