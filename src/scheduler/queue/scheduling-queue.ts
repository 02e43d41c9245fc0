/**
 * The scheduling queue, as upstream's PriorityQueue: activeQ (ordered by the
 * profile's QueueSort plugin), backoffQ (pods waiting out their backoff,
 * 1 s doubling to 10 s by default) and unschedulablePods (waiting for a
 * cluster event that could make them schedulable, or 5 minutes).
 * Contract: a pod is in at most one sub-queue, and a popped pod is "in
 * flight" until done(); events seen while it is in flight move it straight
 * to backoff when it fails.
 */
import type { Pod } from "kubernetes-types/core/v1.d.ts";
import type { Clock, TimerHandle } from "../../client/clock.ts";
import type {
  ActionType,
  ClusterEvent,
  ClusterEventResource,
  QueuedPodInfo,
} from "../framework/interfaces.ts";
import { PodInfo } from "../framework/pod-info.ts";
import { Heap } from "../../util/heap.ts";

export interface QueueOptions {
  clock: Clock;
  less(a: QueuedPodInfo, b: QueuedPodInfo): boolean;
  podInitialBackoffMs?: number;
  podMaxBackoffMs?: number;
  /** Unschedulable pods are retried after this long even without an event (5 min). */
  podMaxInUnschedulablePodsDurationMs?: number;
  /** Events each plugin registered (a pod rejected by a plugin waits for that plugin's events). */
  pluginEvents?: ReadonlyMap<string, readonly ClusterEvent[]>;
  /**
   * Called when a pod enters a sub-queue, with upstream's event label
   * (PodAdd, PodUpdate, ScheduleAttemptFailure, BackoffComplete,
   * UnschedulableTimeout, or a cluster event such as NodeAdd or AssignedPodDelete).
   */
  onIncoming?(queue: "active" | "backoff" | "unschedulable", event: string): void;
}

/** Upstream's label of a cluster event (an assigned pod's events are "AssignedPod..."). */
export const clusterEventLabel = (resource: ClusterEventResource, action: ActionType): string =>
  `${resource === "Pod" ? "AssignedPod" : resource}${action}`;

const keyOf = (qp: QueuedPodInfo) => qp.podInfo.key;

export class SchedulingQueue {
  private readonly clock: Clock;
  private readonly activeQ: Heap<QueuedPodInfo>;
  private readonly backoffQ: Heap<QueuedPodInfo>;
  private readonly unschedulable = new Map<string, QueuedPodInfo>();
  private readonly inFlight = new Set<string>();
  /** Keys whose pod got a relevant event while in flight. */
  private readonly eventWhileInFlight = new Set<string>();
  private readonly initialBackoff: number;
  private readonly maxBackoff: number;
  private readonly maxUnschedulable: number;
  private waiters: ((qp: QueuedPodInfo | undefined) => void)[] = [];
  private closed = false;
  private timers: TimerHandle[] = [];
  schedulingCycle = 0;
  private moveRequestCycle = -1;

  constructor(private readonly opts: QueueOptions) {
    this.clock = opts.clock;
    this.initialBackoff = opts.podInitialBackoffMs ?? 1000;
    this.maxBackoff = opts.podMaxBackoffMs ?? 10_000;
    this.maxUnschedulable = opts.podMaxInUnschedulablePodsDurationMs ?? 5 * 60_000;
    this.activeQ = new Heap(keyOf, opts.less);
    this.backoffQ = new Heap(keyOf, (a, b) => this.backoffExpiry(a) < this.backoffExpiry(b));
  }

  /** Starts the periodic flushes (backoffQ every 1 s, unschedulable every 30 s). */
  run(): void {
    const every = (ms: number, fn: () => void) => {
      const tick = () => {
        if (this.closed) return;
        fn();
        this.timers.push(this.clock.after(ms, tick));
      };
      this.timers.push(this.clock.after(ms, tick));
    };
    every(1000, () => this.flushBackoffQCompleted());
    every(30_000, () => this.flushUnschedulablePodsLeftover());
  }

  close(): void {
    this.closed = true;
    for (const t of this.timers) t.cancel();
    for (const w of this.waiters.splice(0)) w(undefined);
  }

  /** Sizes of the sub-queues (for metrics). */
  sizes(): { active: number; backoff: number; unschedulable: number; inFlight: number } {
    return {
      active: this.activeQ.size,
      backoff: this.backoffQ.size,
      unschedulable: this.unschedulable.size,
      inFlight: this.inFlight.size,
    };
  }

  private newQueued(pod: Pod): QueuedPodInfo {
    const now = this.clock.now();
    return {
      podInfo: new PodInfo(pod),
      timestamp: now,
      attempts: 0,
      unschedulablePlugins: new Set(),
      pendingPlugins: new Set(),
    };
  }

  private toActive(qp: QueuedPodInfo, event: string): void {
    this.opts.onIncoming?.("active", event);
    const w = this.waiters.shift();
    if (w) {
      this.markInFlight(qp);
      w(qp);
    } else this.activeQ.addOrUpdate(qp);
  }

  private toBackoff(qp: QueuedPodInfo, event: string): void {
    this.opts.onIncoming?.("backoff", event);
    this.backoffQ.addOrUpdate(qp);
  }

  /** To backoffQ while the pod's backoff lasts, else to activeQ. */
  private toActiveOrBackoff(qp: QueuedPodInfo, event: string): void {
    if (this.isBackingOff(qp)) this.toBackoff(qp, event);
    else this.toActive(qp, event);
  }

  private markInFlight(qp: QueuedPodInfo): void {
    this.schedulingCycle++;
    qp.attempts++;
    // As upstream's pop: the next attempt starts with no rejecting plugins
    // (so the pod no longer counts in scheduler_unschedulable_pods).
    qp.unschedulablePlugins.clear();
    qp.pendingPlugins.clear();
    qp.initialAttemptTimestamp ??= this.clock.now();
    this.inFlight.add(qp.podInfo.key);
  }

  /** A new pending pod. */
  add(pod: Pod, event = "PodAdd"): void {
    const qp = this.newQueued(pod);
    this.backoffQ.delete(qp.podInfo.key);
    this.unschedulable.delete(qp.podInfo.key);
    this.toActive(qp, event);
  }

  /** A pending pod changed: refresh it where it is; a changed unschedulable pod gets another try. */
  update(pod: Pod): void {
    const key = `${pod.metadata?.namespace ?? ""}/${pod.metadata?.name ?? ""}`;
    const refresh = (qp: QueuedPodInfo) => ({ ...qp, podInfo: new PodInfo(pod) });
    const active = this.activeQ.get(key);
    if (active) return this.activeQ.addOrUpdate(refresh(active));
    const backoff = this.backoffQ.get(key);
    if (backoff) return this.backoffQ.addOrUpdate(refresh(backoff));
    const unsched = this.unschedulable.get(key);
    if (unsched) {
      const old = unsched.podInfo.pod;
      const changed =
        JSON.stringify(old.spec) !== JSON.stringify(pod.spec) ||
        JSON.stringify(old.metadata?.labels) !== JSON.stringify(pod.metadata?.labels);
      if (!changed) return void this.unschedulable.set(key, refresh(unsched));
      this.unschedulable.delete(key);
      this.toActiveOrBackoff(refresh(unsched), "PodUpdate");
      return;
    }
    if (this.inFlight.has(key)) return;
    this.add(pod, "PodUpdate");
  }

  delete(pod: Pod): void {
    const key = `${pod.metadata?.namespace ?? ""}/${pod.metadata?.name ?? ""}`;
    this.activeQ.delete(key);
    this.backoffQ.delete(key);
    this.unschedulable.delete(key);
  }

  /** The next pod to schedule; waits while activeQ is empty; undefined once closed. */
  pop(): Promise<QueuedPodInfo | undefined> {
    if (this.closed) return Promise.resolve(undefined);
    const qp = this.activeQ.pop();
    if (qp) {
      this.markInFlight(qp);
      return Promise.resolve(qp);
    }
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** The popped pod's attempt is over (scheduled or requeued). */
  done(key: string): void {
    this.inFlight.delete(key);
    this.eventWhileInFlight.delete(key);
  }

  /**
   * Requeues a pod that failed this cycle: to backoffQ when a move request
   * happened since it was popped, when it failed with an error, or when an
   * event reached it in flight; otherwise to unschedulablePods.
   */
  addUnschedulable(qp: QueuedPodInfo, podSchedulingCycle: number): void {
    const key = qp.podInfo.key;
    if (this.activeQ.has(key) || this.backoffQ.has(key) || this.unschedulable.has(key)) return;
    qp.timestamp = this.clock.now();
    const retryNow =
      this.moveRequestCycle >= podSchedulingCycle ||
      qp.unschedulablePlugins.size === 0 ||
      this.eventWhileInFlight.has(key);
    if (retryNow) this.toBackoff(qp, "ScheduleAttemptFailure");
    else {
      this.opts.onIncoming?.("unschedulable", "ScheduleAttemptFailure");
      this.unschedulable.set(key, qp);
    }
    this.done(key);
  }

  backoffDuration(qp: QueuedPodInfo): number {
    let d = this.initialBackoff;
    for (let i = 1; i < qp.attempts; i++) {
      d *= 2;
      if (d >= this.maxBackoff) return this.maxBackoff;
    }
    return Math.min(d, this.maxBackoff);
  }

  private backoffExpiry(qp: QueuedPodInfo): number {
    return qp.timestamp + this.backoffDuration(qp);
  }

  private isBackingOff(qp: QueuedPodInfo): boolean {
    return this.backoffExpiry(qp) > this.clock.now();
  }

  flushBackoffQCompleted(): void {
    const now = this.clock.now();
    for (;;) {
      const top = this.backoffQ.peek();
      if (!top || this.backoffExpiry(top) > now) return;
      this.backoffQ.pop();
      this.toActive(top, "BackoffComplete");
    }
  }

  flushUnschedulablePodsLeftover(): void {
    const now = this.clock.now();
    for (const [key, qp] of this.unschedulable) {
      if (now - qp.timestamp < this.maxUnschedulable) continue;
      this.unschedulable.delete(key);
      this.toActiveOrBackoff(qp, "UnschedulableTimeout");
    }
  }

  private relevant(qp: QueuedPodInfo, resource: ClusterEventResource, action: ActionType): boolean {
    if (qp.unschedulablePlugins.size === 0) return true;
    const map = this.opts.pluginEvents;
    if (!map) return true;
    for (const plugin of qp.unschedulablePlugins) {
      const events = map.get(plugin);
      if (!events) return true;
      if (events.some((e) => e.resource === resource && e.actions.includes(action))) return true;
    }
    return false;
  }

  /** A cluster event: unschedulable pods it may help go to activeQ (or backoffQ if still backing off). */
  moveAllToActiveOrBackoffQueue(resource: ClusterEventResource, action: ActionType): void {
    const label = clusterEventLabel(resource, action);
    for (const [key, qp] of this.unschedulable) {
      if (!this.relevant(qp, resource, action)) continue;
      this.unschedulable.delete(key);
      this.toActiveOrBackoff(qp, label);
    }
    for (const key of this.inFlight) this.eventWhileInFlight.add(key);
    this.moveRequestCycle = this.schedulingCycle;
  }

  /**
   * scheduler_unschedulable_pods as upstream: a pod counts for every plugin
   * that rejected (or left pending) its last attempt, from its requeue after
   * that failure (into any sub-queue: unschedulablePods, backoffQ, or activeQ
   * after a move) until it is popped for its next attempt or deleted.
   */
  unschedulableByPlugin(): { plugin: string; profile: string; count: number }[] {
    const counts = new Map<string, { plugin: string; profile: string; count: number }>();
    const queued = [
      ...this.activeQ.list(),
      ...this.backoffQ.list(),
      ...this.unschedulable.values(),
    ];
    for (const qp of queued) {
      const profile = qp.podInfo.pod.spec?.schedulerName ?? "default-scheduler";
      for (const plugin of new Set([...qp.unschedulablePlugins, ...qp.pendingPlugins])) {
        const k = `${plugin}\0${profile}`;
        const c = counts.get(k);
        if (c) c.count++;
        else counts.set(k, { plugin, profile, count: 1 });
      }
    }
    return [...counts.values()];
  }

  /** Pending pods of every sub-queue (for debugging and tests). */
  pendingPods(): Pod[] {
    return [...this.activeQ.list(), ...this.backoffQ.list(), ...this.unschedulable.values()].map(
      (qp) => qp.podInfo.pod,
    );
  }
}
