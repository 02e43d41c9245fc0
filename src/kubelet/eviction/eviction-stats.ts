/**
 * The eviction manager's observations on a real node: memory.available as
 * capacity minus the root cgroup's working set (as the Summary API reports
 * it), nodefs/imagefs from statfs of the kubelet's data dir (containerd's
 * root lives under it), and per container the CRI working set and
 * writable-layer bytes.
 */
import { statfs } from "node:fs/promises";
import type { Clock } from "../../client/clock.ts";
import { labelPodUID } from "../pod/runtime-config.ts";
import type { ContainerRuntime } from "../runtime/runtime.ts";
import type { StatsProvider } from "../server/stats-provider.ts";
import type { EvictionStats } from "./eviction-manager.ts";

export interface NodeEvictionStatsOptions {
  runtime: ContainerRuntime;
  stats: StatsProvider;
  clock: Clock;
  memoryCapacity: number;
  /** A path on the node file system (nodefs; also imagefs here). */
  fsPath: string;
}

/** Builds the `stats` function of the eviction manager. */
export function nodeEvictionStats(o: NodeEvictionStatsOptions): () => Promise<EvictionStats> {
  return async () => {
    const mem = o.stats.nodeStats(o.clock.now()).memory;
    const fs = await statfs(o.fsPath).catch(() => undefined);
    const fsStats = fs && {
      availableBytes: fs.bavail * fs.bsize,
      capacityBytes: fs.blocks * fs.bsize,
      inodesFree: fs.ffree,
      inodes: fs.files,
    };
    const pods: EvictionStats["pods"] = new Map();
    for (const c of await o.runtime.listContainerStats().catch(() => [])) {
      const uid = c.labels[labelPodUID];
      if (!uid) continue;
      const list = pods.get(uid) ?? [];
      list.push({
        name: c.metadata.name,
        memoryBytes: c.memory?.workingSetBytes ?? 0,
        diskBytes: c.writableLayer?.usedBytes ?? 0,
      });
      pods.set(uid, list);
    }
    return {
      memory: mem && {
        availableBytes: mem.availableBytes ?? Math.max(0, o.memoryCapacity - mem.workingSetBytes),
        capacityBytes: o.memoryCapacity,
      },
      nodefs: fsStats,
      imagefs: fsStats,
      pods,
    };
  };
}
