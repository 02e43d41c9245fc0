/**
 * The controller manager and the scheduler of `k8ts server`: both leader
 * elected, both clients of the API server like the standalone binaries, with
 * their informers sharing one list+watch per resource (SharedListWatch).
 *
 * Everything they need arrives as plain data (ControlComponentsSpec), so the
 * same code runs on the server's main thread or in a worker thread
 * (components-thread.ts), where they use the machine's second core instead of
 * competing with the API server for its event loop, as kube-controller-manager
 * and kube-scheduler are separate processes upstream.
 */
import { setMaxListeners } from "node:events";
import { join } from "node:path";
import type { ClientConfig } from "../client/kubeconfig.ts";
import { RestClient } from "../client/rest-client.ts";
import type { NodeLifecycleFlags } from "../controllers/nodelifecycle/node-lifecycle-flags.ts";
import { createLogger } from "../util/logger.ts";
import { SharedListWatch, SharingRestClient } from "./sharing-rest-client.ts";

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

/** The flags of `k8ts server` the controller manager and scheduler read. */
export interface ControlComponentFlags extends NodeLifecycleFlags {
  disableAgent?: boolean;
  disableControllerManager?: boolean;
  disableScheduler?: boolean;
  /** --use-service-account-credentials[=false]: each controller as kube-system/<controller> (default on). */
  useServiceAccountCredentials?: boolean | string;
  clusterCidr?: string;
  serviceClusterIpRange?: string;
  /** --pod-cidr: this node's podCIDR (default: node IPAM's, else 10.42.0.0/24). */
  podCidr?: string;
  /** --allocate-node-cidrs[=false]: the nodeipam controller assigns podCIDRs (default on). */
  allocateNodeCidrs?: boolean | string;
  /** --node-cidr-mask-size (default 24 for IPv4, 64 for IPv6). */
  nodeCidrMaskSize?: string;
  /** --default-local-storage-path (k3s's): where local-path volumes live (default <data-dir>/storage). */
  defaultLocalStoragePath?: string;
}

/** Connection settings of one component: its identity's token on the loopback socket, or its certificate. */
export type ComponentCredentials = Pick<ClientConfig, "socketPath" | "token" | "cert" | "key">;

/** What the controller manager and scheduler need to run (plain data: crosses a thread boundary). */
export interface ControlComponentsSpec {
  /** The server's kubeconfig (server URL and CA). */
  config: ClientConfig;
  controllerManager: ComponentCredentials;
  scheduler: ComponentCredentials;
  /** Socket for the controllers' service-account clients (absent: TLS). */
  socketPath?: string;
  dataDir: string;
  nodeName: string;
  flags: ControlComponentFlags;
}

/** Starts the enabled components; stop() ends them and closes their connections. */
export async function startControlComponents(
  spec: ControlComponentsSpec,
): Promise<{ stop(): Promise<void> }> {
  const { config, flags, nodeName } = spec;
  const abort = new AbortController();
  // Every watch and background loop listens for the stop (and removes its listener).
  setMaxListeners(0, abort.signal);
  const running: Promise<unknown>[] = [];
  const { clients, shared, clientFor } = sharedInformerClients(config, spec.controllerManager);
  const identity = `${nodeName}_${process.pid}`;
  if (!flags.disableControllerManager) {
    const { runControllerManager } = await import("../controllers/manager.ts");
    const { DEFAULT_SERVICE_CIDR } = await import("../apiserver/services/service-ranges.ts");
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
    const managerClient = clientFor("controller-manager", spec.controllerManager);
    const builder =
      String(flags.useServiceAccountCredentials ?? true) !== "false"
        ? (await import("../auth/serviceaccount/controller-clients.ts")).controllerClientBuilder(
            managerClient,
            {
              server: config.server,
              ca: config.ca,
              socketPath: spec.socketPath,
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
          identity,
          rootCA: config.ca,
          queueMetrics: metrics?.queueMetrics,
          nodeIpam,
          localPath: {
            storageDir: flags.defaultLocalStoragePath ?? join(spec.dataDir, "storage"),
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
          client: clientFor("scheduler", spec.scheduler),
          leaderElect: true,
          identity,
          log: (msg, fields) => log.info(msg, fields),
        },
        abort.signal,
      ).catch((err) => log.error("scheduler stopped", { err })),
    );
  }
  return {
    async stop() {
      abort.abort();
      await Promise.allSettled(running);
      await shared.stop();
      for (const c of clients) c.close();
    },
  };
}

/**
 * The clients of one thread's components: their informers' all-namespace
 * lists and watches share one SharedListWatch, which lists and watches as
 * the controller manager (upstream's system:kube-controller-manager may read
 * every resource); everything else goes out under each component's own
 * credentials. Close every client in `clients` (and stop `shared`) on stop.
 */
export function sharedInformerClients(config: ClientConfig, listerCreds: ComponentCredentials) {
  const clients: RestClient[] = [];
  const sharedSource = new RestClient({
    ...config,
    ...listerCreds,
    ...IN_PROCESS_CLIENT_LIMITS,
    userAgent: "k8ts-shared-informers",
  });
  clients.push(sharedSource);
  const sharedLog = createLogger("shared-informers");
  const shared = new SharedListWatch(sharedSource, {
    onError: (err) => sharedLog.info("shared watch error", { err: String(err) }),
  });
  const clientFor = (agent: string, creds: ComponentCredentials) => {
    const c = new SharingRestClient(
      { ...config, ...creds, ...IN_PROCESS_CLIENT_LIMITS, userAgent: `k8ts-${agent}` },
      shared,
    );
    clients.push(c);
    return c;
  };
  return { clients, shared, clientFor };
}
