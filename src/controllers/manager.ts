/**
 * The controller manager: builds the shared informers once, starts the
 * enabled controllers over them (optionally only while holding the
 * kube-controller-manager lease), and stops them on abort.
 */
import { setMaxListeners } from "node:events";
import { realClock, type Clock } from "../client/clock.ts";
import { discoverResources } from "../client/discovery.ts";
import { EventRecorder } from "../client/event-recorder.ts";
import { InformerFactory } from "../client/informer/informer-factory.ts";
import { LeaderElector } from "../client/leader-election.ts";
import type { RestClient } from "../client/rest-client.ts";
import type { WorkQueueMetricsProvider } from "../client/workqueue/metrics.ts";
import { replicaSetsRef, replicationControllersRef } from "../client/resources.ts";
import { CronJobController } from "./cronjob/cronjob.ts";
import { DaemonSetController } from "./daemonset/daemonset.ts";
import { DeploymentController } from "./deployment/deployment.ts";
import { DisruptionController } from "./disruption/disruption.ts";
import { EndpointsController } from "./endpoints/endpoints.ts";
import { collectableResources, GarbageCollector } from "./garbagecollector/garbage-collector.ts";
import { JobController } from "./job/job.ts";
import { NodeLifecycleController } from "./nodelifecycle/node-lifecycle.ts";
import type { ZoneEvictionOptions } from "./nodelifecycle/zones.ts";
import { PodGCController } from "./podgc/podgc.ts";
import { NamespaceController } from "./namespace/namespace.ts";
import { ReplicaSetController } from "./replicaset/replicaset.ts";
import { ResourceQuotaController } from "./resourcequota/resourcequota.ts";
import { StatefulSetController } from "./statefulset/statefulset.ts";
import { ServiceAccountsController } from "./serviceaccount/serviceaccount.ts";
import { TTLAfterFinishedController } from "./ttlafterfinished/ttl-after-finished.ts";
import { CsrSigningController } from "./certificates/csr-signing.ts";
import { ServiceLBController } from "./servicelb/servicelb.ts";
import { HorizontalController } from "./podautoscaler/horizontal.ts";
import { BootstrapSignerController } from "./bootstrap/bootstrap-signer.ts";
import { TokenCleanerController } from "./bootstrap/token-cleaner.ts";
import { PVCProtectionController } from "./volume/pvc-protection.ts";
import { PVProtectionController } from "./volume/pv-protection.ts";
import { PVBinderController } from "./volume/pv-binder.ts";
import { nodeIpamController, type NodeIpamConfig } from "./nodeipam/node-ipam.ts";
import {
  DEFAULT_STORAGE_DIR,
  LocalPathProvisioner,
  type LocalPathOptions,
} from "./localpath/local-path-provisioner.ts";

export interface ControllerManagerOptions {
  client: RestClient;
  clock?: Clock;
  /** Controller names to run; "*" (default) runs all, "-name" disables one. */
  controllers?: string[];
  leaderElect?: boolean;
  identity?: string;
  leaseDurationMs?: number;
  renewDeadlineMs?: number;
  retryPeriodMs?: number;
  rootCA?: string;
  /** --node-monitor-grace-period (default 50 s). */
  nodeMonitorGracePeriodMs?: number;
  /** --node-eviction-rate and friends (upstream defaults when absent). */
  zoneEviction?: Partial<ZoneEvictionOptions>;
  /** Work queue metrics of every controller (served on /metrics); none when absent. */
  queueMetrics?: WorkQueueMetricsProvider;
  /** --allocate-node-cidrs with --cluster-cidr etc. (absent: nodeipam allocates nothing). */
  nodeIpam?: NodeIpamConfig;
  /** The local-path provisioner's storage dir and own node (default dir /var/lib/k8ts/storage). */
  localPath?: LocalPathOptions;
  /**
   * --use-service-account-credentials: the client a controller writes with
   * (undefined: the manager's own client). Informers keep the manager's client.
   */
  clientFor?(controller: string): Promise<RestClient | undefined>;
  log?(msg: string, fields?: Record<string, unknown>): void;
}

interface Runnable {
  run(workers: number, signal: AbortSignal): Promise<void>;
}

interface ControllerContext {
  client: RestClient;
  informers: InformerFactory;
  clock: Clock;
  recorder: EventRecorder;
  rootCA?: string;
  nodeMonitorGracePeriodMs?: number;
  zoneEviction?: Partial<ZoneEvictionOptions>;
  queueMetrics?: WorkQueueMetricsProvider;
  nodeIpam?: NodeIpamConfig;
  localPath?: LocalPathOptions;
}

type Starter = (ctx: ControllerContext) => Promise<Runnable> | Runnable;

/** Every controller by its upstream name (as in --controllers). */
export const controllerStarters: Record<string, Starter> = {
  replicaset: (c) =>
    new ReplicaSetController({ ...c, ownerRef: replicaSetsRef, ownerKind: "ReplicaSet" }),
  replicationcontroller: (c) =>
    new ReplicaSetController({
      ...c,
      ownerRef: replicationControllersRef,
      ownerKind: "ReplicationController",
    }),
  deployment: (c) => new DeploymentController(c),
  job: (c) => new JobController(c),
  statefulset: (c) => new StatefulSetController(c),
  daemonset: (c) => new DaemonSetController(c),
  cronjob: (c) => new CronJobController(c),
  "ttl-after-finished": (c) => new TTLAfterFinishedController(c),
  csrsigning: (c) =>
    new CsrSigningController({
      ...c,
      ca: (c as { clusterSigning?: { certPem: string; keyPem: string } }).clusterSigning,
    }),
  namespace: (c) => new NamespaceController(c),
  nodelifecycle: (c) =>
    new NodeLifecycleController({
      ...c,
      nodeMonitorGracePeriodMs: c.nodeMonitorGracePeriodMs,
      zoneEviction: c.zoneEviction,
    }),
  nodeipam: (c) => nodeIpamController(c),
  podgc: (c) => new PodGCController(c),
  disruption: (c) => new DisruptionController(c),
  endpoint: (c) => new EndpointsController({ ...c, endpointsOnly: true }),
  endpointslice: (c) => new EndpointsController({ ...c, slicesOnly: true }),
  serviceaccount: (c) => new ServiceAccountsController(c),
  servicelb: (c) => new ServiceLBController(c),
  resourcequota: (c) => new ResourceQuotaController(c),
  horizontalpodautoscaling: (c) => new HorizontalController(c),
  bootstrapsigner: (c) => new BootstrapSignerController(c),
  tokencleaner: (c) => new TokenCleanerController(c),
  "pvc-protection": (c) => new PVCProtectionController(c),
  "pv-protection": (c) => new PVProtectionController(c),
  "persistentvolume-binder": (c) => new PVBinderController(c),
  "local-path-provisioner": (c) =>
    new LocalPathProvisioner({ ...c, ...(c.localPath ?? { storageDir: DEFAULT_STORAGE_DIR }) }),
  garbagecollector: async (c) => {
    const resources = collectableResources(await discoverResources(c.client));
    return new GarbageCollector({ ...c, resources });
  },
};

/**
 * Workers per controller where not 2: the garbage collector as upstream's
 * --concurrent-gc-syncs (20), since each of its deletions waits for a round
 * trip (4 workers deleted ≈10 pods/s on a loaded machine).
 */
export const CONCURRENT_SYNCS: Record<string, number> = { garbagecollector: 20 };

/** The event source component each controller reports as (upstream's names). */
export const EVENT_COMPONENTS: Record<string, string> = {
  replicaset: "replicaset-controller",
  replicationcontroller: "replication-controller",
  deployment: "deployment-controller",
  job: "job-controller",
  statefulset: "statefulset-controller",
  daemonset: "daemonset-controller",
  cronjob: "cronjob-controller",
  "ttl-after-finished": "ttl-after-finished-controller",
  csrsigning: "certificate-controller",
  namespace: "namespace-controller",
  nodelifecycle: "node-controller",
  nodeipam: "cidrAllocator",
  podgc: "pod-garbage-collector",
  disruption: "controllermanager",
  endpoint: "endpoint-controller",
  endpointslice: "endpoint-slice-controller",
  serviceaccount: "service-account-controller",
  servicelb: "service-lb-controller",
  resourcequota: "resource-quota-controller",
  horizontalpodautoscaling: "horizontal-pod-autoscaler",
  bootstrapsigner: "bootstrap-signer-controller",
  tokencleaner: "token-cleaner-controller",
  "pvc-protection": "pvc-protection-controller",
  "pv-protection": "pv-protection-controller",
  "persistentvolume-binder": "persistentvolume-controller",
  "local-path-provisioner": "rancher.io/local-path",
  garbagecollector: "garbage-collector-controller",
};

export function enabledControllers(requested: string[] = ["*"]): string[] {
  const all = Object.keys(controllerStarters);
  const disabled = new Set(requested.filter((n) => n.startsWith("-")).map((n) => n.slice(1)));
  const wanted = requested.includes("*") ? all : requested.filter((n) => !n.startsWith("-"));
  return wanted.filter((n) => all.includes(n) && !disabled.has(n));
}

/**
 * Names in a --controllers list that name no controller (upstream refuses
 * them: "<name> is not in the list of known controllers").
 */
export function unknownControllers(requested: string[]): string[] {
  return requested
    .map((n) => n.replace(/^-/, ""))
    .filter((n) => n !== "*" && n !== "" && !(n in controllerStarters));
}

/** Runs until signal aborts. */
export async function runControllerManager(
  opts: ControllerManagerOptions,
  signal: AbortSignal,
): Promise<void> {
  const clock = opts.clock ?? realClock;
  const log = opts.log ?? (() => {});
  const runAll = async (leading: AbortSignal) => {
    // Every controller and informer listens on this one signal.
    setMaxListeners(200, leading);
    const informers = new InformerFactory(opts.client, {
      clock,
      onError: (err) => log("informer error", { err: String(err) }),
    });
    // Each controller's events name it as their source, as upstream ("From" in describe).
    const recorders = new Map<string, EventRecorder>();
    const recorderFor = (name: string) => {
      let r = recorders.get(name);
      if (!r) {
        r = new EventRecorder(
          opts.client,
          { component: EVENT_COMPONENTS[name] ?? `${name}-controller` },
          { clock },
        );
        recorders.set(name, r);
      }
      return r;
    };
    const recorder = recorderFor("controller-manager");
    const ctx: ControllerContext = {
      client: opts.client,
      informers,
      clock,
      recorder,
      rootCA: opts.rootCA,
      nodeMonitorGracePeriodMs: opts.nodeMonitorGracePeriodMs,
      zoneEviction: opts.zoneEviction,
      queueMetrics: opts.queueMetrics,
      nodeIpam: opts.nodeIpam,
      localPath: opts.localPath,
    };
    const names = enabledControllers(opts.controllers);
    // A controller's own credentials (service-account token): retried a few
    // times; still failing, it runs with the manager's client rather than not at all.
    const ownClient = async (n: string): Promise<RestClient | undefined> => {
      for (let attempt = 1; opts.clientFor; attempt++) {
        try {
          return await opts.clientFor(n);
        } catch (err) {
          if (attempt >= 5 || leading.aborted) {
            log("controller credentials unavailable; using the manager's", {
              controller: n,
              err: String(err),
            });
            return undefined;
          }
          await new Promise<void>((r) => clock.after(attempt * 500, r));
        }
      }
      return undefined;
    };
    const controllers = await Promise.all(
      names.map(async (n) => {
        const client = (await ownClient(n)) ?? opts.client;
        return { n, c: await controllerStarters[n]!({ ...ctx, client, recorder: recorderFor(n) }) };
      }),
    );
    // Leadership lost (or shutdown) while the controllers were being built:
    // their run() would wait for an abort event that has already fired.
    if (leading.aborted) return;
    informers.start();
    log("controllers started", { controllers: names });
    await Promise.all(
      controllers.map(({ n, c }) =>
        c
          .run(CONCURRENT_SYNCS[n] ?? 2, leading)
          .catch((err) => log("controller failed", { controller: n, err: String(err) })),
      ),
    );
    await informers.stop();
    await Promise.all([...recorders.values()].map((r) => r.flush()));
  };
  if (!opts.leaderElect) {
    await runAll(signal);
    return;
  }
  let current: Promise<void> | undefined;
  const elector = new LeaderElector(opts.client, {
    namespace: "kube-system",
    name: "kube-controller-manager",
    identity: opts.identity ?? `controller-manager-${process.pid}`,
    leaseDurationMs: opts.leaseDurationMs,
    renewDeadlineMs: opts.renewDeadlineMs,
    retryPeriodMs: opts.retryPeriodMs,
    clock,
    onStartedLeading: (leading) => {
      log("became leader", {});
      // Awaited only at shutdown: a failure must be logged now, not left unhandled.
      current = runAll(leading).catch((err) =>
        log("controller manager failed", { err: String(err) }),
      );
    },
    onStoppedLeading: () => log("lost leadership", {}),
  });
  await elector.run(signal);
  await current;
}
