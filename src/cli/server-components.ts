/**
 * What `k8ts server` runs beside the API server, in the same process but
 * talking to it through the API like any other client: the controller
 * manager and the scheduler (each leader-elected, so several servers can
 * share a cluster; in a worker thread, see components-thread.ts), and unless
 * --disable-agent, the node's kubelet, kube-proxy and cluster DNS.
 * The informers of each thread share one list+watch per resource
 * (SharedListWatch): one server watch and one decoded copy of each object.
 */
import { setMaxListeners } from "node:events";
import { hostname } from "node:os";
import { join } from "node:path";
import { loadKubeconfig } from "../client/kubeconfig.ts";
import { RestClient } from "../client/rest-client.ts";
import { createLogger } from "../util/logger.ts";
import {
  IN_PROCESS_CLIENT_LIMITS,
  sharedInformerClients,
  type ComponentCredentials,
  type ControlComponentFlags,
  type ControlComponentsSpec,
} from "./control-components.ts";
import type { RunningControlPlane } from "./control-plane.ts";
import type { KubeletNodeFlags } from "./kubelet-flags.ts";

export interface ServerComponentFlags extends ControlComponentFlags, KubeletNodeFlags {
  nodeName?: string;
  /** --node-ip: the node's InternalIP (default 127.0.0.1). */
  nodeIp?: string;
  imagePull?: string;
  /** --disable-kube-proxy: no service proxy on this node. */
  disableKubeProxy?: boolean;
  /** --cluster-dns: the kube-dns service IP (default: 10th IP of the service range). */
  clusterDns?: string;
  /** --cluster-domain (default cluster.local). */
  clusterDomain?: string;
  /** --cgroup-root: root cgroup of this node's pods (default /kubepods). */
  cgroupRoot?: string;
}

export async function startServerComponents(
  plane: RunningControlPlane,
  flags: ServerComponentFlags,
): Promise<{ nodeName: string; stop(): Promise<void> }> {
  const config = loadKubeconfig(plane.kubeconfigPath);
  const abort = new AbortController();
  // Every watch and background loop listens for the stop (and removes its listener).
  setMaxListeners(0, abort.signal);
  const running: Promise<unknown>[] = [];
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
  const credsOf = (id?: { certPem: string; keyPem: string }): ComponentCredentials => {
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
  const shared = sharedInformerClients(config, credsOf(identities.controllerManager));
  const clients = shared.clients;
  const clientFor = (agent: string, id?: { certPem: string; keyPem: string }) =>
    shared.clientFor(agent, credsOf(id));
  const { clusterIPRange, DEFAULT_SERVICE_CIDR } =
    await import("../apiserver/services/service-ranges.ts");
  const clusterDns =
    flags.clusterDns ??
    clusterIPRange(flags.serviceClusterIpRange ?? DEFAULT_SERVICE_CIDR).valueAt(9);
  let control: { stop(): Promise<void> } | undefined;
  if (!flags.disableControllerManager || !flags.disableScheduler) {
    const spec: ControlComponentsSpec = {
      config,
      controllerManager: credsOf(identities.controllerManager),
      scheduler: credsOf(identities.scheduler),
      socketPath: loopback?.socketPath,
      dataDir: plane.dataDir,
      nodeName,
      flags: controlFlags(flags),
    };
    // K8TS_COMPONENTS_THREAD=false keeps them on the API server's thread (one
    // CPU profile of everything, for example).
    control =
      process.env.K8TS_COMPONENTS_THREAD === "false"
        ? await (await import("./control-components.ts")).startControlComponents(spec)
        : await (await import("./components-thread.ts")).startControlComponentsThread(spec);
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
      await control?.stop();
      await Promise.allSettled(running);
      await shared.shared.stop();
      for (const c of clients) c.close();
    },
  };
}

/** The flags as plain data for the components' thread (commander's values are strings and booleans). */
function controlFlags(flags: ServerComponentFlags): ControlComponentFlags {
  return JSON.parse(JSON.stringify(flags)) as ControlComponentFlags;
}
