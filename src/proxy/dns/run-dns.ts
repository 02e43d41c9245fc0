/**
 * Runs the cluster DNS: informers for Services and EndpointSlices, the
 * UDP/TCP server on its listen addresses (those that do not exist yet, such
 * as the pod bridge gateway, are bound once they appear), /metrics, and the
 * kube-dns Service pointing at the address pods use.
 */
import { realClock, type Clock } from "../../client/clock.ts";
import { InformerFactory } from "../../client/informer/informer-factory.ts";
import type { RestClient } from "../../client/rest-client.ts";
import { InformerClusterLookup } from "./cluster-lookup.ts";
import { DnsMetrics } from "./dns-metrics.ts";
import { DnsResolver } from "./dns-resolver.ts";
import { DnsServer, type ListenAddress } from "./dns-server.ts";
import { ensureKubeDnsService, type KubeDnsServiceOptions } from "./kube-dns-service.ts";

/** Default kubelet --cluster-dns: the 10th IP of the default service range. */
export const DEFAULT_CLUSTER_DNS = "10.43.0.10";
/** Default kubelet --cluster-domain. */
export const DEFAULT_CLUSTER_DOMAIN = "cluster.local";

export interface RunDnsOptions {
  client: RestClient;
  clusterDomain?: string;
  /** Addresses bound at start (failure is fatal). */
  listen: ListenAddress[];
  /** Addresses bound as soon as they exist on this host. */
  listenWhenAvailable?: ListenAddress[];
  /** /metrics (CoreDNS: :9153); undefined: none. Failing to bind it is logged, not fatal. */
  metrics?: ListenAddress;
  /** Keep kube-system/kube-dns pointing at the server (undefined: leave it alone). */
  kubeDnsService?: KubeDnsServiceOptions;
  clock?: Clock;
  log?: (msg: string, fields?: Record<string, unknown>) => void;
}

export interface RunningDns {
  /** Bound ports of `listen`, in order. */
  ports: number[];
  metricsPort?: number;
  stop(): Promise<void>;
}

/** Starts the DNS; resolves once the caches have synced and the listeners are bound. */
export async function runDns(opts: RunDnsOptions): Promise<RunningDns> {
  const clock = opts.clock ?? realClock;
  const log = opts.log ?? (() => undefined);
  const factory = new InformerFactory(opts.client, {
    clock,
    onError: (err) => log("informer error", { err: String(err) }),
  });
  const lookup = new InformerClusterLookup(factory);
  factory.start();
  await lookup.waitForSync();
  const metrics = new DnsMetrics();
  const server = new DnsServer({
    resolver: new DnsResolver(lookup, {
      zone: opts.clusterDomain ?? DEFAULT_CLUSTER_DOMAIN,
      serial: Math.floor(clock.now() / 1000),
    }),
    metrics,
  });
  const ports: number[] = [];
  try {
    for (const addr of opts.listen) ports.push(await server.listen(addr));
  } catch (err) {
    await server.close();
    await factory.stop();
    throw err;
  }
  for (const addr of opts.listenWhenAvailable ?? [])
    server.listenWhenAvailable(addr, { clock, retryMs: 2000 });
  // A metrics address already taken (another server on this host) costs only the metrics.
  const metricsServer = opts.metrics
    ? await metrics.serve(opts.metrics.host, opts.metrics.port).catch((err: unknown) => {
        log("cannot serve DNS metrics", { err: String(err) });
        return undefined;
      })
    : undefined;
  let stopped = false;
  let timer: { cancel(): void } | undefined;
  const reconcile = async () => {
    if (stopped || !opts.kubeDnsService) return;
    try {
      await ensureKubeDnsService(opts.client, opts.kubeDnsService);
    } catch (err) {
      log("cannot update the kube-dns service", { err: String(err) });
    }
    if (!stopped) timer = clock.after(30_000, () => void reconcile());
  };
  await reconcile();
  return {
    ports,
    metricsPort: metricsServer?.port,
    async stop() {
      stopped = true;
      timer?.cancel();
      await server.close();
      await new Promise<void>((r) => (metricsServer ? metricsServer.server.close(() => r()) : r()));
      await factory.stop();
    },
  };
}
