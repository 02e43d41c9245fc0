/**
 * Node-pressure eviction as upstream's kubelet eviction manager. Every
 * monitoring period (10 s) the node's memory, file systems and PIDs are
 * observed (upstream synchronize):
 *
 * - a threshold is met when its signal's available amount is below it; a
 *   threshold met in the last pass stays met until its minimum reclaim is
 *   also available (--eviction-minimum-reclaim);
 * - a met threshold puts the node under MemoryPressure, DiskPressure or
 *   PIDPressure at once (soft ones too), which lasts until no threshold of
 *   that kind was met for the pressure transition period (5 min);
 * - pods are acted on only for thresholds met for their grace period (hard
 *   ones: at once; soft ones: --eviction-soft-grace-period, continuously);
 * - the threshold to reclaim is memory's if met, else the first met; for
 *   a disk signal node-level resources are reclaimed first (unused
 *   containers and images), and no pod is evicted when that brought every
 *   threshold back above its minimum reclaim;
 * - otherwise one pod per period is evicted: active pods, critical ones
 *   (static, mirror, system-*-critical) excepted, ranked for the signal
 *   (ranking.ts), killed with a 1 s grace period for a hard threshold or
 *   at most --eviction-max-pod-grace-period (and at most the pod's own
 *   terminationGracePeriodSeconds) for a soft one, and marked Failed with
 *   reason Evicted and upstream's message.
 *
 * While the node is under pressure, admit() rejects new pods as upstream's
 * eviction admit handler does.
 */
import type { Pod } from "kubernetes-types/core/v1.d.ts";
import type { Clock, TimerHandle } from "../../client/clock.ts";
import type { Logger } from "../../util/logger.ts";
import { podQOS } from "../pod/qos.ts";
import { evictionMessage, isDiskSignal, rankPods, resourceOf, type PodUsage } from "./ranking.ts";
import { isHardThreshold, thresholdMet, type Signal, type Threshold } from "./thresholds.ts";

export type { PodUsage, ContainerUsage } from "./ranking.ts";

/** A file system's free space and inodes. */
export interface FsStats {
  availableBytes: number;
  capacityBytes: number;
  inodesFree?: number;
  inodes?: number;
}

/** What the eviction manager observes each period. */
export interface EvictionStats {
  memory?: { availableBytes: number; capacityBytes: number };
  nodefs?: FsStats;
  imagefs?: FsStats;
  /** pid.available: the node's PID limit minus its running tasks. */
  pid?: { available: number; capacity: number };
  /** True when images live on another file system than the kubelet's (nodefs). */
  dedicatedImageFs?: boolean;
  /** Per pod uid. */
  pods: Map<string, PodUsage>;
}

/** The node conditions eviction drives. */
export interface NodePressure {
  memory: boolean;
  disk: boolean;
  pid: boolean;
}

type Condition = keyof NodePressure;

export interface EvictionManagerOptions {
  clock: Clock;
  log: Logger;
  thresholds: Threshold[];
  stats(): Promise<EvictionStats>;
  /** The pods the kubelet runs that are not yet terminal. */
  activePods(): Pod[];
  /** Kills the pod and marks it evicted; resolves once it is stopped. */
  evict(pod: Pod, message: string, graceSeconds: number): Promise<void>;
  /** Node-level disk reclaim tried before evicting for a disk signal (unused containers, images). */
  reclaimDisk?(): Promise<void>;
  /** A Warning event on the Node (EvictionThresholdMet). */
  nodeEvent?(reason: string, message: string): void;
  /** evictionPressureTransitionPeriod (default 5 min). */
  pressureTransitionMs?: number;
  /** --eviction-max-pod-grace-period in seconds (default 0), for soft thresholds. */
  maxPodGracePeriodSeconds?: number;
  /** Monitoring period (default 10 s). */
  periodMs?: number;
}

/** Upstream signalToNodeCondition. */
export const conditionOf = (s: Signal): Condition =>
  s === "memory.available" ? "memory" : s === "pid.available" ? "pid" : "disk";

/** Upstream IsCriticalPod: static or mirror pods, or system-*-critical priority. */
export function isCriticalPod(pod: Pod): boolean {
  const a = pod.metadata?.annotations ?? {};
  if (a["kubernetes.io/config.mirror"] || (a["kubernetes.io/config.source"] ?? "api") !== "api")
    return true;
  return (pod.spec?.priority ?? 0) >= 2_000_000_000;
}

/** True when a toleration of the pod tolerates node.kubernetes.io/memory-pressure:NoSchedule. */
function toleratesMemoryPressure(pod: Pod): boolean {
  return (pod.spec?.tolerations ?? []).some(
    (t) =>
      (!t.effect || t.effect === "NoSchedule") &&
      (t.key === "node.kubernetes.io/memory-pressure" || (!t.key && t.operator === "Exists")) &&
      (t.operator === "Exists" || !t.value),
  );
}

/** Upstream makeSignalObservations: available and capacity per signal. */
export function observe(s: EvictionStats): Map<Signal, { available: number; capacity: number }> {
  const out = new Map<Signal, { available: number; capacity: number }>();
  if (s.memory)
    out.set("memory.available", {
      available: s.memory.availableBytes,
      capacity: s.memory.capacityBytes,
    });
  for (const [prefix, fs] of [
    ["nodefs", s.nodefs],
    ["imagefs", s.imagefs ?? s.nodefs],
  ] as const) {
    if (!fs) continue;
    out.set(`${prefix}.available`, { available: fs.availableBytes, capacity: fs.capacityBytes });
    if (fs.inodesFree !== undefined && fs.inodes !== undefined)
      out.set(`${prefix}.inodesFree`, { available: fs.inodesFree, capacity: fs.inodes });
  }
  if (s.pid) out.set("pid.available", { available: s.pid.available, capacity: s.pid.capacity });
  return out;
}

/** The grace period a pod gets when evicted for `t` (upstream: 1 s hard; soft: the flag, at most the pod's own). */
export function evictionGraceSeconds(t: Threshold, pod: Pod, maxPodGrace: number): number {
  if (isHardThreshold(t)) return 1;
  const own = pod.spec?.terminationGracePeriodSeconds;
  return Math.max(1, own !== undefined ? Math.min(maxPodGrace, own) : maxPodGrace);
}

export class EvictionManager {
  /** When each condition was last observed (upstream nodeConditionsLastObservedAt). */
  private conditionObserved = new Map<Condition, number>();
  /** When each currently met threshold was first met (upstream thresholdsFirstObservedAt). */
  private firstObserved = new Map<Threshold, number>();
  /** Thresholds acted on in the last pass (met for their grace period). */
  private thresholdsMet: Threshold[] = [];
  private timer?: TimerHandle;
  private stopped = false;

  constructor(private readonly o: EvictionManagerOptions) {}

  /** Node conditions as of now. */
  pressure(): NodePressure {
    const now = this.o.clock.now();
    const within = (k: Condition) => {
      const at = this.conditionObserved.get(k);
      return at !== undefined && now - at < (this.o.pressureTransitionMs ?? 300_000);
    };
    return { memory: within("memory"), disk: within("disk"), pid: within("pid") };
  }

  /**
   * Upstream Admit: under any pressure, pods other than critical ones are
   * rejected, except under memory pressure alone, which rejects only
   * BestEffort pods that do not tolerate the memory-pressure taint.
   */
  admit(pod: Pod): { admit: true } | { admit: false; reason: "Evicted"; message: string } {
    const p = this.pressure();
    const conditions = [
      p.memory && "MemoryPressure",
      p.disk && "DiskPressure",
      p.pid && "PIDPressure",
    ].filter((c): c is string => !!c);
    if (!conditions.length || isCriticalPod(pod)) return { admit: true };
    if (conditions.length === 1 && p.memory) {
      if (podQOS(pod) !== "BestEffort") return { admit: true };
      if (toleratesMemoryPressure(pod)) return { admit: true };
    }
    return {
      admit: false,
      reason: "Evicted",
      message: `The node had condition: [${conditions.join(" ")}]. `,
    };
  }

  start(): void {
    const tick = () => {
      if (this.stopped) return;
      this.timer = this.o.clock.after(this.o.periodMs ?? 10_000, () => {
        void this.synchronize()
          .catch((err) => this.o.log.warn("eviction manager failed", { err }))
          .finally(tick);
      });
    };
    tick();
  }

  stop(): void {
    this.stopped = true;
    this.timer?.cancel();
  }

  /** The thresholds met by `stats` (with `enforceMinReclaim`, including their minimum reclaim). */
  private met(list: Threshold[], stats: EvictionStats, enforceMinReclaim: boolean): Threshold[] {
    const obs = observe(stats);
    return list.filter((t) => {
      const o = obs.get(t.signal);
      return o !== undefined && thresholdMet(t, o.available, o.capacity, enforceMinReclaim);
    });
  }

  /** One pass; resolves to the pod evicted, if any. */
  async synchronize(): Promise<Pod | undefined> {
    const stats = await this.o.stats();
    const now = this.o.clock.now();
    const met = this.met(this.o.thresholds, stats, false);
    for (const t of this.met(this.thresholdsMet, stats, true)) if (!met.includes(t)) met.push(t);
    this.firstObserved = new Map(met.map((t) => [t, this.firstObserved.get(t) ?? now]));
    for (const t of met) this.conditionObserved.set(conditionOf(t.signal), now);
    const actionable = met.filter(
      (t) => now - this.firstObserved.get(t)! >= (t.gracePeriodMs ?? 0),
    );
    this.thresholdsMet = actionable;
    if (!actionable.length) return undefined;
    // Memory first, as upstream's byEvictionPriority.
    const t = actionable.find((x) => x.signal === "memory.available") ?? actionable[0];
    const resource = resourceOf(t.signal);
    this.o.nodeEvent?.("EvictionThresholdMet", `Attempting to reclaim ${resource}`);
    if (await this.reclaimNodeLevel(t.signal, stats)) return undefined;
    const candidates = this.o.activePods().filter((p) => !isCriticalPod(p));
    const victim = rankPods(candidates, stats.pods, t.signal, stats.dedicatedImageFs)[0];
    if (!victim) {
      this.o.log.warn("eviction threshold met but no pod to evict", { signal: t.signal });
      return undefined;
    }
    const observed = observe(stats).get(t.signal);
    const message = evictionMessage(
      victim,
      t,
      observed?.available ?? 0,
      stats.pods,
      observed?.capacity,
    );
    this.o.log.info("evicting pod", {
      pod: `${victim.metadata?.namespace}/${victim.metadata?.name}`,
      signal: t.signal,
    });
    await this.o.evict(
      victim,
      message,
      evictionGraceSeconds(t, victim, this.o.maxPodGracePeriodSeconds ?? 0),
    );
    return victim;
  }

  /**
   * Upstream reclaimNodeLevelResources: for disk signals (nodefs ones only
   * when images share the node's file system) reclaims unused containers
   * and images, then true when no threshold is met any more, minimum
   * reclaim included.
   */
  private async reclaimNodeLevel(signal: Signal, before: EvictionStats): Promise<boolean> {
    if (!this.o.reclaimDisk || !isDiskSignal(signal)) return false;
    if (signal.startsWith("nodefs.") && before.dedicatedImageFs) return false;
    try {
      await this.o.reclaimDisk();
    } catch (err) {
      this.o.log.warn("node-level disk reclaim failed", { err });
    }
    const after = await this.o.stats();
    if (this.met(this.o.thresholds, after, true).length) return false;
    this.o.log.info("able to reduce resource pressure without evicting pods", { signal });
    return true;
  }
}
