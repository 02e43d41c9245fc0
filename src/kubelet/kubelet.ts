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
import type { Pod, Service } from "kubernetes-types/core/v1.d.ts";
import { realClock, type Clock, type TimerHandle } from "../client/clock.ts";
import { EventRecorder } from "../client/event-recorder.ts";
import { InformerFactory } from "../client/informer/informer-factory.ts";
import type { RestClient } from "../client/rest-client.ts";
import { podsRef, servicesRef } from "../client/resources.ts";
import type { KObject } from "../api/types.ts";
import { createLogger, type Logger } from "../util/logger.ts";
import { bridgeName, startCriNode, type CriNode } from "./cri-node.ts";
import { ImagePuller } from "./images/image-puller.ts";
import { ContainerLogManager } from "./logs/container-log-manager.ts";
import { EvictionManager, type EvictionStats } from "./eviction/eviction-manager.ts";
import { nodeEvictionStats } from "./eviction/eviction-stats.ts";
import { defaultEvictionHard, parseThresholds } from "./eviction/thresholds.ts";
import { machineInfo, nodeResources } from "./node/machine-info.ts";
import { renewNodeLease, LEASE_RENEW_MS } from "./node/node-lease.ts";
import { NodeStatusReporter } from "./node/node-status.ts";
import { apiObjectSource, apiTokenRequester } from "./object-source.ts";
import { TokenManager } from "./token-manager.ts";
import { Backoff } from "./pod/backoff.ts";
import { PodWorker, type PodWorkerDeps } from "./pod/pod-worker.ts";
import { quantityValue } from "./pod/qos.ts";
import { readResolvConf } from "./pod/dns-config.ts";
import { labelPodUID } from "./pod/runtime-config.ts";
import { CriRuntime } from "./runtime/cri/cri-runtime.ts";
import type { ContainerRuntime } from "./runtime/runtime.ts";
import {
  SimulatedRuntime,
  type SimulatedRuntimeOptions,
} from "./runtime/simulated/simulated-runtime.ts";
import { isMirrorPod, StaticPods } from "./static-pods.ts";
import { StatusManager } from "./status-manager.ts";
import {
  startKubeletServer,
  type KubeletServer,
  type KubeletUser,
} from "./server/kubelet-server.ts";
import { sarAuthorizer } from "./server/sar-authorizer.ts";
import { tokenReviewAuthenticator } from "./server/token-authenticator.ts";
import { ensureServingCert } from "./server/serving-cert.ts";
import { StatsProvider } from "./server/stats-provider.ts";
import type { CertKeyPair } from "../pki/self-signed.ts";

export interface KubeletOptions {
  client: RestClient;
  nodeName: string;
  dataDir: string;
  runtime?: "cri" | "simulated";
  /** Connect to this CRI endpoint instead of starting our own containerd. */
  containerRuntimeEndpoint?: string;
  podCIDR?: string;
  clusterCIDR?: string;
  serviceCIDR?: string;
  /** Allow PullImage (default false: absent images fail with ErrImageNeverPull). */
  imagePull?: boolean;
  podManifestPath?: string;
  /** The node's InternalIP (default 127.0.0.1). */
  hostIP?: string;
  /** Root of the pods' cgroups (default /kubepods). */
  cgroupRoot?: string;
  /** CNI bridge device name (default derived from the node name). */
  bridge?: string;
  /** Build and import pause/busybox into an owned containerd (default true). */
  importImages?: boolean;
  clusterDNS?: string[];
  /** kubelet --cluster-domain (default cluster.local). */
  clusterDomain?: string;
  /** kubelet --resolv-conf: the host resolver config pods build on (default /etc/resolv.conf; "": none). */
  resolvConf?: string;
  labels?: Record<string, string>;
  /** Options for the simulated runtime. */
  simulated?: SimulatedRuntimeOptions;
  /** CrashLoopBackOff bounds (default 10 s doubling to 300 s; tests shorten them). */
  crashLoopBackOff?: { initialMs: number; maxMs: number };
  /** Lease renewal and node status check period (default 10 s). */
  leaseRenewMs?: number;
  /** How often the runtime is relisted (default 1000 ms). */
  relistMs?: number;
  /** containerLogMaxSize in bytes (default 10 MiB). */
  containerLogMaxSize?: number;
  /** containerLogMaxFiles (default 5). */
  containerLogMaxFiles?: number;
  /** How often container logs are checked for rotation (default 10 s). */
  containerLogMonitorMs?: number;
  /** --eviction-hard (default upstream's: memory.available<100Mi,nodefs.available<10%,...; "": none; none for the simulated runtime). */
  evictionHard?: string;
  /** --eviction-pressure-transition-period (default 5 min). */
  evictionPressureTransitionMs?: number;
  /** Eviction monitoring period (default 10 s). */
  evictionMonitorMs?: number;
  /** Replaces the node's observed memory/disk stats (tests inject pressure). */
  evictionStats?(): Promise<EvictionStats>;
  /** HTTPS port of the kubelet server (default 10250; 0 picks a free port, published in the Node). */
  port?: number;
  /** Serving certificate; default: made under the data dir, signed by servingCA when given. */
  tls?: CertKeyPair;
  /** The cluster CA that signs the serving certificate when `tls` is absent. */
  servingCA?: CertKeyPair;
  /** Client certificates signed by this CA are required (the API server's kubelet client). */
  clientCaPem?: string;
  /** Authenticates bearer tokens (default: TokenReview when clientCaPem is set). */
  authenticateToken?(token: string): Promise<KubeletUser | undefined>;
  /** Authorizes a caller's use of a node subresource (default: SubjectAccessReview when clientCaPem is set, else allow). */
  authorize?(user: KubeletUser, verb: string, subresource: string): Promise<boolean>;
  clock?: Clock;
  log?: Logger;
}

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
  const thresholds = parseThresholds(
    opts.evictionHard ?? (opts.runtime === "simulated" ? "" : defaultEvictionHard),
  );
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

  const upsert = (pod: Pod) => {
    if (pod.spec?.nodeName !== opts.nodeName || isMirrorPod(pod)) return;
    const uid = pod.metadata?.uid ?? "";
    const w = workers.get(uid);
    if (w) w.update(pod);
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

  // Node-pressure eviction (hard thresholds); its pressure feeds the node conditions.
  const eviction = new EvictionManager({
    clock,
    log,
    thresholds,
    stats:
      opts.evictionStats ??
      nodeEvictionStats({
        runtime,
        stats,
        clock,
        memoryCapacity: machine.memoryBytes,
        fsPath: dataDir,
      }),
    activePods: () =>
      [...workers.values()]
        .map((w) => w.current)
        .filter(
          (p) =>
            !p.metadata?.deletionTimestamp &&
            p.status?.phase !== "Succeeded" &&
            p.status?.phase !== "Failed",
        ),
    evict: async (pod, message, graceSeconds) => {
      deps.event(pod, "Warning", "Evicted", message);
      await workers.get(pod.metadata?.uid ?? "")?.evict(message, graceSeconds);
    },
    pressureTransitionMs: opts.evictionPressureTransitionMs,
    periodMs: opts.evictionMonitorMs,
  });

  // Node registration, status and lease.
  const reporter = new NodeStatusReporter({
    pressure: () => eviction.pressure(),
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
  let lastSeen = new Map<string, string>();
  every(opts.relistMs ?? 1000, async () => {
    const [sandboxes, containers] = await Promise.all([
      runtime.listPodSandbox(),
      runtime.listContainers(),
    ]);
    const seen = new Map<string, string[]>();
    for (const s of sandboxes) {
      const uid = s.labels[labelPodUID] ?? s.metadata.uid;
      seen.set(uid, [...(seen.get(uid) ?? []), `${s.id}:${s.state}`]);
    }
    for (const c of containers) {
      const uid = c.labels[labelPodUID] ?? "";
      seen.set(uid, [...(seen.get(uid) ?? []), `${c.id}:${c.state}`]);
    }
    const now = new Map([...seen].map(([uid, parts]) => [uid, parts.sort().join(",")]));
    for (const [uid, sig] of now) if (lastSeen.get(uid) !== sig) workers.get(uid)?.trigger();
    for (const uid of lastSeen.keys()) if (!now.has(uid)) workers.get(uid)?.trigger();
    lastSeen = now;
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
  eviction.start();

  // Pods bound to this node.
  const informer = factory.informerFor<Pod & KObject>(podsRef, {
    fieldSelector: `spec.nodeName=${opts.nodeName}`,
  });
  informer.addEventHandler({
    add: (pod) => upsert(pod),
    update: (_old, pod) => upsert(pod),
    delete: (pod) => workers.get(pod.metadata?.uid ?? "")?.remove(),
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
      eviction.stop();
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
