/**
 * Follows the benchmark's pods through one cluster-wide watch, the way
 * ClusterLoader2's PodStartupLatency measurement does: a pod's "create" time
 * is when the watch first shows it, "schedule" when it first shows a
 * nodeName, "run" when it first shows status.phase Running; pod_startup is
 * create → run. Pods are grouped by their `group` label (load, latency), as
 * CL2 selects `group = load` and `group = latency`; "stateless" is CL2's
 * isPodStateless (only emptyDir, downwardAPI, configMap, secret and projected
 * volumes). Re-lists when the watch ends.
 */
import { performance } from "node:perf_hooks";
import type { Pod } from "kubernetes-types/core/v1.d.ts";
import { podsRef } from "../src/client/resources.ts";
import type { RestClient } from "../src/client/rest-client.ts";

export interface PodTimes {
  group: string;
  /** First seen by the watch (CL2 createPhase). */
  created: number;
  /** First seen with spec.nodeName (CL2 schedulePhase). */
  scheduled?: number;
  /** First seen with status.phase Running (CL2 runPhase = watchPhase). */
  running?: number;
  /** First seen Running or in a terminal phase (a Job pod may skip Running between watch events). */
  ran?: number;
  /** Owned by a ReplicaSet (the Deployment pods the phases wait for). */
  replicaSet: boolean;
  /** CL2's isPodStateless. */
  stateless: boolean;
  finished: boolean;
}

/** CL2's isPodStateless: every volume is emptyDir, downwardAPI, configMap, secret or projected. */
export function isPodStateless(pod: Pod): boolean {
  return (pod.spec?.volumes ?? []).every(
    (v) => !!(v.emptyDir || v.downwardAPI || v.configMap || v.secret || v.projected),
  );
}

/** Transitions (ms) of CL2's pod startup measurement for a set of pods. */
export interface StartupTransitions {
  /** create → run: the SLI the SLO is checked on. */
  podStartup: number[];
  createToSchedule: number[];
  scheduleToRun: number[];
}

export class PodTracker {
  private pods = new Map<string, PodTimes>();
  private abort = new AbortController();
  private done?: Promise<void>;
  /** Pods currently present. */
  live = 0;
  relists = 0;

  constructor(
    private readonly client: RestClient,
    private readonly selector: string,
    private readonly now: () => number = () => performance.now(),
  ) {}

  async start(): Promise<void> {
    let rv = await this.relist();
    this.done = (async () => {
      while (!this.abort.signal.aborted) {
        try {
          for await (const ev of this.client.watch<Pod>(
            podsRef,
            undefined,
            { labelSelector: this.selector, resourceVersion: rv, allowWatchBookmarks: true },
            this.abort.signal,
          )) {
            if (ev.type === "ERROR") break;
            rv = ev.object.metadata?.resourceVersion ?? rv;
            if (ev.type === "BOOKMARK") continue;
            this.observe(ev.object, ev.type === "DELETED");
          }
        } catch {
          // the watch broke: re-list below
        }
        if (this.abort.signal.aborted) return;
        rv = await this.relist().catch(() => rv);
      }
    })();
  }

  private async relist(): Promise<string> {
    const list = await this.client.list<Pod>(podsRef, undefined, { labelSelector: this.selector });
    this.relists++;
    const present = new Set<string>();
    for (const p of list.items) {
      present.add(p.metadata?.uid ?? "");
      this.observe(p, false);
    }
    this.live = present.size;
    for (const [uid, s] of this.pods) if (!present.has(uid) && !s.finished) s.finished = true;
    return list.metadata.resourceVersion ?? "";
  }

  /** Records one observation of a pod (exported for tests). */
  observe(p: Pod, deleted: boolean): void {
    const uid = p.metadata?.uid ?? "";
    const now = this.now();
    let s = this.pods.get(uid);
    if (!s) {
      if (deleted) return;
      s = {
        group: p.metadata?.labels?.group ?? "",
        created: now,
        replicaSet: !!p.metadata?.ownerReferences?.some((o) => o.kind === "ReplicaSet"),
        stateless: isPodStateless(p),
        finished: false,
      };
      this.pods.set(uid, s);
      this.live++;
    }
    if (deleted) {
      if (!s.finished) this.live--;
      s.finished = true;
      return;
    }
    if (s.scheduled === undefined && p.spec?.nodeName) s.scheduled = now;
    const phase = p.status?.phase;
    if (s.running === undefined && phase === "Running") s.running = now;
    if (s.ran === undefined && (phase === "Running" || phase === "Succeeded" || phase === "Failed"))
      s.ran = now;
  }

  /** ReplicaSet-owned pods present and Running, and pods present in total. */
  counts(group?: string): { running: number; replicaSet: number; live: number } {
    let running = 0;
    let replicaSet = 0;
    for (const s of this.pods.values())
      if (s.replicaSet && !s.finished && (group === undefined || s.group === group)) {
        replicaSet++;
        if (s.running !== undefined) running++;
      }
    return { running, replicaSet, live: this.live };
  }

  /** Pods of the group first seen at or after `from`. */
  seenSince(group: string, from = 0): number {
    let n = 0;
    for (const s of this.pods.values()) if (s.group === group && s.created >= from) n++;
    return n;
  }

  /** Pods of the group first seen at or after `from` that have run (Running or terminal). */
  ranSince(group: string, from = 0): number {
    let n = 0;
    for (const s of this.pods.values())
      if (s.group === group && s.created >= from && s.ran !== undefined) n++;
    return n;
  }

  /**
   * CL2's transitions for the pods of a group first seen in [from, to);
   * `stateless` filters as CL2's Stateless check (undefined: all pods).
   */
  transitions(group: string, from = 0, to = Infinity, stateless?: boolean): StartupTransitions {
    const out: StartupTransitions = { podStartup: [], createToSchedule: [], scheduleToRun: [] };
    for (const s of this.pods.values()) {
      if (s.group !== group || s.created < from || s.created >= to) continue;
      if (stateless !== undefined && s.stateless !== stateless) continue;
      if (s.running !== undefined) out.podStartup.push(s.running - s.created);
      if (s.scheduled !== undefined) out.createToSchedule.push(s.scheduled - s.created);
      if (s.scheduled !== undefined && s.running !== undefined)
        out.scheduleToRun.push(s.running - s.scheduled);
    }
    return out;
  }

  /** Pods of the group first seen in [from, to) that never showed Running (missing samples). */
  neverRan(group: string, from = 0, to = Infinity): number {
    let n = 0;
    for (const s of this.pods.values())
      if (s.group === group && s.created >= from && s.created < to && s.running === undefined) n++;
    return n;
  }

  /** Pods bound per second between the first and last scheduling seen in [from, to). */
  bindingThroughput(from = 0, to = Infinity): number {
    const times = [...this.pods.values()]
      .map((s) => s.scheduled)
      .filter((t): t is number => t !== undefined && t >= from && t < to)
      .sort((a, b) => a - b);
    if (times.length < 2) return NaN;
    return ((times.length - 1) / (times[times.length - 1]! - times[0]!)) * 1000;
  }

  async stop(): Promise<void> {
    this.abort.abort();
    await this.done;
  }
}
