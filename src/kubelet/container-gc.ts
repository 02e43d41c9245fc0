/**
 * Garbage collection of dead containers, dead sandboxes and pod log
 * directories, as upstream's kubelet container GC (kuberuntime_gc.go).
 * Every GC period (1 min):
 *
 * - containers: the ones not running (exited, created, unknown) and created
 *   at least --minimum-container-ttl-duration ago (default 0) are grouped
 *   per (pod uid, container name). Once the kubelet's pod sources are
 *   ready, every such container of a pod whose content should be removed
 *   (unknown to the kubelet, deleted, evicted) goes; of the others, each
 *   group keeps its newest --maximum-dead-containers-per-container
 *   (default 1, so `kubectl logs --previous` still works) and, with
 *   --maximum-dead-containers >= 0 (default -1: no limit), the oldest go
 *   until the node holds at most that many. A container in an unknown
 *   state is stopped first. Its log files (the current one and rotated
 *   ones) are removed with it, as upstream's log manager Clean does.
 * - sandboxes: a sandbox is active while ready or while it still has
 *   containers; inactive ones go, all of them for a pod whose content
 *   should be removed, else all but the pod's newest sandbox.
 * - log directories `<logsDir>/<ns>_<name>_<uid>` of pods whose content
 *   should be removed (once sources are ready).
 *
 * `deleteAllUnusedContainers()` is the same pass with terminated pods'
 * containers counted as removable too (upstream DeleteAllUnusedContainers,
 * the eviction manager's node-level disk reclaim). Passes never overlap.
 */
import { readdir, rm } from "node:fs/promises";
import { join } from "node:path";
import type { Clock, TimerHandle } from "../client/clock.ts";
import type { Logger } from "../util/logger.ts";
import { rotatedLogs } from "./logs/container-log-manager.ts";
import { labelPodUID } from "./pod/runtime-config.ts";
import type { Container, ContainerRuntime, PodSandbox } from "./runtime/runtime.ts";

/** Upstream GCPolicy (kubelet flags --minimum-container-ttl-duration, --maximum-dead-containers*). */
export interface ContainerGCPolicy {
  /** Dead containers younger than this are kept (default 0). */
  minAgeMs: number;
  /** Dead containers kept per pod container (default 1; negative: no limit). */
  maxPerPodContainer: number;
  /** Dead containers kept on the node (default -1: no limit). */
  maxContainers: number;
}

export const defaultContainerGCPolicy: ContainerGCPolicy = {
  minAgeMs: 0,
  maxPerPodContainer: 1,
  maxContainers: -1,
};

/** What the pod workers know about a pod (upstream PodStateProvider). */
export interface PodStateProvider {
  /** Everything of the pod may go: unknown to the kubelet, deleted and stopped, or evicted. */
  shouldPodContentBeRemoved(uid: string): boolean;
  /** The pod's containers will never run again (terminated): they may go under disk pressure. */
  shouldPodRuntimeBeRemoved(uid: string): boolean;
}

export interface ContainerGCOptions {
  runtime: ContainerRuntime;
  clock: Clock;
  log: Logger;
  policy?: Partial<ContainerGCPolicy>;
  podState: PodStateProvider;
  /** True once every pod source (API, static manifests) was listed. */
  sourcesReady(): boolean;
  /** Root of the pod log directories (undefined: none to collect, as on hollow nodes sharing one). */
  logsDir?: string;
  /** GC period (default 1 min). */
  periodMs?: number;
}

/** What one pass removed. */
export interface ContainerGCResult {
  containers: string[];
  sandboxes: string[];
  logDirs: string[];
}

/** The pod uid a pod log directory `<ns>_<name>_<uid>` belongs to. */
export const logDirPodUID = (dir: string): string | undefined => {
  const i = dir.lastIndexOf("_");
  return i > 0 ? dir.slice(i + 1) : undefined;
};

const newestFirst = <T extends { createdAt: number }>(a: T, b: T) => b.createdAt - a.createdAt;

export class ContainerGC {
  readonly policy: ContainerGCPolicy;
  private timer?: TimerHandle;
  private stopped = false;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly o: ContainerGCOptions) {
    this.policy = { ...defaultContainerGCPolicy, ...o.policy };
  }

  start(): void {
    const tick = () => {
      if (this.stopped) return;
      this.timer = this.o.clock.after(this.o.periodMs ?? 60_000, () => {
        void this.garbageCollect()
          .catch((err) => this.o.log.warn("container garbage collection failed", { err }))
          .finally(tick);
      });
    };
    tick();
  }

  stop(): void {
    this.stopped = true;
    this.timer?.cancel();
  }

  /** One GC pass (after any pass in progress). */
  garbageCollect(evictNonDeletedPods = false): Promise<ContainerGCResult> {
    const run = this.queue.then(() => this.pass(evictNonDeletedPods));
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Upstream DeleteAllUnusedContainers: a pass that also takes terminated pods' containers. */
  deleteAllUnusedContainers(): Promise<ContainerGCResult> {
    this.o.log.info("attempting to delete unused containers");
    return this.garbageCollect(true);
  }

  private removable(uid: string, evictNonDeletedPods: boolean): boolean {
    const s = this.o.podState;
    return (
      s.shouldPodContentBeRemoved(uid) || (evictNonDeletedPods && s.shouldPodRuntimeBeRemoved(uid))
    );
  }

  private async pass(evictNonDeletedPods: boolean): Promise<ContainerGCResult> {
    const ready = this.o.sourcesReady();
    const containers = await this.evictContainers(ready, evictNonDeletedPods);
    const sandboxes = await this.evictSandboxes(ready, evictNonDeletedPods);
    const logDirs = ready && this.o.logsDir ? await this.evictPodLogDirs(this.o.logsDir) : [];
    return { containers, sandboxes, logDirs };
  }

  private async evictContainers(ready: boolean, evictNonDeleted: boolean): Promise<string[]> {
    const newest = this.o.clock.now() - this.policy.minAgeMs;
    const units = new Map<string, { uid: string; list: Container[] }>();
    const canRemoveAll = (uid: string) => ready && this.removable(uid, evictNonDeleted);
    for (const c of await this.o.runtime.listContainers()) {
      const uid = c.labels[labelPodUID];
      // Only containers a kubelet made; running ones and young ones stay. A created one
      // (about to start) counts only for a pod whose containers all go: as the newest of
      // its group it would otherwise cost the previous instance (`logs --previous`).
      if (!uid || c.state === "CONTAINER_RUNNING" || c.createdAt > newest) continue;
      if (c.state === "CONTAINER_CREATED" && !canRemoveAll(uid)) continue;
      const key = `${uid}/${c.metadata.name}`;
      const unit = units.get(key) ?? { uid, list: [] };
      unit.list.push(c);
      units.set(key, unit);
    }
    const removed: string[] = [];
    const removeOldest = async (list: Container[], n: number): Promise<Container[]> => {
      const sorted = [...list].sort(newestFirst);
      const keep = Math.max(0, sorted.length - n);
      for (const c of sorted.slice(keep)) if (await this.removeContainer(c)) removed.push(c.id);
      // Counted as gone either way, so as not to be too aggressive.
      return sorted.slice(0, keep);
    };
    if (ready) {
      for (const [key, unit] of units) {
        if (!canRemoveAll(unit.uid)) continue;
        await removeOldest(unit.list, unit.list.length);
        units.delete(key);
      }
    }
    const enforcePerUnit = async (max: number) => {
      for (const unit of units.values())
        if (unit.list.length > max)
          unit.list = await removeOldest(unit.list, unit.list.length - max);
    };
    if (this.policy.maxPerPodContainer >= 0) await enforcePerUnit(this.policy.maxPerPodContainer);
    const max = this.policy.maxContainers;
    const count = () => [...units.values()].reduce((n, u) => n + u.list.length, 0);
    if (max >= 0 && count() > max) {
      // An equal share per unit (at least 1), then the oldest node-wide.
      await enforcePerUnit(Math.max(1, Math.floor(max / Math.max(1, units.size))));
      const all = [...units.values()].flatMap((u) => u.list);
      if (all.length > max) await removeOldest(all, all.length - max);
    }
    return removed;
  }

  /** Removes one container and its log files; false when that failed. */
  private async removeContainer(c: Container): Promise<boolean> {
    const rt = this.o.runtime;
    try {
      if (c.state === "CONTAINER_UNKNOWN") await rt.stopContainer(c.id, 0);
      const logPath = (await rt.containerStatus(c.id).catch(() => undefined))?.logPath;
      this.o.log.info("removing dead container", {
        container: c.id,
        name: c.metadata.name,
        pod: c.labels[labelPodUID],
      });
      await rt.removeContainer(c.id);
      if (logPath) for (const f of [logPath, ...rotatedLogs(logPath)]) await rm(f, { force: true });
      return true;
    } catch (err) {
      this.o.log.warn("failed to remove container", { container: c.id, err });
      return false;
    }
  }

  private async evictSandboxes(ready: boolean, evictNonDeleted: boolean): Promise<string[]> {
    const [sandboxes, containers] = await Promise.all([
      this.o.runtime.listPodSandbox(),
      this.o.runtime.listContainers(),
    ]);
    const withContainers = new Set(containers.map((c) => c.podSandboxId));
    const byPod = new Map<string, PodSandbox[]>();
    for (const s of sandboxes) {
      const uid = s.labels[labelPodUID];
      if (!uid) continue;
      byPod.set(uid, [...(byPod.get(uid) ?? []), s]);
    }
    const removed: string[] = [];
    for (const [uid, list] of byPod) {
      const sorted = list.sort(newestFirst);
      // All of a removable pod's inactive sandboxes; else all but the newest.
      const candidates = ready && this.removable(uid, evictNonDeleted) ? sorted : sorted.slice(1);
      for (const s of candidates) {
        if (s.state === "SANDBOX_READY" || withContainers.has(s.id)) continue;
        try {
          this.o.log.info("removing dead sandbox", { sandbox: s.id, pod: uid });
          await this.o.runtime.removePodSandbox(s.id);
          removed.push(s.id);
        } catch (err) {
          this.o.log.warn("failed to remove sandbox", { sandbox: s.id, err });
        }
      }
    }
    return removed;
  }

  private async evictPodLogDirs(logsDir: string): Promise<string[]> {
    const removed: string[] = [];
    for (const dir of await readdir(logsDir).catch(() => [] as string[])) {
      const uid = logDirPodUID(dir);
      if (!uid || !this.o.podState.shouldPodContentBeRemoved(uid)) continue;
      await rm(join(logsDir, dir), { recursive: true, force: true });
      removed.push(dir);
    }
    return removed;
  }
}
