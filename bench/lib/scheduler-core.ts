/**
 * The scheduler's decision rate without I/O: a cache holding the workload's
 * nodes, the default profile, and the real scheduling cycle (PreFilter,
 * Filter with sampling, Score, assume) run for every pod in turn. Binding is
 * not done; assumed pods count as placed. Shows how fast the scheduler
 * itself is, apart from the API server's write throughput.
 */
import { performance } from "node:perf_hooks";
import type { Node, Pod } from "kubernetes-types/core/v1.d.ts";
import { FakeClock } from "../../src/client/clock.ts";
import { SchedulerCache } from "../../src/scheduler/cache/cache.ts";
import { CycleState } from "../../src/scheduler/framework/cycle-state.ts";
import { PodInfo } from "../../src/scheduler/framework/pod-info.ts";
import { inTreeRegistry } from "../../src/scheduler/plugins/registry.ts";
import { buildFramework } from "../../src/scheduler/profile/build-framework.ts";
import { GenericScheduler } from "../../src/scheduler/schedule-pod.ts";
import type { Workload } from "./scheduler-workloads.ts";

export interface CoreResult {
  podsPerSec: number;
  placed: number;
  p50Us: number;
  p99Us: number;
}

export function runCore(w: Workload): CoreResult {
  const cache = new SchedulerCache();
  for (let i = 0; i < w.nodes; i++) cache.addNode(w.node(i) as Node);
  const fw = buildFramework({ schedulerName: "default-scheduler" }, inTreeRegistry(), {
    clock: new FakeClock(),
    snapshot: () => cache,
    namespaceLabels: () => ({}),
    lister: () => ({ get: () => undefined, list: () => [] }),
  });
  const algo = new GenericScheduler();
  const times: number[] = [];
  let placed = 0;
  const start = performance.now();
  for (let i = 0; i < w.pods; i++) {
    const pod = w.pod(i) as Pod;
    pod.metadata = { ...pod.metadata, namespace: "default", uid: `u${i}` };
    pod.spec = { ...pod.spec!, schedulerName: "default-scheduler" };
    const t = performance.now();
    const pi = new PodInfo(pod);
    const r = algo.schedulePod(fw, cache, new CycleState(), pi);
    if (r.ok) {
      cache.assumePod(pi, r.host);
      placed++;
    }
    times.push((performance.now() - t) * 1000);
  }
  const ms = performance.now() - start;
  times.sort((a, b) => a - b);
  return {
    podsPerSec: (w.pods / ms) * 1000,
    placed,
    p50Us: times[Math.floor(times.length * 0.5)] ?? NaN,
    p99Us: times[Math.floor(times.length * 0.99)] ?? NaN,
  };
}
