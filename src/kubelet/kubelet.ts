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
import type { Pod, PodStatus, Service } from "kubernetes-types/core/v1.d.ts";
import { realClock, type TimerHandle } from "../client/clock.ts";
import { EventRecorder } from "../client/event-recorder.ts";
import { InformerFactory } from "../client/informer/informer-factory.ts";
import { podsRef, servicesRef } from "../client/resources.ts";
import type { KObject } from "../api/types.ts";
import { createLogger } from "../util/logger.ts";
import { bridgeName, startCriNode, type CriNode } from "./cri-node.ts";
import { ImagePuller } from "./images/image-puller.ts";
import { ContainerLogManager } from "./logs/container-log-manager.ts";
import type { KubeletOptions } from "./kubelet-options.ts";
import { nodePressureManagers } from "./eviction/node-pressure.ts";
import { defaultEvictionHard, parseThresholdConfig } from "./eviction/thresholds.ts";
import { PAUSE_IMAGE } from "./images/builtin-images.ts";
import { defaultImageGCPolicy, validateImageGCPolicy } from "./images/image-gc-manager.ts";
import { machineInfo, nodeResources } from "./node/machine-info.ts";
import { renewNodeLease, LEASE_RENEW_MS } from "./node/node-lease.ts";
import { NodeStatusReporter } from "./node/node-status.ts";
import { apiObjectSource, apiTokenRequester } from "./object-source.ts";
import { TokenManager } from "./token-manager.ts";
import { Backoff } from "./pod/backoff.ts";
import { PodWorker, type PodWorkerDeps } from "./pod/pod-worker.ts";
import { podQOS, quantityValue } from "./pod/qos.ts";
import { readResolvConf } from "./pod/dns-config.ts";
import { podLifecycleRelister } from "./pleg.ts";
import { CriRuntime } from "./runtime/cri/cri-runtime.ts";
import type { ContainerRuntime } from "./runtime/runtime.ts";
import { SimulatedRuntime } from "./runtime/simulated/simulated-runtime.ts";
import { isMirrorPod, StaticPods } from "./static-pods.ts";
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

  let criNode: CriNode | undefined;
  let runtime: ContainerRuntime;
  let runtimeName = "containerd";
  if (opts.runtime === "simulated") {
    runtime = new SimulatedRuntime({ clock, ...opts.simulated });
    runtimeName = "simulated";
  } else if (opts.containerRuntimeEndpoint) {
    runtime = new CriRuntime(opts.containerRuntimeEndpoint);
  } else {
    criNode = await startCriNode({
      dataDir,
      nodeName: opts.nodeName,
      podCIDR,
      clusterCIDR: opts.clusterCIDR ?? "10.42.0.0/16",
      serviceCIDR: opts.serviceCIDR ?? "10.43.0.0/16",
      bridge: opts.bridge ?? bridgeName(opts.nodeName),
      cgroupRoot,
      log,
      importImages: opts.importImages ?? true,
    });
    runtime = criNode.runtime;
  }

  const machine = machineInfo(dataDir);
  const { allocatable } = nodeResources(machine);
  const recorder = new EventRecorder(
    client,
    { component: "kubelet", host: opts.nodeName },
    { clock },
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
  const workers = new Map<string, PodWorker>();
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

  const deps: PodWorkerDeps = {
    runtime,
    runtimeName,
    clock,
    log,
    images,
    crashBackoff,
    source,
    tokens: tokens.source,
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
      workers.delete(uid);
      tokens.forgetPod(uid);
      statusManager.forget(uid);
    },
  };

  // Pods rejected at admission (node pressure), by uid, with the status written for them.
  const rejected = new Map<string, PodStatus>();
  const admit = (pod: Pod): boolean => {
    const phase = pod.status?.phase;
    if (phase === "Succeeded" || phase === "Failed" || pod.metadata?.deletionTimestamp) return true;
    const verdict = nodePressure.eviction.admit(pod);
    if (verdict.admit) return true;
    const status: PodStatus = {
      qosClass: podQOS(pod),
      phase: "Failed",
      reason: verdict.reason,
      message: `Pod was rejected: ${verdict.message}`,
    };
    rejected.set(pod.metadata?.uid ?? "", status);
    deps.event(pod, "Warning", verdict.reason, verdict.message);
    statusManager.setStatus(pod, status);
    return false;
  };
  const upsert = (pod: Pod) => {
    if (pod.spec?.nodeName !== opts.nodeName || isMirrorPod(pod)) return;
    const uid = pod.metadata?.uid ?? "";
    const w = workers.get(uid);
    const rejectedStatus = rejected.get(uid);
    if (rejectedStatus) {
      // Never run; a deleted rejected pod is finalized at once (no containers to stop).
      if (pod.metadata?.deletionTimestamp) {
        rejected.delete(uid);
        void statusManager.finalize(pod, rejectedStatus);
      }
    } else if (w) w.update(pod);
    else if (!admit(pod)) return;
    else {
      const nw = new PodWorker(pod, deps);
      workers.set(uid, nw);
      nw.trigger();
    }
  };

  // The HTTPS server (logs, exec, port-forward, stats); its port goes into the Node.
  const pods = () => [...workers.values()].map((w) => w.current);
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
    if (criNode) await criNode.teardown();
    else runtime.close();
    throw err;
  }

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
    activePods: () =>
      pods().filter(
        (p) =>
          !p.metadata?.deletionTimestamp &&
          p.status?.phase !== "Succeeded" &&
          p.status?.phase !== "Failed",
      ),
    evict: async (pod, message, graceSeconds) => {
      deps.event(pod, "Warning", "Evicted", message);
      await workers.get(pod.metadata?.uid ?? "")?.evict(message, graceSeconds);
    },
    nodeEvent: (reason, message) => recorder.event(nodeRef, "Warning", reason, message),
  });

  // Node registration, status and lease.
  const reporter = new NodeStatusReporter({
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
  });
  await reporter.register();
  await reporter.report(true);
  await renewNodeLease(client, clock, opts.nodeName);

  let stopped = false;
  const timers = new Set<TimerHandle>();
  const every = (ms: number, fn: () => Promise<void>) => {
    let running = false;
    const schedule = () => {
      if (stopped) return;
      const t = clock.after(ms, () => {
        timers.delete(t);
        if (running) return schedule();
        running = true;
        fn()
          .catch((err) => log.warn("periodic task failed", { err }))
          .finally(() => {
            running = false;
            schedule();
          });
      });
      timers.add(t);
    };
    schedule();
  };
  every(opts.leaseRenewMs ?? LEASE_RENEW_MS, () => renewNodeLease(client, clock, opts.nodeName));
  every(opts.leaseRenewMs ?? 10_000, async () => {
    await reporter.report();
  });

  // PLEG: wake the workers of pods whose sandboxes or containers changed.
  const relist = podLifecycleRelister(runtime);
  every(opts.relistMs ?? 1000, async () => {
    for (const uid of await relist()) workers.get(uid)?.trigger();
  });

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

  // Pods bound to this node.
  const informer = factory.informerFor<Pod & KObject>(podsRef, {
    fieldSelector: `spec.nodeName=${opts.nodeName}`,
  });
  informer.addEventHandler({
    add: (pod) => upsert(pod),
    update: (_old, pod) => upsert(pod),
    delete: (pod) => {
      const uid = pod.metadata?.uid ?? "";
      if (rejected.delete(uid)) statusManager.forget(uid);
      workers.get(uid)?.remove();
    },
  });
  factory.start();
  await factory.waitForCacheSync();

  let staticPods: StaticPods | undefined;
  if (opts.podManifestPath) {
    staticPods = new StaticPods({
      client,
      clock,
      log,
      dir: opts.podManifestPath,
      nodeName: opts.nodeName,
      onPod: (pod) => upsert(pod),
      onRemove: (uid) => workers.get(uid)?.remove(),
    });
    await staticPods.start();
  }
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
    async settled() {
      for (const w of [...workers.values()]) await w.settled();
    },
    async stop() {
      stopped = true;
      for (const t of timers) t.cancel();
      logManager.stop();
      nodePressure.stop();
      await server.close();
      staticPods?.stop();
      await factory.stop();
      for (const w of [...workers.values()]) await w.settled();
      statusManager.stop();
      await recorder.flush();
      if (criNode) await criNode.teardown();
      else runtime.close();
    },
  };
}
