/**
 * The node lifecycle controller: watches node heartbeats (Lease renewals and
 * Ready condition updates, timed on this controller's own clock), marks a
 * silent node's conditions Unknown after nodeMonitorGracePeriod, keeps the
 * not-ready / unreachable / unschedulable taints in step with the node's
 * state, marks pods on lost nodes not ready, and evicts pods from nodes with
 * NoExecute taints they do not tolerate (after their tolerationSeconds).
 * NoExecute taints are added at a per-zone rate (upstream's zone states:
 * --node-eviction-rate, --secondary-node-eviction-rate,
 * --unhealthy-zone-threshold, --large-cluster-size-threshold), and not at all
 * while every zone is fully disrupted.
 */
import type { KObject } from "../../api/types.ts";
import { isConflict, isNotFound } from "../../client/api-error.ts";
import type { Clock, TimerHandle } from "../../client/clock.ts";
import type { EventRecorder } from "../../client/event-recorder.ts";
import type { InformerFactory } from "../../client/informer/informer-factory.ts";
import type { SharedInformer } from "../../client/informer/shared-informer.ts";
import { nodeNameIndex, objectKey } from "../../client/informer/store.ts";
import type { RestClient } from "../../client/rest-client.ts";
import { leasesRef, nodesRef, podsRef } from "../../client/resources.ts";
import { WorkQueue, runWorkers } from "../../client/workqueue/queue.ts";
import type { WorkQueueMetricsProvider } from "../../client/workqueue/metrics.ts";
import type { Pod } from "../util/pods.ts";
import {
  evictionDelayMs,
  type Node,
  type NodeCondition,
  type Taint,
  type Toleration,
} from "./taints.ts";
import { NoExecuteTainter, writeNodeTaints } from "./no-execute-tainter.ts";
import type { ZoneEvictionOptions, ZoneState } from "./zones.ts";
import { waitForCacheSync } from "../../client/informer/shared-informer.ts";

export const taintNotReady = "node.kubernetes.io/not-ready";
/** Node conditions that, while True, carry a NoSchedule taint (upstream's map). */
export const PRESSURE_TAINTS: Record<string, string> = {
  MemoryPressure: "node.kubernetes.io/memory-pressure",
  DiskPressure: "node.kubernetes.io/disk-pressure",
  PIDPressure: "node.kubernetes.io/pid-pressure",
  NetworkUnavailable: "node.kubernetes.io/network-unavailable",
};
export const taintUnreachable = "node.kubernetes.io/unreachable";
export const taintUnschedulable = "node.kubernetes.io/unschedulable";
/** The taints this controller adds and removes. */
const MANAGED_TAINTS = new Set([
  taintNotReady,
  taintUnreachable,
  taintUnschedulable,
  ...Object.values(PRESSURE_TAINTS),
]);

type Lease = KObject & { spec?: { renewTime?: string } };

/** A node's NoExecute taints as a comparable string ("" when none). */
function noExecuteTaintsOf(node: Node | undefined): string {
  const taints = (node?.spec?.taints ?? []).filter((t) => t.effect === "NoExecute");
  return taints.length ? JSON.stringify(taints) : "";
}

function tolerationsOf(pod: Pod): string {
  return JSON.stringify((pod.spec as { tolerations?: unknown } | undefined)?.tolerations ?? []);
}

function stamp(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");
}

export interface NodeLifecycleOptions {
  client: RestClient;
  informers: InformerFactory;
  clock: Clock;
  /** Work queue metrics (workqueue_* with name=<queue>). */
  queueMetrics?: WorkQueueMetricsProvider;
  recorder: EventRecorder;
  /** Upstream default 50 s (v1.32). */
  nodeMonitorGracePeriodMs?: number;
  /** Upstream default 5 s. */
  nodeMonitorPeriodMs?: number;
  /** How often queued NoExecute taints are tried (upstream NodeEvictionPeriod, 100 ms). */
  nodeEvictionPeriodMs?: number;
  /** Eviction rates and thresholds (upstream defaults). */
  zoneEviction?: Partial<ZoneEvictionOptions>;
}

export class NodeLifecycleController {
  /** Nodes with something to write (names). */
  readonly queue: WorkQueue;
  /** Pods to look at for taint-based eviction (keys "namespace/name"). */
  readonly podQueue: WorkQueue;
  private readonly nodes: SharedInformer<Node>;
  private readonly leases: SharedInformer<Lease>;
  private readonly pods: SharedInformer<Pod>;
  private readonly grace: number;
  private readonly period: number;
  /** Per node: the last heartbeat seen and when (on our clock) we saw it change. */
  private heartbeats = new Map<string, { seen: string; at: number }>();
  private ticker?: TimerHandle;
  private evictionTicker?: TimerHandle;
  private readonly tainter: NoExecuteTainter;

  constructor(private readonly opts: NodeLifecycleOptions) {
    this.queue = new WorkQueue({
      clock: opts.clock,
      name: "node_lifecycle_controller",
      metrics: opts.queueMetrics,
    });
    this.podQueue = new WorkQueue({
      clock: opts.clock,
      name: "node_lifecycle_controller_pods",
      metrics: opts.queueMetrics,
    });
    this.grace = opts.nodeMonitorGracePeriodMs ?? 50_000;
    this.period = opts.nodeMonitorPeriodMs ?? 5_000;
    this.nodes = opts.informers.informerFor<Node>(nodesRef);
    // All namespaces, as upstream's shared Lease informer (read here only in
    // kube-node-lease): the garbage collector watches every Lease anyway, so
    // one watch (and in `k8ts server` one shared reflector) serves both; a
    // namespaced one was a second server watch decoding every renewal again.
    this.leases = opts.informers.informerFor<Lease>(leasesRef);
    this.pods = opts.informers.informerFor<Pod>(podsRef);
    this.pods.indexer.addIndex("nodeName", nodeNameIndex);
    this.tainter = new NoExecuteTainter({
      client: opts.client,
      nodes: this.nodes,
      clock: opts.clock,
      zoneEviction: opts.zoneEviction,
      // Leaving all-zones FullDisruption: every node's grace period starts afresh.
      onExitFullDisruption: (nodes) => {
        const now = opts.clock.now();
        for (const node of nodes)
          this.heartbeats.set(node.metadata?.name ?? "", { seen: this.heartbeatOf(node), at: now });
      },
    });
    const byName = (o: KObject) => this.queue.add(o.metadata?.name ?? "");
    // A node's NoExecute taints decide its pods' fate: look at them when those
    // change (upstream's taint manager NodeUpdated), not on every heartbeat.
    const nodeChanged = (old: Node | undefined, n: Node) => {
      byName(n);
      if (noExecuteTaintsOf(old) === noExecuteTaintsOf(n)) return;
      for (const p of this.pods.indexer.byIndex("nodeName", n.metadata?.name ?? "")) {
        this.podQueue.add(objectKey(p));
      }
    };
    this.nodes.addEventHandler({
      add: (n) => nodeChanged(undefined, n),
      update: nodeChanged,
      delete: (n) => this.heartbeats.delete(n.metadata?.name ?? ""),
    });
    // Leases are read from the cache on each monitor pass, never handled one by
    // one: upstream's controller has no Lease event handler, and a renewal
    // (every node, every 10 s) queued a whole monitorNode pass each.
    // As upstream's PodUpdated: only a pod's node or tolerations change its
    // fate, and only on a node with NoExecute taints.
    const podChanged = (old: Pod | undefined, p: Pod) => {
      const nodeName = p.spec?.nodeName;
      if (!nodeName || noExecuteTaintsOf(this.nodes.indexer.get(nodeName)) === "") return;
      if (old && old.spec?.nodeName === nodeName && tolerationsOf(old) === tolerationsOf(p)) return;
      this.podQueue.add(objectKey(p));
    };
    this.pods.addEventHandler({ add: (p) => podChanged(undefined, p), update: podChanged });
  }

  async run(workers: number, signal: AbortSignal): Promise<void> {
    signal.addEventListener(
      "abort",
      () => {
        this.queue.shutDown();
        this.podQueue.shutDown();
        this.ticker?.cancel();
        this.evictionTicker?.cancel();
      },
      { once: true },
    );
    if (!(await waitForCacheSync(signal, [this.nodes, this.leases, this.pods]))) return;
    const tick = () => {
      this.monitorPass();
      void this.handleDisruption().catch(() => {});
      this.ticker = this.opts.clock.after(this.period, tick);
    };
    tick();
    const evictionTick = () => {
      void this.doNoExecuteTaintingPass()
        .catch(() => {})
        .finally(() => {
          if (!signal.aborted)
            this.evictionTicker = this.opts.clock.after(
              this.opts.nodeEvictionPeriodMs ?? 100,
              evictionTick,
            );
        });
    };
    evictionTick();
    await Promise.all([
      runWorkers(this.queue, workers, (name) => this.monitorNode(name)),
      runWorkers(this.podQueue, workers, (key) => this.processPod(key)),
    ]);
  }

  /** The freshest heartbeat the node has given: its Lease renewal or Ready heartbeat. */
  private heartbeatOf(node: Node): string {
    const lease = this.leases.indexer.get(`kube-node-lease/${node.metadata?.name}`);
    const ready = node.status?.conditions?.find((c) => c.type === "Ready");
    return `${lease?.spec?.renewTime ?? ""}|${ready?.lastHeartbeatTime ?? ""}`;
  }

  /**
   * Upstream's monitorNodeHealth pass (every nodeMonitorPeriod): a plain loop
   * over the cached nodes that notes each one's heartbeat and queues only the
   * nodes with something to write (conditions to mark Unknown, taints to
   * change); a healthy node costs no queue round trip.
   */
  monitorPass(): void {
    const now = this.opts.clock.now();
    for (const node of this.nodes.indexer.list()) {
      const { silentFor, ready } = this.observe(node, now);
      const stale = silentFor >= this.grace && ready !== "Unknown";
      if (stale || this.taintsWanted(node, ready)) this.queue.add(node.metadata?.name ?? "");
    }
  }

  /** Notes the node's heartbeat; how long it has been silent (on our clock) and its Ready status. */
  private observe(node: Node, now: number): { silentFor: number; ready: string | undefined } {
    const name = node.metadata?.name ?? "";
    const beat = this.heartbeatOf(node);
    let prev = this.heartbeats.get(name);
    if (!prev || prev.seen !== beat) this.heartbeats.set(name, (prev = { seen: beat, at: now }));
    const ready = node.status?.conditions?.find((c) => c.type === "Ready")?.status;
    return { silentFor: now - prev.at, ready };
  }

  async monitorNode(name: string): Promise<void> {
    const node = this.nodes.indexer.get(name);
    if (!node) return;
    const now = this.opts.clock.now();
    const { silentFor } = this.observe(node, now);
    let conditions = node.status?.conditions ?? [];
    let ready = conditions.find((c) => c.type === "Ready");
    if (silentFor >= this.grace && ready?.status !== "Unknown") {
      conditions = this.markUnknown(conditions, now);
      const updated = await this.writeStatus(node, conditions);
      if (!updated) return;
      ready = conditions.find((c) => c.type === "Ready");
      this.opts.recorder.event(
        node,
        "Normal",
        "NodeNotReady",
        `Node ${name} status is now: NodeNotReady`,
      );
      await this.markPodsNotReady(name);
    }
    await this.reconcileTaints(name, ready?.status);
    // Look again when the grace period would run out.
    if (silentFor < this.grace) this.queue.addAfter(name, this.grace - silentFor + 1);
  }

  private markUnknown(conditions: NodeCondition[], now: number): NodeCondition[] {
    const types = ["Ready", "MemoryPressure", "DiskPressure", "PIDPressure"];
    const out = conditions.filter((c) => !types.includes(c.type));
    for (const type of types) {
      const old = conditions.find((c) => c.type === type);
      out.push({
        type,
        status: "Unknown",
        reason: "NodeStatusUnknown",
        message: old ? "Kubelet stopped posting node status." : "Kubelet never posted node status.",
        lastHeartbeatTime: old?.lastHeartbeatTime,
        lastTransitionTime: stamp(now),
      });
    }
    return out;
  }

  private async writeStatus(node: Node, conditions: NodeCondition[]): Promise<Node | undefined> {
    try {
      return await this.opts.client.update<Node>(
        nodesRef,
        { ...node, status: { ...node.status, conditions } },
        { subresource: "status" },
      );
    } catch (err) {
      if (isNotFound(err) || isConflict(err)) return undefined;
      throw err;
    }
  }

  /**
   * The node's taints with the managed ones following its Ready and pressure
   * conditions and spec.unschedulable, or undefined when they already do.
   */
  private taintsWanted(node: Node, readyStatus: string | undefined): Taint[] | undefined {
    const current = node.spec?.taints ?? [];
    const want: Taint[] = [];
    // As upstream's taint-by-condition pass: pressure conditions keep new pods away.
    for (const c of node.status?.conditions ?? []) {
      const key = PRESSURE_TAINTS[c.type ?? ""];
      if (key && c.status === "True") want.push({ key, effect: "NoSchedule" });
    }
    if (readyStatus === "False") want.push({ key: taintNotReady, effect: "NoSchedule" });
    if (readyStatus === "Unknown") want.push({ key: taintUnreachable, effect: "NoSchedule" });
    want.push(...this.tainter.noExecuteTaints(node, readyStatus));
    if (node.spec?.unschedulable) want.push({ key: taintUnschedulable, effect: "NoSchedule" });
    const keep = current.filter(
      (t) =>
        !MANAGED_TAINTS.has(t.key) || want.some((w) => w.key === t.key && w.effect === t.effect),
    );
    const add = want.filter((w) => !current.some((t) => t.key === w.key && t.effect === w.effect));
    if (add.length === 0 && keep.length === current.length) return undefined;
    const now = stamp(this.opts.clock.now());
    return [...keep, ...add.map((t) => (t.effect === "NoExecute" ? { ...t, timeAdded: now } : t))];
  }

  private async reconcileTaints(name: string, readyStatus: string | undefined): Promise<void> {
    const node = this.nodes.indexer.get(name);
    if (!node) return;
    const taints = this.taintsWanted(node, readyStatus);
    if (taints && !(await writeNodeTaints(this.opts.client, node, taints))) this.queue.add(name);
  }

  /** The disruption state of a zone ("" for nodes without zone labels). */
  zoneState(zone: string): ZoneState | undefined {
    return this.tainter.zoneState(zone);
  }

  /** See NoExecuteTainter.handleDisruption. */
  handleDisruption(): Promise<void> {
    return this.tainter.handleDisruption();
  }

  /** See NoExecuteTainter.doNoExecuteTaintingPass. */
  doNoExecuteTaintingPass(): Promise<void> {
    return this.tainter.doNoExecuteTaintingPass();
  }

  private async markPodsNotReady(nodeName: string): Promise<void> {
    const now = stamp(this.opts.clock.now());
    for (const pod of this.pods.indexer.byIndex("nodeName", nodeName)) {
      const conds = pod.status?.conditions ?? [];
      if (!conds.some((c) => c.type === "Ready" && c.status === "True")) continue;
      const conditions = conds.map((c) =>
        c.type === "Ready" ? { ...c, status: "False", lastTransitionTime: now } : c,
      );
      try {
        await this.opts.client.update(
          podsRef,
          { ...pod, status: { ...pod.status, conditions } },
          { subresource: "status" },
        );
      } catch (err) {
        if (!isNotFound(err) && !isConflict(err)) throw err;
      }
    }
  }

  /** Taint-based eviction: delete the pod once its node's NoExecute taints outlast its tolerations. */
  async processPod(key: string): Promise<void> {
    const pod = this.pods.indexer.get(key);
    if (!pod || pod.metadata?.deletionTimestamp) return;
    const node = this.nodes.indexer.get(pod.spec?.nodeName ?? "");
    const taints = (node?.spec?.taints ?? []).filter((t) => t.effect === "NoExecute");
    if (taints.length === 0) return;
    const tolerations = (pod.spec as { tolerations?: Toleration[] } | undefined)?.tolerations ?? [];
    const delay = evictionDelayMs(tolerations, taints);
    if (delay === Infinity) return;
    const since = Math.max(
      ...taints.map((t) => Date.parse(t.timeAdded ?? "") || this.opts.clock.now()),
    );
    const left = since + delay - this.opts.clock.now();
    if (left > 0) {
      this.podQueue.addAfter(key, left);
      return;
    }
    try {
      await this.opts.client.delete(podsRef, pod.metadata?.namespace, pod.metadata?.name ?? "");
      this.opts.recorder.event(
        pod,
        "Normal",
        "TaintManagerEviction",
        `Marking for deletion Pod ${key}`,
      );
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }
}
