/**
 * The order in which pods are evicted for a starved resource (upstream
 * rankMemoryPressure, rankDiskPressureFunc, rankPIDPressure) and the
 * message an evicted pod carries (upstream evictionMessage). Inode
 * signals rank pods by the inodes they use, bytes signals by bytes.
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
  /** Inodes of the writable layer (CRI writable_layer.inodes_used; default 0). */
  rootfsInodes?: number;
  /** Inodes of its log files (default 0). */
  logsInodes?: number;
}

/** One pod's usage, keyed by uid in EvictionStats. */
export interface PodUsage {
  containers: ContainerUsage[];
  /** Local ephemeral volumes on disk (emptyDir without medium Memory, configMap, ...). */
  volumeBytes: number;
  /** Inodes of those volumes (default 0). */
  volumeInodes?: number;
  /** Processes (tasks) in the pod's cgroup. */
  processes: number;
}

/** The resource a signal starves ("inodes" and "pids" are the eviction manager's own names). */
export type Resource = "memory" | "ephemeral-storage" | "inodes" | "pids";

/** Upstream signalToResource. */
export const resourceOf = (s: Signal): Resource =>
  s === "memory.available"
    ? "memory"
    : s === "pid.available"
      ? "pids"
      : s.endsWith(".inodesFree")
        ? "inodes"
        : "ephemeral-storage";

/** True for the file-system signals (bytes or inodes of nodefs/imagefs). */
export const isDiskSignal = (s: Signal): boolean =>
  s.startsWith("nodefs.") || s.startsWith("imagefs.");

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

const request = (pod: Pod, name: string, r: string): number =>
  quantityValue(
    pod.spec?.containers.find((c) => c.name === name)?.resources?.requests?.[r] as
      string | undefined,
  );

const podRequests = (pod: Pod, r: string): number =>
  (pod.spec?.containers ?? []).reduce((n, c) => n + request(pod, c.name, r), 0);

/** A pod's disk use for the measure, in bytes or inodes (upstream podDiskUsage). */
export function podDiskUsage(
  u: PodUsage,
  m: DiskMeasure,
  unit: "bytes" | "inodes" = "bytes",
): number {
  const b = unit === "bytes";
  let n = m.volumes ? (b ? u.volumeBytes : (u.volumeInodes ?? 0)) : 0;
  for (const c of u.containers) {
    if (m.rootfs) n += b ? c.rootfsBytes : (c.rootfsInodes ?? 0);
    if (m.logs) n += b ? c.logsBytes : (c.logsInodes ?? 0);
  }
  return n;
}

const priority = (p: Pod) => p.spec?.priority ?? 0;

/**
 * Pods in eviction order for a signal. Memory and disk: pods without
 * stats first, then those using more than they request, then lower
 * priority, then the larger use above requests. Inode signals measure
 * inodes the same way; as upstream, "more than requested" compares with
 * an inodes request (none: any use) and the use above requests subtracts
 * the ephemeral-storage request. PIDs: lower priority, then more
 * processes.
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
      if (!u) return [p, { found: false, used: 0, exceeds: false, over: 0 }];
      const used =
        r === "memory"
          ? u.containers.reduce((n, c) => n + c.memoryBytes, 0)
          : r === "pids"
            ? u.processes
            : podDiskUsage(u, measure, r === "inodes" ? "inodes" : "bytes");
      const requested = r === "pids" ? 0 : podRequests(p, r);
      const over = used - (r === "inodes" ? podRequests(p, "ephemeral-storage") : requested);
      return [p, { found: true, used, exceeds: used > requested, over }];
    }),
  );
  return [...pods].sort((a, b) => {
    const ka = keys.get(a)!;
    const kb = keys.get(b)!;
    if (r === "pids") return priority(a) - priority(b) || kb.used - ka.used;
    if (ka.found !== kb.found) return ka.found ? 1 : -1;
    if (ka.exceeds !== kb.exceeds) return ka.exceeds ? -1 : 1;
    return priority(a) - priority(b) || kb.over - ka.over;
  });
}

/**
 * Upstream evictionMessage: the starved resource, the threshold met (a
 * percentage as its share of `capacity`, when known), the offending
 * containers.
 */
export function evictionMessage(
  pod: Pod,
  t: Threshold,
  available: number,
  usage: Map<string, PodUsage>,
  capacity?: number,
): string {
  const r = resourceOf(t.signal);
  let msg = `The node was low on resource: ${r}. `;
  const counted = r === "pids" || r === "inodes";
  const quantity =
    t.quantity ??
    (capacity !== undefined && t.percentage !== undefined
      ? formatBinary(Math.trunc(t.percentage * capacity))
      : undefined);
  if (quantity !== undefined)
    msg += `Threshold quantity: ${quantity}, available: ${counted ? available : formatBinary(available)}. `;
  // Upstream names no offending containers for inodes or PIDs.
  if (r === "pids" || r === "inodes") return msg;
  for (const c of usage.get(pod.metadata?.uid ?? "")?.containers ?? []) {
    if (!pod.spec?.containers.some((x) => x.name === c.name)) continue;
    const used = r === "memory" ? c.memoryBytes : c.rootfsBytes + c.logsBytes;
    const req = request(pod, c.name, r);
    if (used > req)
      msg += `Container ${c.name} was using ${formatBinary(used)}, request is ${formatBinary(req)}, has larger consumption of ${r}. `;
  }
  return msg;
}
