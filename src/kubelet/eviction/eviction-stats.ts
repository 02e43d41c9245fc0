/**
 * The eviction manager's observations on a real node: memory.available as
 * capacity minus the root cgroup's working set (as the Summary API reports
 * it); nodefs from statfs of the kubelet's data dir and imagefs from statfs
 * of the runtime's image file system (dedicated when on another device);
 * pid.available as min(kernel.pid_max, kernel.threads-max) minus the
 * running tasks (/proc/loadavg, as upstream's pidlimit); per pod: each
 * container's CRI working set and writable layer, its log files, its local
 * ephemeral volumes on disk (bytes and inodes of each) and the tasks in
 * its pids cgroup.
 */
import { readFileSync } from "node:fs";
import { lstat, readdir, stat, statfs } from "node:fs/promises";
import { join } from "node:path";
import type { Pod } from "kubernetes-types/core/v1.d.ts";
import type { Clock } from "../../client/clock.ts";
import { podCgroupParent, podQOS } from "../pod/qos.ts";
import { labelContainerName, labelPodUID, podLogDir } from "../pod/runtime-config.ts";
import { podVolumesDir } from "../pod/volumes.ts";
import type { ContainerRuntime } from "../runtime/runtime.ts";
import type { StatsProvider } from "../server/stats-provider.ts";
import type { EvictionStats, FsStats, PodUsage } from "./eviction-manager.ts";

export interface NodeEvictionStatsOptions {
  runtime: ContainerRuntime;
  stats: StatsProvider;
  clock: Clock;
  memoryCapacity: number;
  /** A path on the node file system (nodefs): the kubelet's data dir. */
  fsPath: string;
  podsDir: string;
  logsDir: string;
  cgroupRoot: string;
  /** The pods the kubelet runs. */
  pods(): Pod[];
  /** Root of the cgroup v1 hierarchies (default /sys/fs/cgroup). */
  cgroupFs?: string;
}

const TMPFS_MAGIC = 0x01021994;

/** Volume plugins whose data is local ephemeral storage (upstream IsLocalEphemeralVolume). */
const LOCAL_VOLUME_PLUGINS = ["empty-dir", "configmap", "downward-api", "git-repo"];

async function fsStats(path: string): Promise<(FsStats & { dev: number }) | undefined> {
  try {
    const [fs, st] = await Promise.all([statfs(path), stat(path)]);
    return {
      availableBytes: fs.bavail * fs.bsize,
      capacityBytes: fs.blocks * fs.bsize,
      inodesFree: fs.ffree,
      inodes: fs.files,
      dev: st.dev,
    };
  } catch {
    return undefined;
  }
}

/** Bytes and inodes a directory tree uses: allocated blocks (as du), and the directory with every entry below it (as du --inodes); symlinks not followed; 0 when missing. */
export async function diskUsageInodes(dir: string): Promise<{ bytes: number; inodes: number }> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch {
    return { bytes: 0, inodes: 0 };
  }
  const total = { bytes: 0, inodes: 1 };
  for (const e of entries) {
    const p = join(dir, e.name);
    if (e.isDirectory()) {
      const sub = await diskUsageInodes(p);
      total.bytes += sub.bytes;
      total.inodes += sub.inodes;
    } else {
      total.inodes++;
      total.bytes += await lstat(p)
        .then((st) => st.blocks * 512)
        .catch(() => 0);
    }
  }
  return total;
}

/** Bytes used by the files under `dir` (allocated blocks, as du; symlinks not followed). */
export async function diskUsage(dir: string): Promise<number> {
  return (await diskUsageInodes(dir)).bytes;
}

/** Local ephemeral volumes of a pod on disk (a tmpfs emptyDir is memory, not disk). */
async function volumeUsage(
  podsDir: string,
  uid: string,
): Promise<{ bytes: number; inodes: number }> {
  const total = { bytes: 0, inodes: 0 };
  for (const plugin of LOCAL_VOLUME_PLUGINS) {
    const base = join(podVolumesDir(podsDir, uid), `kubernetes.io~${plugin}`);
    const vols = await readdir(base).catch(() => [] as string[]);
    for (const v of vols) {
      const dir = join(base, v);
      const fs = await statfs(dir).catch(() => undefined);
      if (fs && fs.type !== TMPFS_MAGIC) {
        const u = await diskUsageInodes(dir);
        total.bytes += u.bytes;
        total.inodes += u.inodes;
      }
    }
  }
  return total;
}

const readInt = (path: string): number | undefined => {
  try {
    const n = parseInt(readFileSync(path, "utf8").trim(), 10);
    return Number.isFinite(n) ? n : undefined;
  } catch {
    return undefined;
  }
};

/** Upstream pidlimit.Stats: min(pid_max, threads-max) and the running tasks of /proc/loadavg. */
export function pidStats(procFs = "/proc"): { available: number; capacity: number } | undefined {
  const limits = ["sys/kernel/pid_max", "sys/kernel/threads-max"]
    .map((f) => readInt(join(procFs, f)))
    .filter((n): n is number => n !== undefined);
  if (!limits.length) return undefined;
  let running: number | undefined;
  try {
    running = Number(readFileSync(join(procFs, "loadavg"), "utf8").split(" ")[3]?.split("/")[1]);
  } catch {
    return undefined;
  }
  if (!Number.isFinite(running)) return undefined;
  const capacity = Math.min(...limits);
  return { available: capacity - running!, capacity };
}

/** Builds the `stats` function of the eviction manager. */
export function nodeEvictionStats(o: NodeEvictionStatsOptions): () => Promise<EvictionStats> {
  const cgroupFs = o.cgroupFs ?? "/sys/fs/cgroup";
  return async () => {
    const mem = o.stats.nodeStats(o.clock.now()).memory;
    const nodefs = await fsStats(o.fsPath);
    const imageMount = (await o.runtime.imageFsInfo().catch(() => []))[0]?.mountpoint;
    const imagefs = imageMount ? await fsStats(imageMount) : undefined;
    const containerStats = await o.runtime.listContainerStats().catch(() => []);
    const pods: EvictionStats["pods"] = new Map();
    for (const pod of o.pods()) {
      const uid = pod.metadata?.uid ?? "";
      const volumes = await volumeUsage(o.podsDir, uid);
      const usage: PodUsage = {
        containers: [],
        volumeBytes: volumes.bytes,
        volumeInodes: volumes.inodes,
        processes:
          readInt(
            join(cgroupFs, "pids", podCgroupParent(o.cgroupRoot, podQOS(pod), uid), "pids.current"),
          ) ?? 0,
      };
      for (const c of containerStats) {
        if (c.labels[labelPodUID] !== uid) continue;
        const name = c.labels[labelContainerName] ?? c.metadata.name;
        const seen = usage.containers.find((x) => x.name === name);
        if (seen) {
          // Another instance of the same container: its logs share one directory.
          seen.memoryBytes += c.memory?.workingSetBytes ?? 0;
          seen.rootfsBytes += c.writableLayer?.usedBytes ?? 0;
          seen.rootfsInodes = (seen.rootfsInodes ?? 0) + (c.writableLayer?.inodesUsed ?? 0);
          continue;
        }
        const logs = await diskUsageInodes(join(podLogDir(o.logsDir, pod), name));
        usage.containers.push({
          name,
          memoryBytes: c.memory?.workingSetBytes ?? 0,
          rootfsBytes: c.writableLayer?.usedBytes ?? 0,
          rootfsInodes: c.writableLayer?.inodesUsed ?? 0,
          logsBytes: logs.bytes,
          logsInodes: logs.inodes,
        });
      }
      pods.set(uid, usage);
    }
    return {
      memory: mem && {
        availableBytes: mem.availableBytes ?? Math.max(0, o.memoryCapacity - mem.workingSetBytes),
        capacityBytes: o.memoryCapacity,
      },
      nodefs,
      imagefs: imagefs ?? nodefs,
      dedicatedImageFs: !!(imagefs && nodefs && imagefs.dev !== nodefs.dev),
      pid: pidStats(),
      pods,
    };
  };
}
