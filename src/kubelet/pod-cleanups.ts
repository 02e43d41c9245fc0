/**
 * The kubelet's housekeeping of what pods leave behind (upstream
 * HandlePodCleanups), over each relist of the runtime, once every pod
 * source (API, static manifests) has been listed:
 *
 * - runtime-only pods: a pod with a ready sandbox or a running container
 *   that no pod worker knows (deleted from the API while the kubelet was
 *   down) is handed to the pod workers to be killed, with its sandboxes,
 *   volumes, log directory and cgroup;
 * - orphaned pod directories (cleanupOrphanedPodDirs): `<podsDir>/<uid>` of
 *   pods unknown to the pod workers and absent from the runtime are torn
 *   down (tmpfs volumes unmounted, directory removed);
 * - orphaned pod cgroups (cleanupOrphanedPodCgroups): `pod<uid>` cgroups
 *   below the kubelet's cgroup root of such pods are removed once two
 *   scans in a row found them orphaned (a cgroup root shared with another
 *   kubelet may hold a pod that one is just creating).
 *
 * Directories and cgroups are scanned at most every `scanPeriodMs`
 * (default 2 s, upstream's housekeeping period). Dead containers and
 * sandboxes of unknown pods are the container GC's.
 */
import { readdir } from "node:fs/promises";
import type { Clock } from "../client/clock.ts";
import type { Logger } from "../util/logger.ts";
import { cgroupFs, podCgroups, removeCgroup } from "./cgroups.ts";
import { labelPodName, labelPodNamespace, labelPodUID } from "./pod/runtime-config.ts";
import { tearDownPodDir } from "./pod/volumes.ts";
import type { Container, PodSandbox, PodSandboxMetadata } from "./runtime/runtime.ts";

/** What the clean-ups need of the pod workers. */
export interface PodCleanupWorkers {
  /** A worker exists (or just finished) for the pod, or it was rejected at admission. */
  isKnown(uid: string): boolean;
  /** Kills a runtime-only pod; false when it is known after all. */
  killOrphan(meta: PodSandboxMetadata): boolean;
}

export interface PodCleanupsOptions {
  clock: Clock;
  log: Logger;
  workers: PodCleanupWorkers;
  /** True once every pod source was listed. */
  sourcesReady(): boolean;
  podsDir: string;
  /** The kubelet's cgroup root; undefined: no cgroups to clean (simulated runtime). */
  cgroupRoot?: string;
  /** Where the cgroup hierarchies are mounted (tests). */
  cgroupFsRoot?: string;
  /** Least time between two scans of pod directories and cgroups (default 2 s). */
  scanPeriodMs?: number;
}

/** What one round did. */
export interface PodCleanupsResult {
  /** Uids of runtime-only pods handed over to be killed. */
  orphans: string[];
  /** Uids whose pod directory was removed. */
  podDirs: string[];
  /** Cgroup paths removed. */
  cgroups: string[];
}

/**
 * The pods with a ready sandbox or a running container, by uid (upstream
 * runningRuntimePods); only sandboxes and containers a kubelet labelled.
 */
export function runningRuntimePods(
  sandboxes: PodSandbox[],
  containers: Container[],
): Map<string, PodSandboxMetadata> {
  const running = new Map<string, PodSandboxMetadata>();
  const byUid = new Map<string, PodSandboxMetadata>();
  for (const s of sandboxes) {
    // Only what a kubelet made (labelled with the pod uid); other users of the runtime are left alone.
    const uid = s.labels[labelPodUID];
    if (!uid) continue;
    byUid.set(uid, s.metadata);
    if (s.state === "SANDBOX_READY") running.set(uid, s.metadata);
  }
  for (const c of containers) {
    const uid = c.labels[labelPodUID];
    if (!uid || c.state !== "CONTAINER_RUNNING" || running.has(uid)) continue;
    running.set(
      uid,
      byUid.get(uid) ?? {
        uid,
        name: c.labels[labelPodName] ?? "",
        namespace: c.labels[labelPodNamespace] ?? "",
        attempt: 0,
      },
    );
  }
  return running;
}

export class PodCleanups {
  private lastScan = -Infinity;
  /** Uids whose cgroups the previous scan found orphaned. */
  private suspects = new Set<string>();

  constructor(private readonly o: PodCleanupsOptions) {}

  /** One round over a runtime listing taken after the workers' markHousekeeping(). */
  async handle(sandboxes: PodSandbox[], containers: Container[]): Promise<PodCleanupsResult> {
    const result: PodCleanupsResult = { orphans: [], podDirs: [], cgroups: [] };
    if (!this.o.sourcesReady()) return result;
    const { workers, log } = this.o;
    for (const [uid, meta] of runningRuntimePods(sandboxes, containers)) {
      if (workers.isKnown(uid) || !workers.killOrphan(meta)) continue;
      log.info("killing orphaned pod", { pod: `${meta.namespace}/${meta.name}`, uid });
      result.orphans.push(uid);
    }
    const now = this.o.clock.now();
    if (now - this.lastScan < (this.o.scanPeriodMs ?? 2000)) return result;
    this.lastScan = now;
    const inRuntime = new Set<string>();
    for (const s of sandboxes) inRuntime.add(s.labels[labelPodUID] ?? s.metadata.uid);
    for (const c of containers) inRuntime.add(c.labels[labelPodUID] ?? "");
    const orphaned = (uid: string) => !inRuntime.has(uid) && !workers.isKnown(uid);
    for (const uid of await readdir(this.o.podsDir).catch(() => [] as string[])) {
      if (!orphaned(uid)) continue;
      try {
        await tearDownPodDir(this.o.podsDir, uid);
        log.info("removed orphaned pod directory", { uid });
        result.podDirs.push(uid);
      } catch (err) {
        log.warn("failed to remove orphaned pod directory", { uid, err });
      }
    }
    if (this.o.cgroupRoot === undefined) return result;
    const fsRoot = this.o.cgroupFsRoot ?? cgroupFs;
    const previous = this.suspects;
    this.suspects = new Set();
    for (const [uid, paths] of podCgroups(this.o.cgroupRoot, fsRoot)) {
      if (!orphaned(uid)) continue;
      if (!previous.has(uid)) {
        this.suspects.add(uid);
        continue;
      }
      const removed = paths.filter((p) => removeCgroup(p, fsRoot));
      if (removed.length) log.info("removed orphaned pod cgroup", { uid, paths: removed });
      result.cgroups.push(...removed);
    }
    return result;
  }
}
