/**
 * One pod's trip through the framework (upstream schedule_one.go): the
 * synchronous scheduling cycle, PostFilter (preemption) on failure, assume +
 * Reserve + Permit, then the binding cycle (PreBind, Bind) in the background.
 * Failures become a FailedScheduling event, the PodScheduled=False condition
 * (and nominatedNodeName), and a requeue.
 */
import type { Pod, PodCondition } from "kubernetes-types/core/v1.d.ts";
import type { KObject } from "../api/types.ts";
import type { Clock } from "../client/clock.ts";
import type { EventsRecorder } from "./events/event-broadcaster.ts";
import type { RestClient } from "../client/rest-client.ts";
import { podsRef } from "../client/resources.ts";
import { isNotFound } from "../client/api-error.ts";
import type { SchedulerCache } from "./cache/cache.ts";
import { CycleState } from "./framework/cycle-state.ts";
import type { Framework } from "./framework/framework.ts";
import type { QueuedPodInfo } from "./framework/interfaces.ts";
import { PodInfo } from "./framework/pod-info.ts";
import { Code } from "./framework/status.ts";
import type { SchedulerMetrics } from "./metrics/metrics.ts";
import type { SchedulingQueue } from "./queue/scheduling-queue.ts";
import { fitErrorOf, GenericScheduler } from "./schedule-pod.ts";

export interface ScheduleOneDeps {
  client: RestClient;
  cache: SchedulerCache;
  queue: SchedulingQueue;
  metrics: SchedulerMetrics;
  clock: Clock;
  log(msg: string, fields?: Record<string, unknown>): void;
  frameworks: ReadonlyMap<string, Framework>;
  recorders: ReadonlyMap<string, EventsRecorder>;
  /** The informer's current copy of a pod ("namespace/name"). */
  currentPod(key: string): Pod | undefined;
}

const asEventObject = (pod: Pod): KObject => ({
  ...(pod as KObject),
  apiVersion: "v1",
  kind: "Pod",
});

export class ScheduleOne {
  private readonly algorithm = new GenericScheduler();
  private readonly binding = new Set<Promise<void>>();

  constructor(private readonly d: ScheduleOneDeps) {}

  /** Bind operations in flight (scheduler_goroutines{operation="binding"}). */
  bindingInFlight(): number {
    return this.binding.size;
  }

  /** Waits for binds in flight (shutdown, tests). */
  async drain(): Promise<void> {
    while (this.binding.size) await Promise.all([...this.binding]);
  }

  async scheduleOne(qp: QueuedPodInfo): Promise<void> {
    const { d } = this;
    const pi = qp.podInfo;
    const fw = d.frameworks.get(pi.pod.spec?.schedulerName ?? "default-scheduler");
    const current = d.currentPod(pi.key);
    if (!fw || !current || current.metadata?.deletionTimestamp || current.spec?.nodeName) {
      d.queue.done(pi.key);
      return;
    }
    const start = d.clock.now();
    const cycle = d.queue.schedulingCycle;
    const state = new CycleState();
    const algoStart = performance.now();
    const result = this.algorithm.schedulePod(fw, d.cache, state, pi);
    d.metrics.algorithm((performance.now() - algoStart) / 1000);
    if (!result.ok) {
      if (result.kind === "error") {
        qp.unschedulablePlugins.clear();
        const reason = result.noNodes ? "Unschedulable" : "SchedulerError";
        if (result.noNodes) qp.unschedulablePlugins.add("NodeName");
        d.metrics.attempt(
          result.noNodes ? "unschedulable" : "error",
          fw.profileName,
          (d.clock.now() - start) / 1000,
        );
        this.failure(fw, qp, cycle, result.message, reason);
        return;
      }
      qp.unschedulablePlugins = new Set(result.diagnosis.unschedulablePlugins);
      let postFilterMsg: string | undefined;
      let nominated: string | undefined;
      if (fw.plugins.postFilter.length) {
        const pf = await fw.runPostFilterPlugins(state, pi, result.diagnosis.nodeStatuses);
        if (pf.status && pf.status.code !== Code.Success) postFilterMsg = pf.status.message();
        nominated = pf.nominatedNodeName;
        if (fw.plugins.postFilter.some((p) => p.name === "DefaultPreemption"))
          d.metrics.preemption(nominated ? (pf.victims ?? 0) : 0);
      }
      d.metrics.attempt("unschedulable", fw.profileName, (d.clock.now() - start) / 1000);
      this.failure(fw, qp, cycle, fitErrorOf(result, postFilterMsg), "Unschedulable", nominated);
      return;
    }
    const host = result.host;
    const assumed = d.cache.assumePod(pi, host);
    const reserve = fw.runReservePluginsReserve(state, assumed, host);
    const permit = reserve ?? fw.runPermitPlugins(state, assumed, host);
    if (permit) {
      fw.runReservePluginsUnreserve(state, assumed, host);
      d.cache.forgetPod(pi.key);
      if (permit.isRejected()) qp.unschedulablePlugins = new Set([permit.plugin]);
      d.metrics.attempt(
        permit.isRejected() ? "unschedulable" : "error",
        fw.profileName,
        (d.clock.now() - start) / 1000,
      );
      this.failure(
        fw,
        qp,
        cycle,
        permit.message(),
        permit.isRejected() ? "Unschedulable" : "SchedulerError",
      );
      return;
    }
    d.queue.done(pi.key);
    const p = this.bind(fw, state, qp, assumed, host, start, cycle);
    this.binding.add(p);
    void p.finally(() => this.binding.delete(p));
  }

  private async bind(
    fw: Framework,
    state: CycleState,
    qp: QueuedPodInfo,
    assumed: PodInfo,
    host: string,
    start: number,
    cycle: number,
  ): Promise<void> {
    const { d } = this;
    const status =
      (await fw.runPreBindPlugins(state, assumed, host)) ??
      (await fw.runBindPlugins(state, assumed, host));
    if (status) {
      fw.runReservePluginsUnreserve(state, assumed, host);
      d.cache.forgetPod(assumed.key);
      d.queue.moveAllToActiveOrBackoffQueue("Pod", "Delete");
      d.metrics.attempt("error", fw.profileName, (d.clock.now() - start) / 1000);
      if (isNotFound(status.err)) return;
      qp.unschedulablePlugins.clear();
      this.failure(fw, qp, cycle, `Binding rejected: ${status.message()}`, "SchedulerError");
      return;
    }
    const now = d.clock.now();
    d.metrics.attempt("scheduled", fw.profileName, (now - start) / 1000);
    d.metrics.scheduled(qp.attempts, (now - (qp.initialAttemptTimestamp ?? start)) / 1000);
    const meta = assumed.pod.metadata ?? {};
    d.recorders
      .get(fw.profileName)
      ?.eventf(
        asEventObject(assumed.pod),
        undefined,
        "Normal",
        "Scheduled",
        "Binding",
        `Successfully assigned ${meta.namespace}/${meta.name} to ${host}`,
      );
  }

  /** Reports the failure and requeues the pod (unless it is gone or bound meanwhile). */
  private failure(
    fw: Framework,
    qp: QueuedPodInfo,
    cycle: number,
    message: string,
    reason: "Unschedulable" | "SchedulerError",
    nominatedNodeName?: string,
  ): void {
    const { d } = this;
    const key = qp.podInfo.key;
    const current = d.currentPod(key);
    if (!current || current.spec?.nodeName) {
      d.queue.done(key);
      return;
    }
    qp.podInfo = new PodInfo({
      ...current,
      spec: { ...current.spec!, priority: qp.podInfo.priority },
    });
    d.queue.addUnschedulable(qp, cycle);
    d.log("pod unschedulable", { pod: key, reason, message });
    d.recorders
      .get(fw.profileName)
      ?.eventf(
        asEventObject(current),
        undefined,
        "Warning",
        "FailedScheduling",
        "Scheduling",
        message,
      );
    void this.updateStatus(current, message, reason, nominatedNodeName);
  }

  /** Sets PodScheduled=False (and nominatedNodeName) when they differ from what the pod shows. */
  private async updateStatus(
    pod: Pod,
    message: string,
    reason: string,
    nominated?: string,
  ): Promise<void> {
    const conditions = pod.status?.conditions ?? [];
    const old = conditions.find((c) => c.type === "PodScheduled");
    const sameCondition =
      old && old.status === "False" && old.reason === reason && old.message === message;
    const sameNominated = !nominated || pod.status?.nominatedNodeName === nominated;
    if (sameCondition && sameNominated) return;
    const stamp = new Date(this.d.clock.now()).toISOString().replace(/\.\d{3}Z$/, "Z");
    const cond: PodCondition = {
      type: "PodScheduled",
      status: "False",
      reason,
      message,
      lastProbeTime: null as unknown as string,
      lastTransitionTime:
        old?.status === "False" && old.lastTransitionTime ? old.lastTransitionTime : stamp,
    };
    // A strategic merge patch merges conditions by type (as upstream's
    // scheduler patches): a whole-list merge patch built from the cache
    // could drop a condition the kubelet or a controller wrote meanwhile.
    const status: Record<string, unknown> = { conditions: [cond] };
    if (nominated) status.nominatedNodeName = nominated;
    const meta = pod.metadata ?? {};
    try {
      await this.d.client.patch(
        podsRef,
        meta.namespace,
        meta.name ?? "",
        "strategic",
        { status },
        { subresource: "status" },
      );
    } catch (err) {
      if (!isNotFound(err))
        this.d.log("cannot update pod status", {
          pod: `${meta.namespace}/${meta.name}`,
          err: String(err),
        });
    }
  }
}
