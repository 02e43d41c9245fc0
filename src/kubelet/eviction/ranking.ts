/**
 * The order in which pods are evicted for a starved resource (upstream
 * rankMemoryPressure, rankDiskPressureFunc, rankPIDPressure) and the
 * message an evicted pod carries (upstream evictionMessage).
 */
import type { Pod } from "kubernetes-types/core/v1.d.ts";
import { quantityValue } from "../pod/qos.ts";
import { formatBinary, type Signal, type Threshold } from "./thresholds.ts";

/** One container's usage as the eviction manager sees it. */
export interface ContainerUsage {
  name: string;
  /** Memory working set. */
  memoryBytes: number;
  /** Writable layer (CRI ContainerStats.writable_layer). */
  rootfsBytes: number;
  /** Its log files. */
  logsBytes: number;
}

/** One pod's usage, keyed by uid in EvictionStats. */
export interface PodUsage {
  containers: ContainerUsage[];
  /** Local ephemeral volumes on disk (emptyDir without medium Memory, configMap, ...). */
  volumeBytes: number;
  /** Processes (tasks) in the pod's cgroup. */
  processes: number;
}

/** The resource a signal starves. */
export type Resource = "memory" | "ephemeral-storage" | "pids";

/** Upstream signalToResource (inode signals are reclaimed as ephemeral storage here). */
export const resourceOf = (s: Signal): Resource =>
  s === "memory.available" ? "memory" : s === "pid.available" ? "pids" : "ephemeral-storage";

/** Which of a pod's disk uses count against a disk signal (upstream fsStatsType). */
export interface DiskMeasure {
  rootfs: boolean;
  logs: boolean;
  volumes: boolean;
}

/**
 * Upstream buildSignalToRankFunc: without a dedicated imagefs every disk
 * signal measures writable layers, logs and local volumes; with one,
 * nodefs measures logs and volumes and imagefs the writable layers.
 */
export function diskMeasureFor(signal: Signal, dedicatedImageFs: boolean): DiskMeasure {
  if (!dedicatedImageFs) return { rootfs: true, logs: true, volumes: true };
  return signal.startsWith("imagefs.")
    ? { rootfs: true, logs: false, volumes: false }
    : { rootfs: false, logs: true, volumes: true };
}

const request = (pod: Pod, name: string, r: Resource): number =>
  quantityValue(
    pod.spec?.containers.find((c) => c.name === name)?.resources?.requests?.[r] as
      string | undefined,
  );

const podRequests = (pod: Pod, r: Resource): number =>
  (pod.spec?.containers ?? []).reduce((n, c) => n + request(pod, c.name, r), 0);

/** A pod's disk use for the measure (upstream podDiskUsage). */
export function podDiskUsage(u: PodUsage, m: DiskMeasure): number {
  let n = m.volumes ? u.volumeBytes : 0;
  for (const c of u.containers) n += (m.rootfs ? c.rootfsBytes : 0) + (m.logs ? c.logsBytes : 0);
  return n;
}

const priority = (p: Pod) => p.spec?.priority ?? 0;

/**
 * Pods in eviction order for a signal. Memory and disk: pods without
 * stats first, then those using more than they request, then lower
 * priority, then the larger use above requests. PIDs: lower priority,
 * then more processes.
 */
export function rankPods(
  pods: Pod[],
  usage: Map<string, PodUsage>,
  signal: Signal,
  dedicatedImageFs = false,
): Pod[] {
  const r = resourceOf(signal);
  const measure = diskMeasureFor(signal, dedicatedImageFs);
  const keys = new Map(
    pods.map((p) => {
      const u = usage.get(p.metadata?.uid ?? "");
      if (!u) return [p, { found: false, used: 0, over: 0 }];
      const used =
        r === "memory"
          ? u.containers.reduce((n, c) => n + c.memoryBytes, 0)
          : r === "pids"
            ? u.processes
            : podDiskUsage(u, measure);
      return [p, { found: true, used, over: used - (r === "pids" ? 0 : podRequests(p, r)) }];
    }),
  );
  return [...pods].sort((a, b) => {
    const ka = keys.get(a)!;
    const kb = keys.get(b)!;
    if (r === "pids") return priority(a) - priority(b) || kb.used - ka.used;
    if (ka.found !== kb.found) return ka.found ? 1 : -1;
    if (ka.over > 0 !== kb.over > 0) return ka.over > 0 ? -1 : 1;
    return priority(a) - priority(b) || kb.over - ka.over;
  });
}

/** Upstream evictionMessage: the starved resource, the threshold met, the offending containers. */
export function evictionMessage(
  pod: Pod,
  t: Threshold,
  available: number,
  usage: Map<string, PodUsage>,
): string {
  const r = resourceOf(t.signal);
  let msg = `The node was low on resource: ${r}. `;
  const counted = r === "pids" || t.signal.includes("inodes");
  if (t.quantity !== undefined)
    msg += `Threshold quantity: ${t.quantity}, available: ${counted ? available : formatBinary(available)}. `;
  if (r === "pids") return msg;
  for (const c of usage.get(pod.metadata?.uid ?? "")?.containers ?? []) {
    if (!pod.spec?.containers.some((x) => x.name === c.name)) continue;
    const used = r === "memory" ? c.memoryBytes : c.rootfsBytes + c.logsBytes;
    const req = request(pod, c.name, r);
    if (used > req)
      msg += `Container ${c.name} was using ${formatBinary(used)}, request is ${formatBinary(req)}, has larger consumption of ${r}. `;
  }
  return msg;
}
