/**
 * The fixed paces of one bench:scale run. At the issue's full size (150,000
 * pods) or with --cl2, ClusterLoader2's own: max(500, nodes) latency pods
 * at 5/s, every Deployment scaled, 600 reads at 40/s, a 20 s idle window.
 * A scaled-down ("routine") run scales the parts that do not grow with its
 * pods by its size f = pods / 150,000, as CL2 scales its parameters with the
 * cluster, keeping each SLO measurement meaningful:
 *
 * - latency pods: CL2's count × f, at least 100 (p99 of 100 samples), still
 *   created at CL2's 5/s on the loaded cluster;
 * - scale step: the big and medium Deployments (most of the pods), then small
 *   ones, max(100, Deployments × f) changes in all, at the same ≤ 20/s;
 * - reads: the same 600, at 100/s instead of 40/s (a stricter load);
 * - idle window: 10 s.
 *
 * Flags given explicitly (--latency-pods) win. Every value used is printed
 * (rows()).
 */
import type { Row } from "./lib/table.ts";
import type { WorkloadObject } from "./scale-load.ts";

/** The pod count at which a run is the full size. */
export const fullPods = 150_000;

export interface RunParams {
  /** "CL2" (CL2's parameters) or "scaled f=…" (a routine run). */
  mode: string;
  latencyPods: number;
  latencyQps: number;
  /** Indexes (into the load Deployments) of those the scale step changes, in order. */
  scaled: number[];
  reads: number;
  readQps: number;
  idleSeconds: number;
}

/** CL2's latency pod count: max(500, nodes). */
export const cl2LatencyPods = (nodes: number) => Math.max(500, nodes);

/**
 * The paces for a run of `nodes` and `pods`; cl2 forces CL2's parameters,
 * latencyPods overrides the count.
 */
export function runParams(o: {
  nodes: number;
  pods: number;
  deployments: readonly WorkloadObject[];
  cl2: boolean;
  latencyPods?: number;
  latencyQps: number;
}): RunParams {
  const f = Math.min(1, o.pods / fullPods);
  const all = o.deployments.map((_, i) => i);
  if (o.cl2 || f >= 1)
    return {
      mode: "CL2",
      latencyPods: o.latencyPods ?? cl2LatencyPods(o.nodes),
      latencyQps: o.latencyQps,
      scaled: all,
      reads: 600,
      readQps: 40,
      idleSeconds: 20,
    };
  const cl2Latency = cl2LatencyPods(o.nodes);
  const latencyPods =
    o.latencyPods ?? Math.min(cl2Latency, Math.max(100, Math.ceil(cl2Latency * f)));
  const changes = Math.min(all.length, Math.max(100, Math.ceil(all.length * f)));
  return {
    mode: `scaled f=${Number(f.toFixed(3))}`,
    latencyPods,
    latencyQps: o.latencyQps,
    scaled: pickScaled(o.deployments, changes),
    reads: 600,
    readQps: 100,
    idleSeconds: 10,
  };
}

/**
 * `count` Deployment indexes: every Deployment of more than 5 replicas
 * first (big and medium: most pods), then small ones spread evenly over the
 * list (so every namespace keeps some), in list order.
 */
export function pickScaled(deployments: readonly WorkloadObject[], count: number): number[] {
  const big: number[] = [];
  const small: number[] = [];
  deployments.forEach((d, i) => (d.replicas > 5 ? big : small).push(i));
  const chosen = new Set(big.slice(0, count));
  const left = Math.min(count - chosen.size, small.length);
  for (let k = 0; k < left; k++) chosen.add(small[Math.floor((k * small.length) / left)]!);
  return [...chosen].sort((a, b) => a - b);
}

/** What the run used, for the figures table. */
export function paramRows(p: RunParams, deployments: number): Row[] {
  return [
    { figure: "parameters", value: p.mode },
    { figure: "latency pods (at /s)", value: `${p.latencyPods} at ${p.latencyQps}/s` },
    { figure: "scale step: Deployments changed", value: `${p.scaled.length} of ${deployments}` },
    { figure: "reads (at /s)", value: `${p.reads} at ${p.readQps}/s` },
    { figure: "idle window (s)", value: p.idleSeconds },
  ];
}
