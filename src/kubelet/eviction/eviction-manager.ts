/**
 * Node-pressure eviction as upstream's kubelet eviction manager, for hard
 * thresholds: every monitoring period (10 s) the node's memory and file
 * systems are observed; a threshold met puts the node under MemoryPressure
 * (memory.available) or DiskPressure (nodefs.*, imagefs.*), which lasts
 * until no threshold of that kind was met for the pressure transition
 * period (5 min). While a threshold is met, at most one pod is evicted per
 * period: active pods, critical ones (static, mirror, system-*-critical)
 * excepted, ranked as upstream (usage above requests first, then lower
 * priority, then larger usage above requests), killed with a 1 s grace
 * period and marked Failed with reason Evicted and upstream's message.
 */
import type { Pod } from "kubernetes-types/core/v1.d.ts";
import type { Clock, TimerHandle } from "../../client/clock.ts";
import type { Logger } from "../../util/logger.ts";
import { quantityValue } from "../pod/qos.ts";
import { formatBinary, thresholdMet, type Signal, type Threshold } from "./thresholds.ts";

/** What the eviction manager observes each period. */
export interface EvictionStats {
  memory?: { availableBytes: number; capacityBytes: number };
  nodefs?: { availableBytes: number; capacityBytes: number; inodesFree?: number; inodes?: number };
  imagefs?: { availableBytes: number; capacityBytes: number; inodesFree?: number; inodes?: number };
  /** Per pod uid: each container's memory working set and disk use (writable layer + logs). */
  pods: Map<string, { name: string; memoryBytes: number; diskBytes: number }[]>;
}

export interface EvictionManagerOptions {
  clock: Clock;
  log: Logger;
  thresholds: Threshold[];
  stats(): Promise<EvictionStats>;
  /** The pods the kubelet runs that are not yet terminal. */
  activePods(): Pod[];
  /** Kills the pod and marks it evicted; resolves once it is stopped. */
  evict(pod: Pod, message: string, graceSeconds: number): Promise<void>;
  /** evictionPressureTransitionPeriod (default 5 min). */
  pressureTransitionMs?: number;
  /** Monitoring period (default 10 s). */
  periodMs?: number;
}

type Resource = "memory" | "ephemeral-storage";

const resourceOf = (s: Signal): Resource =>
  s === "memory.available" ? "memory" : "ephemeral-storage";

/** Upstream IsCriticalPod: static or mirror pods, or system-*-critical priority. */
export function isCriticalPod(pod: Pod): boolean {
  const a = pod.metadata?.annotations ?? {};
  if (a["kubernetes.io/config.mirror"] || (a["kubernetes.io/config.source"] ?? "api") !== "api")
    return true;
  return (pod.spec?.priority ?? 0) >= 2_000_000_000;
}

function observed(
  t: Threshold,
  s: EvictionStats,
): { available: number; capacity: number } | undefined {
  switch (t.signal) {
    case "memory.available":
      return s.memory && { available: s.memory.availableBytes, capacity: s.memory.capacityBytes };
    case "nodefs.available":
    case "imagefs.available": {
      const fs = t.signal === "nodefs.available" ? s.nodefs : s.imagefs;
      return fs && { available: fs.availableBytes, capacity: fs.capacityBytes };
    }
    default: {
      const fs = t.signal === "nodefs.inodesFree" ? s.nodefs : s.imagefs;
      return fs?.inodesFree !== undefined && fs.inodes !== undefined
        ? { available: fs.inodesFree, capacity: fs.inodes }
        : undefined;
    }
  }
}

const request = (pod: Pod, name: string, r: Resource): number =>
  quantityValue(
    pod.spec?.containers.find((c) => c.name === name)?.resources?.requests?.[r] as
      string | undefined,
  );

/** Pods in eviction order for the resource (upstream rankMemoryPressure / rankDiskPressure). */
export function rankPods(pods: Pod[], stats: EvictionStats, r: Resource): Pod[] {
  const key = (p: Pod) => {
    const containers = stats.pods.get(p.metadata?.uid ?? "") ?? [];
    let usage = 0;
    let requests = 0;
    for (const c of p.spec?.containers ?? []) requests += request(p, c.name, r);
    for (const c of containers) usage += r === "memory" ? c.memoryBytes : c.diskBytes;
    return { exceeds: usage > requests, priority: p.spec?.priority ?? 0, over: usage - requests };
  };
  const keys = new Map(pods.map((p) => [p, key(p)]));
  return [...pods].sort((a, b) => {
    const ka = keys.get(a)!;
    const kb = keys.get(b)!;
    if (ka.exceeds !== kb.exceeds) return ka.exceeds ? -1 : 1;
    if (ka.priority !== kb.priority) return ka.priority - kb.priority;
    return kb.over - ka.over;
  });
}

/** Upstream evictionMessage. */
export function evictionMessage(
  pod: Pod,
  r: Resource,
  t: Threshold,
  available: number,
  stats: EvictionStats,
): string {
  let msg = `The node was low on resource: ${r}. `;
  if (t.quantity !== undefined)
    msg += `Threshold quantity: ${t.quantity}, available: ${t.signal.includes("inodes") ? available : formatBinary(available)}. `;
  for (const c of stats.pods.get(pod.metadata?.uid ?? "") ?? []) {
    if (!pod.spec?.containers.some((x) => x.name === c.name)) continue;
    const usage = r === "memory" ? c.memoryBytes : c.diskBytes;
    const req = request(pod, c.name, r);
    if (usage > req)
      msg += `Container ${c.name} was using ${formatBinary(usage)}, request is ${formatBinary(req)}, has larger consumption of ${r}. `;
  }
  return msg;
}

export class EvictionManager {
  private lastMet = new Map<"memory" | "disk", number>();
  private timer?: TimerHandle;
  private stopped = false;

  constructor(private readonly o: EvictionManagerOptions) {}

  /** Node conditions: MemoryPressure / DiskPressure as of now. */
  pressure(): { memory: boolean; disk: boolean } {
    const now = this.o.clock.now();
    const within = (k: "memory" | "disk") => {
      const at = this.lastMet.get(k);
      return at !== undefined && now - at < (this.o.pressureTransitionMs ?? 300_000);
    };
    return { memory: within("memory"), disk: within("disk") };
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

  /** One pass; resolves to the pod evicted, if any. */
  async synchronize(): Promise<Pod | undefined> {
    const stats = await this.o.stats();
    const now = this.o.clock.now();
    const met: { t: Threshold; available: number }[] = [];
    for (const t of this.o.thresholds) {
      const obs = observed(t, stats);
      if (obs && thresholdMet(t, obs.available, obs.capacity))
        met.push({ t, available: obs.available });
    }
    for (const m of met)
      this.lastMet.set(m.t.signal === "memory.available" ? "memory" : "disk", now);
    if (!met.length) return undefined;
    // Memory first, as upstream orders the signals it reclaims.
    const first = met.find((m) => m.t.signal === "memory.available") ?? met[0];
    const r = resourceOf(first.t.signal);
    const candidates = this.o.activePods().filter((p) => !isCriticalPod(p));
    const victim = rankPods(candidates, stats, r)[0];
    if (!victim) {
      this.o.log.warn("eviction threshold met but no pod to evict", { signal: first.t.signal });
      return undefined;
    }
    const message = evictionMessage(victim, r, first.t, first.available, stats);
    this.o.log.info("evicting pod", {
      pod: `${victim.metadata?.namespace}/${victim.metadata?.name}`,
      signal: first.t.signal,
    });
    await this.o.evict(victim, message, 1);
    return victim;
  }
}
