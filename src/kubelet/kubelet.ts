/**
 * The kubelet: registers the node, keeps its Lease and status fresh, watches
 * the pods bound to it (field selector spec.nodeName) and runs one PodWorker
 * per pod against a ContainerRuntime. A relist of the runtime every second
 * (upstream PLEG) wakes the workers of pods whose containers changed.
 *
 * With the "cri" runtime and no endpoint, the kubelet owns the node's host
 * side (routes, CNI config, containerd, built-in images) and tears it all
 * down on stop(). With an endpoint, it only connects.
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { Node, Pod, Service } from "kubernetes-types/core/v1.d.ts";
import { realClock } from "../client/clock.ts";
import { EventRecorder } from "../client/event-recorder.ts";
import { InformerFactory } from "../client/informer/informer-factory.ts";
import { nodesRef, podsRef, servicesRef } from "../client/resources.ts";
import type { KObject } from "../api/types.ts";
import { createLogger } from "../util/logger.ts";
import { ContainerGC } from "./container-gc.ts";
import { ImagePuller } from "./images/image-puller.ts";
import { ContainerLogManager } from "./logs/container-log-manager.ts";
import { kubeletConfigz } from "./kubelet-configz.ts";
import type { KubeletOptions } from "./kubelet-options.ts";
import { openKubeletRuntime } from "./kubelet-runtime.ts";
import { nodePressureManagers } from "./eviction/node-pressure.ts";
import type { NodePressure } from "./eviction/eviction-manager.ts";
import { defaultEvictionHard, parseThresholdConfig } from "./eviction/thresholds.ts";
import { PAUSE_IMAGE } from "./images/builtin-images.ts";
import { defaultImageGCPolicy, validateImageGCPolicy } from "./images/image-gc-manager.ts";
import { machineInfo, nodeResources } from "./node/machine-info.ts";
import { renewNodeLease, LEASE_RENEW_MS } from "./node/node-lease.ts";
import { NodeStatusReporter } from "./node/node-status.ts";
import { podShutdownMessage, podShutdownReason, shutdownPods } from "./node/node-shutdown.ts";
import { apiObjectSource, apiTokenRequester } from "./object-source.ts";
import { PeriodicTasks } from "./periodic.ts";
import { PodWorkers } from "./pod-workers.ts";
import { TokenManager } from "./token-manager.ts";
import { Backoff } from "./pod/backoff.ts";
import type { PodWorkerDeps } from "./pod/pod-worker.ts";
import { quantityValue } from "./pod/qos.ts";
import { readResolvConf } from "./pod/dns-config.ts";
import { podLifecycleRelister } from "./pleg.ts";
import { PodCleanups } from "./pod-cleanups.ts";
import type { ContainerRuntime } from "./runtime/runtime.ts";
import { orphanedMirrorPods, StaticPods } from "./static-pods.ts";
import { StatusManager } from "./status-manager.ts";
import { startKubeletServer, type KubeletServer } from "./server/kubelet-server.ts";
import { sarAuthorizer } from "./server/sar-authorizer.ts";
import { tokenReviewAuthenticator } from "./server/token-authenticator.ts";
import { ensureServingCert } from "./server/serving-cert.ts";
import { StatsProvider } from "./server/stats-provider.ts";

export type { KubeletOptions } from "./kubelet-options.ts";

export interface Kubelet {
  runtime: ContainerRuntime;
  nodeName: string;
  /** Where container logs live: `<logsDir>/<ns>_<pod>_<uid>/<container>/<attempt>.log`. */
  logsDir: string;
  /** The containerd this kubelet owns, if any. */
  containerd?: { readonly endpoint: string; readonly socket: string; readonly pid: number };
  /** The kubelet server's port (as published in node.status.daemonEndpoints). */
  port: number;
  /** The pods this kubelet runs (API and static), with their latest computed status (for /pods). */
  pods(): Pod[];
  /** Waits until every pod worker is idle (tests). */
  settled(): Promise<void>;
  /** The dead-container collector (tests run passes at will). */
  containerGC: ContainerGC;
  /** Node pressure as the eviction manager sees it now (what admission uses). */
  pressure(): NodePressure;
  stop(): Promise<void>;
}

export async function startKubelet(opts: KubeletOptions): Promise<Kubelet> {
  const clock = opts.clock ?? realClock;
  // Hollow (simulated) nodes share the real machine: no eviction unless asked for.
  const evictionFlags = {
    hard: opts.evictionHard ?? (opts.runtime === "simulated" ? "" : defaultEvictionHard),
    soft: opts.evictionSoft,
    softGracePeriod: opts.evictionSoftGracePeriod,
    minimumReclaim: opts.evictionMinimumReclaim,
  };
  // Bad flags fail before anything starts.
  parseThresholdConfig(evictionFlags);
  validateImageGCPolicy({ ...defaultImageGCPolicy, ...opts.imageGC });
  const log = opts.log ?? createLogger("kubelet", { fields: { node: opts.nodeName } });
  const client = opts.client;
  const dataDir = opts.dataDir;
  const podsDir = join(dataDir, "pods");
  const logsDir = join(dataDir, "logs");
  mkdirSync(podsDir, { recursive: true });
  mkdirSync(logsDir, { recursive: true });
  const hostIP = opts.hostIP ?? "127.0.0.1";
  const cgroupRoot = opts.cgroupRoot ?? "/kubepods";
  const podCIDR = opts.podCIDR ?? "10.42.0.0/24";

  const rt = await openKubeletRuntime(opts, { clock, log, podCIDR, cgroupRoot });
  const { runtime, runtimeName, criNode } = rt;

  const machine = machineInfo(dataDir);
  const { allocatable } = nodeResources(machine);
  const recorder = new EventRecorder(
    client,
    { component: "kubelet", host: opts.nodeName },
    { clock, spamBurst: opts.eventSpamBurst },
  );
  const statusManager = new StatusManager(client, { clock, log });
  const crashBackoff = new Backoff(
    clock,
    opts.crashLoopBackOff?.initialMs,
    opts.crashLoopBackOff?.maxMs,
  );
  const images = new ImagePuller(runtime, new Backoff(clock), {
    pullEnabled: opts.imagePull ?? false,
    now: () => clock.now(),
  });
  const source = apiObjectSource(client);
  const tokens = new TokenManager(
    apiTokenRequester(client, () => clock.now()),
    clock,
  );
  // Services of all namespaces (service environment variables), as upstream's service lister.
  const factory = new InformerFactory(client, {
    clock,
    onError: (err) => log.warn("watch failed", { err }),
  });
  const serviceInformer = factory.informerFor<Service & KObject>(servicesRef);
  // Our own Node: the periodic status check reads it here instead of a GET
  // per period, as upstream's kubelet reads its node lister (since v1.30).
  const nodeInformer = factory.informerFor<Node & KObject>(nodesRef, {
    fieldSelector: `metadata.name=${opts.nodeName}`,
  });

  let staticPods: StaticPods | undefined;
  const deps: PodWorkerDeps = {
    runtime,
    runtimeName,
    clock,
    log,
    images,
    crashBackoff,
    source,
    tokens: tokens.source,
    hostless: runtimeName === "simulated" && opts.hostless === true,
    hostIP,
    logsDir,
    podsDir,
    cgroupRoot,
    memoryCapacity: machine.memoryBytes,
    allocatable: {
      cpuMilli: machine.cpuCores * 1000,
      memory: quantityValue(allocatable.memory),
      ephemeralStorage: Number(allocatable["ephemeral-storage"]),
    },
    dnsServers: opts.clusterDNS,
    clusterDomain: opts.clusterDomain,
    hostDns: readResolvConf(opts.resolvConf ?? "/etc/resolv.conf"),
    services: () => serviceInformer.indexer.list(),
    event: (pod, type, reason, message) => {
      const target = staticPods?.mirrorOf(pod) ?? pod;
      recorder.event(target as KObject, type, reason, message);
    },
    setStatus: (pod, status) => statusManager.setStatus(staticPods?.mirrorOf(pod) ?? pod, status),
    finalize: (pod, status) => statusManager.finalize(pod, status),
    done: (uid) => {
      tokens.forgetPod(uid);
      statusManager.forget(uid);
    },
  };
  const podWorkers = new PodWorkers({
    nodeName: opts.nodeName,
    deps,
    admit: (pod) => nodePressure.eviction.admit(pod),
  });

  // The HTTPS server (logs, exec, port-forward, stats); its port goes into the Node.
  const pods = () => podWorkers.pods();
  const stats = new StatsProvider({
    runtime,
    nodeName: opts.nodeName,
    clock,
    pods,
    memoryCapacity: machine.memoryBytes,
  });
  let server: KubeletServer;
  try {
    server = await startKubeletServer({
      runtime,
      nodeName: opts.nodeName,
      clock,
      log,
      pods,
      stats,
      logsDir,
      configz: () => kubeletConfigz(opts, { podCIDR, cgroupRoot, hostIP, evictionFlags }),
      port: opts.port,
      bindAddress: hostIP,
      tls:
        opts.tls ??
        (await ensureServingCert({
          dir: join(dataDir, "pki"),
          nodeName: opts.nodeName,
          nodeIP: hostIP,
          ca: opts.servingCA,
        })),
      clientCaPem: opts.clientCaPem,
      // Bearer tokens are reviewed by the API server (upstream --authentication-token-webhook).
      authenticateToken: opts.clientCaPem
        ? (opts.authenticateToken ?? tokenReviewAuthenticator({ client, clock }))
        : opts.authenticateToken,
      // With client certificates required, callers are authorized as upstream's Webhook mode.
      authorize:
        opts.authorize ??
        (opts.clientCaPem ? sarAuthorizer({ client, nodeName: opts.nodeName, clock }) : undefined),
    });
  } catch (err) {
    await rt.close();
    throw err;
  }

  // Dead containers, sandboxes and log directories (upstream container GC).
  let sourcesReady = false;
  const containerGC = new ContainerGC({
    runtime,
    clock,
    log,
    policy: opts.containerGC,
    podState: podWorkers,
    sourcesReady: () => sourcesReady,
    logsDir,
    periodMs: opts.containerGCPeriodMs,
  });

  // Node-pressure eviction and image GC; the pressure feeds the node conditions.
  const nodeRef = {
    apiVersion: "v1",
    kind: "Node",
    metadata: { name: opts.nodeName, uid: opts.nodeName },
  } as KObject;
  const nodePressure = nodePressureManagers({
    runtime,
    clock,
    log,
    stats,
    memoryCapacity: machine.memoryBytes,
    dataDir,
    podsDir,
    logsDir,
    cgroupRoot,
    eviction: evictionFlags,
    maxPodGracePeriodSeconds: opts.evictionMaxPodGracePeriod,
    pressureTransitionMs: opts.evictionPressureTransitionMs,
    monitorMs: opts.evictionMonitorMs,
    imageGC: opts.imageGC,
    imageGCPeriodMs: opts.imageGCPeriodMs,
    pinnedImages: [PAUSE_IMAGE],
    evictionStats: opts.evictionStats,
    pods,
    activePods: () => podWorkers.activePods(),
    deleteAllUnusedContainers: () => containerGC.deleteAllUnusedContainers(),
    evict: async (pod, message, graceSeconds) => {
      deps.event(pod, "Warning", "Evicted", message);
      await podWorkers.evict(pod, message, graceSeconds);
    },
    nodeEvent: (reason, message) => recorder.event(nodeRef, "Warning", reason, message),
  });

  // Node registration, status and lease.
  let shuttingDown = false;
  const reporter = new NodeStatusReporter({
    shuttingDown: () => shuttingDown,
    pressure: () => nodePressure.pressure(),
    client,
    runtime,
    clock,
    nodeName: opts.nodeName,
    hostIP,
    machine,
    podCIDR,
    labels: opts.labels,
    kubeletPort: server.port,
    // Until the informer has synced, the check GETs the Node as before.
    serverNode: async () =>
      nodeInformer.hasSynced()
        ? nodeInformer.indexer.get(opts.nodeName)
        : client.request<Node>(
            "GET",
            `/api/v1/nodes/${encodeURIComponent(opts.nodeName)}?resourceVersion=0`,
          ),
  });
  await reporter.register();
  await reporter.report(true);
  await renewNodeLease(client, clock, opts.nodeName);

  const periodic = new PeriodicTasks(clock, log);
  periodic.every(opts.leaseRenewMs ?? LEASE_RENEW_MS, () =>
    renewNodeLease(client, clock, opts.nodeName),
  );
  periodic.every(opts.leaseRenewMs ?? 10_000, () => reporter.report());

  // PLEG: wake the workers of pods whose sandboxes or containers changed; then
  // housekeeping over the same listing (orphaned pods, pod directories, cgroups).
  const relist = podLifecycleRelister(runtime);
  const cleanups = new PodCleanups({
    clock,
    log,
    workers: podWorkers,
    sourcesReady: () => sourcesReady,
    podsDir,
    cgroupRoot: runtimeName === "simulated" ? undefined : cgroupRoot,
  });
  periodic.every(opts.relistMs ?? 1000, async () => {
    podWorkers.markHousekeeping();
    const r = await relist();
    for (const uid of r.changed) podWorkers.trigger(uid);
    await cleanups.handle(r.sandboxes, r.containers);
    if (sourcesReady) deleteOrphanedMirrors();
  });
  // Mirror pods whose static pod is gone (one delete at a time per pod).
  const deletingMirrors = new Set<string>();
  const deleteOrphanedMirrors = () => {
    for (const m of orphanedMirrorPods(informer.indexer.list(), staticPods?.list() ?? [])) {
      const { namespace, name, uid = "" } = m.metadata ?? {};
      if (deletingMirrors.has(uid)) continue;
      deletingMirrors.add(uid);
      log.info("deleting orphaned mirror pod", { pod: `${namespace}/${name}` });
      void client
        .delete(podsRef, namespace, name!, { gracePeriodSeconds: 0, preconditions: { uid } })
        .catch((err) => log.warn("deleting orphaned mirror pod failed", { err }))
        .finally(() => deletingMirrors.delete(uid));
    }
  };

  // Container log rotation (upstream containerLogMaxSize / containerLogMaxFiles).
  const logManager = new ContainerLogManager({
    runtime,
    clock,
    log,
    maxSize: opts.containerLogMaxSize,
    maxFiles: opts.containerLogMaxFiles,
    periodMs: opts.containerLogMonitorMs,
  });
  logManager.start();
  nodePressure.start();
  containerGC.start();

  // Pods bound to this node.
  const informer = factory.informerFor<Pod & KObject>(podsRef, {
    fieldSelector: `spec.nodeName=${opts.nodeName}`,
  });
  informer.addEventHandler({
    add: (pod) => podWorkers.upsert(pod),
    update: (_old, pod) => podWorkers.upsert(pod),
    delete: (pod) => podWorkers.remove(pod.metadata?.uid ?? ""),
  });
  factory.start();
  await factory.waitForCacheSync();

  if (opts.podManifestPath) {
    staticPods = new StaticPods({
      client,
      clock,
      log,
      dir: opts.podManifestPath,
      nodeName: opts.nodeName,
      onPod: (pod) => podWorkers.upsert(pod),
      onRemove: (uid) => podWorkers.remove(uid),
    });
    await staticPods.start();
  }
  sourcesReady = true;
  log.info("kubelet started", {
    runtime: runtimeName,
    podCIDR,
    containerd: criNode?.containerd.pid,
  });

  return {
    runtime,
    nodeName: opts.nodeName,
    logsDir,
    containerd: criNode?.containerd,
    port: server.port,
    pods,
    settled: () => podWorkers.settled(),
    containerGC,
    pressure: () => nodePressure.pressure(),
    async stop() {
      const shutdown = { gracePeriodMs: 0, criticalGracePeriodMs: 0, ...opts.shutdown };
      if (shutdown.gracePeriodMs > 0) {
        // Graceful node shutdown: NotReady first, then the pods, their statuses written.
        shuttingDown = true;
        log.info("shutting down the node's pods", shutdown);
        await reporter.report(true).catch((err) => log.warn("node status failed", { err }));
        await shutdownPods(podWorkers.activePods(), shutdown, (pod, grace) =>
          podWorkers.evict(pod, podShutdownMessage, grace, podShutdownReason),
        );
        await statusManager.flush();
      }
      periodic.stop();
      logManager.stop();
      nodePressure.stop();
      containerGC.stop();
      await server.close();
      staticPods?.stop();
      await factory.stop();
      await podWorkers.settled();
      statusManager.stop();
      await recorder.flush();
      await rt.close();
    },
  };
}
