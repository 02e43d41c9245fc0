/**
 * The kube-scheduler: informers feed the cache and the scheduling queue; one
 * loop pops pods and runs the synchronous scheduling cycle of the pod's
 * profile, assumes the chosen node in the cache and binds asynchronously
 * (scheduling never waits for its own binds). Failures are reported as
 * FailedScheduling events and the PodScheduled condition, and the pod is
 * requeued. With leaderElect, only the holder of the kube-scheduler Lease
 * schedules.
 */
import type { Pod } from "kubernetes-types/core/v1.d.ts";
import type { KObject } from "../api/types.ts";
import { realClock, type Clock } from "../client/clock.ts";
import { InformerFactory } from "../client/informer/informer-factory.ts";
import type { SharedInformer } from "../client/informer/shared-informer.ts";
import { LeaderElector } from "../client/leader-election.ts";
import type { RestClient, ResourceRef } from "../client/rest-client.ts";
import {
  namespacesRef,
  nodesRef,
  pdbRef,
  podsRef,
  replicaSetsRef,
  replicationControllersRef,
  servicesRef,
  statefulSetsRef,
} from "../client/resources.ts";
import { parseGoDuration } from "../util/go-duration.ts";
import { SchedulerCache } from "./cache/cache.ts";
import { addClusterEventHandlers, addNodeHandlers, addPodHandlers } from "./event-handlers.ts";
import type { Framework } from "./framework/framework.ts";
import type { ClusterEvent, Lister } from "./framework/interfaces.ts";
import { SchedulerMetrics, type ExtensionPoint } from "./metrics/metrics.ts";
import { inTreeRegistry, type Registry } from "./plugins/registry.ts";
import { buildFramework } from "./profile/build-framework.ts";
import { defaultConfiguration, type KubeSchedulerConfiguration } from "./profile/config.ts";
import { SchedulingQueue } from "./queue/scheduling-queue.ts";
import { pvcRef, pvRef, priorityClassesRef, storageClassesRef } from "./resources.ts";
import { ScheduleOne } from "./schedule-one.ts";
import { EventBroadcaster, type EventsRecorder } from "./events/event-broadcaster.ts";
import { detectEventsApi } from "./events/core-v1-events.ts";

export type LogFn = (msg: string, fields?: Record<string, unknown>) => void;

export interface SchedulerOptions {
  client: RestClient;
  /** A configuration (partial ones are defaulted); default: one default-scheduler profile. */
  config?: Partial<KubeSchedulerConfiguration>;
  leaderElect?: boolean;
  identity?: string;
  clock?: Clock;
  log?: LogFn;
  registry?: Registry;
  /** Metrics to record into (e.g. ones the caller serves); created when absent. */
  metrics?: SchedulerMetrics;
}

const watched: [string, ResourceRef][] = [
  ["namespaces", namespacesRef],
  ["persistentvolumeclaims", pvcRef],
  ["persistentvolumes", pvRef],
  ["storageclasses", storageClassesRef],
  ["poddisruptionbudgets", pdbRef],
  ["services", servicesRef],
  ["replicasets", replicaSetsRef],
  ["statefulsets", statefulSetsRef],
  ["replicationcontrollers", replicationControllersRef],
  ["priorityclasses", priorityClassesRef],
];

const eventResources: Record<
  string,
  "Namespace" | "PersistentVolumeClaim" | "PersistentVolume" | "StorageClass"
> = {
  namespaces: "Namespace",
  persistentvolumeclaims: "PersistentVolumeClaim",
  persistentvolumes: "PersistentVolume",
  storageclasses: "StorageClass",
};

function listerOf(inf: SharedInformer<KObject> | undefined): Lister {
  return {
    get: (ns, name) => inf?.indexer.get(ns ? `${ns}/${name}` : name),
    list: () => inf?.indexer.list() ?? [],
  };
}

/** A scheduler instance: build with createScheduler, then run(signal). */
export class Scheduler {
  readonly cache = new SchedulerCache();
  readonly queue: SchedulingQueue;
  readonly metrics: SchedulerMetrics;
  readonly frameworks = new Map<string, Framework>();
  private readonly informers: InformerFactory;
  private readonly listers = new Map<string, SharedInformer<KObject>>();
  private readonly podInformer: SharedInformer<KObject>;
  private readonly clock: Clock;
  private readonly log: LogFn;
  /** events.k8s.io/v1 events, one recorder per profile (reportingController = schedulerName). */
  private readonly events: EventBroadcaster;
  private readonly recorders = new Map<string, EventsRecorder>();
  private readonly one: ScheduleOne;
  /** Aborted when run()'s signal aborts: plugins' waits (Handle.signal) end with it. */
  private readonly stopping = new AbortController();

  constructor(
    private readonly opts: SchedulerOptions,
    readonly config: KubeSchedulerConfiguration,
  ) {
    this.clock = opts.clock ?? realClock;
    this.log = opts.log ?? (() => {});
    this.informers = new InformerFactory(opts.client, {
      clock: this.clock,
      onError: (err) => this.log("informer error", { err: String(err) }),
    });
    for (const [name, ref] of watched) this.listers.set(name, this.informers.informerFor(ref));
    const registry = opts.registry ?? inTreeRegistry();
    const deps = {
      clock: this.clock,
      client: opts.client,
      signal: this.stopping.signal,
      snapshot: () => this.cache,
      namespaceLabels: (ns: string) =>
        this.listers.get("namespaces")?.indexer.get(ns)?.metadata?.labels,
      lister: (resource: string) => listerOf(this.listers.get(resource)),
    };
    this.metrics = opts.metrics ?? new SchedulerMetrics();
    this.events = new EventBroadcaster(opts.client, { clock: this.clock });
    for (const profile of config.profiles) {
      const name = profile.schedulerName;
      const eventRecorder = this.events.newRecorder(name);
      this.recorders.set(name, eventRecorder);
      const observeExtensionPoint = (point: ExtensionPoint, status: string, seconds: number) =>
        this.metrics.extensionPoint(point, status, name, seconds);
      this.frameworks.set(
        name,
        buildFramework(
          profile,
          registry,
          { ...deps, observeExtensionPoint, eventRecorder },
          config.percentageOfNodesToScore,
        ),
      );
    }
    const first = this.frameworks.values().next().value as Framework;
    const pluginEvents = new Map<string, readonly ClusterEvent[]>();
    for (const fw of this.frameworks.values())
      for (const [k, v] of fw.clusterEvents()) pluginEvents.set(k, v);
    this.queue = new SchedulingQueue({
      clock: this.clock,
      less: (a, b) => first.plugins.queueSort.less(a, b),
      podInitialBackoffMs: config.podInitialBackoffSeconds * 1000,
      podMaxBackoffMs: config.podMaxBackoffSeconds * 1000,
      pluginEvents,
      onIncoming: (queue, event) => this.metrics.incoming(queue, event),
    });
    this.podInformer = this.informers.informerFor(podsRef);
    const handlerDeps = {
      cache: this.cache,
      queue: this.queue,
      responsibleFor: (name: string) => this.frameworks.has(name),
      withPriority: (pod: Pod) => this.withPriority(pod),
    };
    addPodHandlers(this.podInformer, handlerDeps);
    addNodeHandlers(this.informers.informerFor(nodesRef), handlerDeps);
    for (const [name, resource] of Object.entries(eventResources))
      addClusterEventHandlers(this.listers.get(name)!, resource, handlerDeps);
    this.one = new ScheduleOne({
      client: opts.client,
      cache: this.cache,
      queue: this.queue,
      metrics: this.metrics,
      clock: this.clock,
      log: this.log,
      frameworks: this.frameworks,
      recorders: this.recorders,
      currentPod: (key) => this.podInformer.indexer.get(key) as Pod | undefined,
    });
    this.metrics.setSources({
      queue: () => this.queue.sizes(),
      unschedulable: () => this.queue.unschedulableByPlugin(),
      cache: () => ({
        nodes: this.cache.nodeInfoList().length,
        pods: this.cache.podCount(),
        assumedPods: this.cache.assumedCount(),
      }),
      binding: () => this.one.bindingInFlight(),
    });
  }

  /** Fills spec.priority from the pod's PriorityClass (or the global default) when unset. */
  withPriority(pod: Pod): Pod {
    if (pod.spec?.priority !== undefined || !pod.spec) return pod;
    const classes = this.listers.get("priorityclasses")!.indexer;
    const name = pod.spec.priorityClassName;
    const pc = (
      name
        ? classes.get(name)
        : classes.list().find((c) => (c as { globalDefault?: boolean }).globalDefault)
    ) as { value?: number; preemptionPolicy?: string } | undefined;
    if (!pc || pc.value === undefined) return pod;
    return {
      ...pod,
      spec: {
        ...pod.spec,
        priority: pc.value,
        preemptionPolicy: pod.spec.preemptionPolicy ?? pc.preemptionPolicy,
      },
    };
  }

  /** Starts informers, waits for their caches, then schedules until signal aborts. */
  async run(signal: AbortSignal): Promise<void> {
    this.informers.start();
    const stopped = new Promise<void>((r) =>
      signal.addEventListener("abort", () => r(), { once: true }),
    );
    await Promise.race([this.informers.waitForCacheSync(), stopped]);
    // As upstream's EventBroadcasterAdapter: core/v1 Events when events.k8s.io/v1 is not served.
    this.events.useApi(await detectEventsApi(this.opts.client));
    this.queue.run();
    this.events.start();
    signal.addEventListener("abort", () => this.queue.close(), { once: true });
    signal.addEventListener("abort", () => this.stopping.abort(), { once: true });
    this.log("scheduler started", {
      profiles: [...this.frameworks.keys()],
      events: this.events.eventsApi,
      nodes: this.cache.nodeInfoList().length,
    });
    while (!signal.aborted) {
      const qp = await this.queue.pop();
      if (!qp) break;
      await this.one.scheduleOne(qp);
      // Let I/O (watch events, bind responses) in between pods.
      await new Promise<void>((r) => setImmediate(r));
    }
    this.queue.close();
    await this.one.drain();
    await this.informers.stop();
    this.events.close();
    await this.events.flush();
  }
}

/** Builds a scheduler from options (the configuration is defaulted and validated). */
export function createScheduler(opts: SchedulerOptions): Scheduler {
  return new Scheduler(opts, defaultConfiguration(opts.config ?? {}));
}

/** Runs the scheduler until signal aborts; with leaderElect, only while holding the kube-scheduler lease. */
export async function runScheduler(opts: SchedulerOptions, signal: AbortSignal): Promise<void> {
  const config = defaultConfiguration(opts.config ?? {});
  const log = opts.log ?? (() => {});
  const leaderElect = opts.leaderElect ?? false;
  if (!leaderElect) {
    await new Scheduler(opts, config).run(signal);
    return;
  }
  // Build once up front so configuration errors surface before leader election starts.
  new Scheduler(opts, config);
  const le = config.leaderElection;
  let current: Promise<void> | undefined;
  const elector = new LeaderElector(opts.client, {
    namespace: le.resourceNamespace,
    name: le.resourceName,
    identity: opts.identity ?? `scheduler-${process.pid}`,
    leaseDurationMs: parseGoDuration(le.leaseDuration),
    renewDeadlineMs: parseGoDuration(le.renewDeadline),
    retryPeriodMs: parseGoDuration(le.retryPeriod),
    clock: opts.clock,
    onStartedLeading: (leading) => {
      log("became leader", {});
      // A fresh scheduler per term: its cache and queue start from a full re-list.
      current = new Scheduler(opts, config)
        .run(leading)
        .catch((err: unknown) => log("scheduler failed", { err: String(err) }));
    },
    onStoppedLeading: () => log("lost leadership", {}),
  });
  await elector.run(signal);
  await current;
}
