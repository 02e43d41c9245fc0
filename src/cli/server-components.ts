/**
 * What `k8ts server` runs beside the API server, in the same process but
 * talking to it through the API like any other client: the controller
 * manager and the scheduler (each leader-elected, so several servers can
 * share a cluster), and unless --disable-agent, the node's kubelet.
 * Their informers share one list+watch per resource (SharedListWatch): one
 * server watch and one decoded copy of each object for the whole process.
 */
import { hostname } from "node:os";
import { join } from "node:path";
import { loadKubeconfig } from "../client/kubeconfig.ts";
import { RestClient } from "../client/rest-client.ts";
import { createLogger } from "../util/logger.ts";
import type { NodeLifecycleFlags } from "../controllers/nodelifecycle/node-lifecycle-flags.ts";
import type { RunningControlPlane } from "./control-plane.ts";
import type { KubeletNodeFlags } from "./kubelet-flags.ts";
import { SharedListWatch, SharingRestClient } from "./sharing-rest-client.ts";

export interface ServerComponentFlags extends NodeLifecycleFlags, KubeletNodeFlags {
  disableAgent?: boolean;
  disableControllerManager?: boolean;
  disableScheduler?: boolean;
  /** --use-service-account-credentials[=false]: each controller as kube-system/<controller> (default on). */
  useServiceAccountCredentials?: boolean | string;
  nodeName?: string;
  /** --node-ip: the node's InternalIP (default 127.0.0.1). */
  nodeIp?: string;
  imagePull?: string;
  /** --disable-kube-proxy: no service proxy on this node. */
  disableKubeProxy?: boolean;
  clusterCidr?: string;
  serviceClusterIpRange?: string;
  /** --cluster-dns: the kube-dns service IP (default: 10th IP of the service range). */
  clusterDns?: string;
  /** --cluster-domain (default cluster.local). */
  clusterDomain?: string;
  /** --pod-cidr: this node's podCIDR (default: node IPAM's, else 10.42.0.0/24). */
  podCidr?: string;
  /** --cgroup-root: root cgroup of this node's pods (default /kubepods). */
  cgroupRoot?: string;
  /** --allocate-node-cidrs[=false]: the nodeipam controller assigns podCIDRs (default on). */
  allocateNodeCidrs?: boolean | string;
  /** --node-cidr-mask-size (default 24 for IPv4, 64 for IPv6). */
  nodeCidrMaskSize?: string;
  /** --default-local-storage-path (k3s's): where local-path volumes live (default <data-dir>/storage). */
  defaultLocalStoragePath?: string;
}

/**
 * Client-side rate limits of the in-process components: none (qps -1, as
 * client-go reads a negative QPS). Upstream's defaults (kube-controller-manager
 * 20/30 per controller client, kube-scheduler 50/100, kubelet 50/100) protect
 * a shared API server from remote processes; here the clients are loopback
 * connections inside the server's own process, so a token bucket cannot save
 * the server any work, it only queues requests the server is idle for (at
 * 200/s it alone put a 50 s floor under a 10,000-replica rollout: 10,000 pod
 * creates plus their events). Overload protection stays the API server's own,
 * applied to these clients as to any other: max-in-flight limits answer 429 +
 * Retry-After, which the client retries; and each client holds at most
 * maxSockets (64) requests at once. Standalone components (`k8ts
 * controller-manager`, `k8ts scheduler`) keep their flags' limits.
 */
export const IN_PROCESS_CLIENT_LIMITS = { qps: -1, burst: 0 } as const;

export async function startServerComponents(
  plane: RunningControlPlane,
  flags: ServerComponentFlags,
): Promise<{ nodeName: string; stop(): Promise<void> }> {
  const config = loadKubeconfig(plane.kubeconfigPath);
  const abort = new AbortController();
  const running: Promise<unknown>[] = [];
  const clients: RestClient[] = [];
  const nodeName = flags.nodeName ?? hostname().toLowerCase();
  // Each component under its upstream identity (system:kube-scheduler, system:node:NAME, ...).
  const { ensureComponentCredentials } = await import("../pki/component-credentials.ts");
  const { readFile } = await import("node:fs/promises");
  const tlsDir = join(plane.dataDir, "tls");
  const clusterCA = {
    certPem: await readFile(join(tlsDir, "ca.crt"), "utf8"),
    keyPem: await readFile(join(tlsDir, "ca.key"), "utf8"),
  };
  const identities = await ensureComponentCredentials(tlsDir, clusterCA, nodeName);
  // Through the loopback socket (plain HTTP) when the server serves one: each
  // identity's certificate becomes a token only that socket accepts.
  const loopback = plane.loopback;
  const credsOf = (id?: { certPem: string; keyPem: string }) => {
    const certPem = id?.certPem ?? config.cert;
    if (loopback && certPem)
      return {
        socketPath: loopback.socketPath,
        token: loopback.identities.mintForCertificate(certPem),
        cert: undefined,
        key: undefined,
      };
    return id ? { cert: id.certPem, key: id.keyPem, token: undefined } : {};
  };
  // The shared informers list and watch as the controller manager, which may
  // read every resource (upstream's system:kube-controller-manager role).
  const sharedSource = new RestClient({
    ...config,
    ...credsOf(identities.controllerManager),
    ...IN_PROCESS_CLIENT_LIMITS,
    userAgent: "k8ts-shared-informers",
  });
  clients.push(sharedSource);
  const sharedLog = createLogger("shared-informers");
  const shared = new SharedListWatch(sharedSource, {
    onError: (err) => sharedLog.info("shared watch error", { err: String(err) }),
  });
  const clientFor = (agent: string, id?: { certPem: string; keyPem: string }) => {
    const c = new SharingRestClient(
      { ...config, ...credsOf(id), ...IN_PROCESS_CLIENT_LIMITS, userAgent: `k8ts-${agent}` },
      shared,
    );
    clients.push(c);
    return c;
  };
  const { clusterIPRange, DEFAULT_SERVICE_CIDR } =
    await import("../apiserver/services/service-ranges.ts");
  const clusterDns =
    flags.clusterDns ??
    clusterIPRange(flags.serviceClusterIpRange ?? DEFAULT_SERVICE_CIDR).valueAt(9);
  if (!flags.disableControllerManager) {
    const { runControllerManager } = await import("../controllers/manager.ts");
    // Node IPAM over the cluster CIDR; this server's own node keeps its --pod-cidr
    // when given, else takes one from node IPAM like any other node.
    const { nodeIpamConfigFromFlags } = await import("../controllers/nodeipam/ipam-flags.ts");
    const { serverReservedCidrs } = await import("../controllers/nodeipam/own-pod-cidr.ts");
    const nodeIpam =
      String(flags.allocateNodeCidrs ?? true) !== "false"
        ? nodeIpamConfigFromFlags({
            clusterCidr: flags.clusterCidr ?? "10.42.0.0/16",
            nodeCidrMaskSize: flags.nodeCidrMaskSize,
            serviceClusterIpRange: flags.serviceClusterIpRange ?? DEFAULT_SERVICE_CIDR,
            reservedCidrs: serverReservedCidrs(flags.podCidr, !!flags.disableAgent),
          })
        : undefined;
    if (typeof nodeIpam === "string") throw new Error(`node IPAM: ${nodeIpam}`);
    const { nodeLifecycleSettings } =
      await import("../controllers/nodelifecycle/node-lifecycle-flags.ts");
    const nodeLifecycle = nodeLifecycleSettings(flags);
    if (typeof nodeLifecycle === "string") throw new Error(nodeLifecycle);
    const log = createLogger("controller-manager");
    const managerClient = clientFor("controller-manager", identities.controllerManager);
    const builder =
      String(flags.useServiceAccountCredentials ?? true) !== "false"
        ? (await import("../auth/serviceaccount/controller-clients.ts")).controllerClientBuilder(
            managerClient,
            {
              server: config.server,
              ca: config.ca,
              socketPath: loopback?.socketPath,
              ...IN_PROCESS_CLIENT_LIMITS,
            },
          )
        : undefined;
    if (builder) abort.signal.addEventListener("abort", () => builder.stop());
    // Work-queue metrics on kube-controller-manager's port when free (several
    // servers on one host: the first one serves them, the others log).
    const { serveControllerManagerMetrics } = await import("../controllers/metrics-server.ts");
    const { delegatedSecurePort } = await import("../controllers/delegated-auth.ts");
    const { realClock } = await import("../client/clock.ts");
    const metrics = await serveControllerManagerMetrics({
      host: "127.0.0.1",
      port: 10257,
      ...(await delegatedSecurePort(managerClient, { clock: realClock })),
    }).catch((err: unknown) => {
      log.info("controller-manager metrics not served", { err: String(err) });
      return undefined;
    });
    if (metrics) abort.signal.addEventListener("abort", () => void metrics.close());
    running.push(
      runControllerManager(
        {
          client: managerClient,
          clientFor: builder?.clientFor,
          leaderElect: true,
          identity: `${nodeName}_${process.pid}`,
          rootCA: config.ca,
          queueMetrics: metrics?.queueMetrics,
          nodeIpam,
          localPath: {
            storageDir: flags.defaultLocalStoragePath ?? join(plane.dataDir, "storage"),
            nodeName: flags.disableAgent ? undefined : nodeName,
          },
          ...nodeLifecycle,
          log: (msg, fields) => log.info(msg, fields),
        },
        abort.signal,
      ).catch((err) => log.error("controller manager stopped", { err })),
    );
  }
  if (!flags.disableScheduler) {
    const { runScheduler } = await import("../scheduler/scheduler.ts");
    const log = createLogger("scheduler");
    running.push(
      runScheduler(
        {
          client: clientFor("scheduler", identities.scheduler),
          leaderElect: true,
          identity: `${nodeName}_${process.pid}`,
          log: (msg, fields) => log.info(msg, fields),
        },
        abort.signal,
      ).catch((err) => log.error("scheduler stopped", { err })),
    );
  }
  {
    // API server identity: upstream's apiserver-<hash> Lease, the node name as hostname.
    const { ApiServerIdentityLease } = await import("../ha/apiserver-identity.ts");
    const log = createLogger("apiserver");
    const identity = new ApiServerIdentityLease({
      client: clientFor("apiserver"),
      hostname: nodeName,
      log: (msg) => log.info(msg),
    });
    running.push(identity.run(abort.signal));
  }
  const { podGateway } = await import("../apiserver/services/service-networking.ts");
  const { ownNodePodCidr, defaultServerPodCidr } =
    await import("../controllers/nodeipam/own-pod-cidr.ts");
  const kubeletClient = flags.disableAgent ? undefined : clientFor("kubelet", identities.kubelet);
  const podCIDR = kubeletClient
    ? await ownNodePodCidr({
        podCidr: flags.podCidr,
        nodeIpam:
          !flags.disableControllerManager && String(flags.allocateNodeCidrs ?? true) !== "false",
        client: kubeletClient,
        clock: (await import("../client/clock.ts")).realClock,
        nodeName,
        log: (msg) => createLogger("kubelet").info(msg),
      })
    : (flags.podCidr ?? defaultServerPodCidr);
  const gateway = podGateway(podCIDR);
  let kubelet: { stop(): Promise<void> } | undefined;
  if (kubeletClient) {
    const { startKubelet } = await import("../kubelet/kubelet.ts");
    const ca = clusterCA;
    kubelet = await startKubelet({
      servingCA: ca,
      clientCaPem: ca.certPem,
      client: kubeletClient,
      nodeName,
      dataDir: join(plane.dataDir, "agent"),
      runtime: "cri",
      imagePull: flags.imagePull === "enabled",
      clusterDNS: [clusterDns],
      clusterDomain: flags.clusterDomain,
      podCIDR,
      clusterCIDR: flags.clusterCidr,
      serviceCIDR: flags.serviceClusterIpRange,
      cgroupRoot: flags.cgroupRoot,
      hostIP: flags.nodeIp,
      ...(await import("./kubelet-flags.ts")).kubeletNodeOptions(flags),
    });
    // Its node shows as the control plane's (set by the server: kubelets may not).
    const { labelControlPlaneNode } = await import("./control-plane-label.ts");
    const labeller = new RestClient({
      ...config,
      ...credsOf(),
      ...IN_PROCESS_CLIENT_LIMITS,
      userAgent: "k8ts",
    });
    clients.push(labeller);
    running.push(
      labelControlPlaneNode(labeller, nodeName, {
        clock: (await import("../client/clock.ts")).realClock,
        signal: abort.signal,
      }),
    );
  }
  let proxy: { stop(): Promise<void> } | undefined;
  if (!flags.disableAgent && !flags.disableKubeProxy) {
    const { startProxy } = await import("../proxy/proxy-server.ts");
    proxy = await startProxy({
      client: clientFor("kube-proxy", identities.kubeProxy),
      nodeName,
      nodeIP: flags.nodeIp,
      clusterCIDR: flags.clusterCidr ?? "10.42.0.0/16",
      serviceCIDR: flags.serviceClusterIpRange ?? "10.43.0.0/16",
      syncPodRoutes: true,
      log: createLogger("kube-proxy"),
    });
  }
  // Cluster DNS add-on: on loopback (a free port) for the host, and on the
  // node's pod bridge gateway (port 53) for pods once the bridge exists.
  const { runDns } = await import("../proxy/dns/run-dns.ts");
  const dnsLog = createLogger("dns");
  const dns = await runDns({
    client: clientFor("dns"),
    clusterDomain: flags.clusterDomain,
    listen: [{ host: "127.0.0.1", port: 0 }],
    listenWhenAvailable: flags.disableAgent ? [] : [{ host: gateway, port: 53 }],
    // CoreDNS's metrics port; taken by another server on this host: no metrics.
    metrics: { host: "127.0.0.1", port: 9153 },
    kubeDnsService: { clusterIP: clusterDns, address: gateway, port: 53 },
    log: (msg, fields) => dnsLog.info(msg, fields),
  }).catch((err: unknown) => {
    // An add-on: the control plane keeps running without it.
    dnsLog.error("cluster DNS add-on not started", { err: String(err) });
    return undefined;
  });
  return {
    nodeName,
    async stop() {
      abort.abort();
      await dns?.stop();
      await proxy?.stop();
      await kubelet?.stop();
      await Promise.allSettled(running);
      await shared.stop();
      for (const c of clients) c.close();
    },
  };
}
