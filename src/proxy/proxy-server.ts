/**
 * kube-proxy as a component: Service and EndpointSlice informers feeding
 * the iptables Proxier, plus the healthz (/healthz, /livez) and metrics
 * (/metrics, /proxyMode) HTTP endpoints. Syncs start only after both
 * caches have synced, as upstream.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import type { Endpoints, Node, Service } from "kubernetes-types/core/v1.d.ts";
import type { EndpointSlice } from "kubernetes-types/discovery/v1.d.ts";
import type { KObject } from "../api/types.ts";
import type { Clock } from "../client/clock.ts";
import { InformerFactory } from "../client/informer/informer-factory.ts";
import { endpointSlicesRef, endpointsRef, nodesRef, servicesRef } from "../client/resources.ts";
import type { RestClient } from "../client/rest-client.ts";
import type { Logger } from "../util/logger.ts";
import { applyEndpoints } from "./endpoints-slices.ts";
import { hostExec, type HostExec } from "./host-exec.ts";
import { Proxier, type ProxierOptions } from "./proxier.ts";
import { RouteSyncer } from "./route-syncer.ts";
import { ServiceHealthServer } from "./service-health-server.ts";

export interface ProxyServerOptions extends Omit<ProxierOptions, "exec"> {
  client: RestClient;
  /** Program this named network namespace instead of the current one. */
  netns?: string;
  exec?: HostExec;
  /** host:port for /healthz; "" disables (upstream default 0.0.0.0:10256; ours 127.0.0.1). */
  healthzBindAddress?: string;
  /** host:port for /metrics; "" disables (default 127.0.0.1:10249). */
  metricsBindAddress?: string;
  /**
   * Address the health check node ports of Local LoadBalancer services
   * listen on (upstream: the node's addresses; default 127.0.0.1; "" disables).
   */
  healthCheckBindAddress?: string;
  /**
   * Where endpoints come from: EndpointSlices (default, as upstream) or
   * Endpoints, which a node's own credentials may read (system:node).
   */
  endpointsSource?: "EndpointSlice" | "Endpoints";
  /** Also route other nodes' podCIDRs via their InternalIPs (host-gw style; default false). */
  syncPodRoutes?: boolean;
  clock?: Clock;
  log?: Logger;
}

export interface RunningProxy {
  proxier: Proxier;
  healthzAddress?: AddressInfo;
  metricsAddress?: AddressInfo;
  stop(): Promise<void>;
}

/** Services the proxy leaves to another implementation (upstream label). */
const proxyNameLabel = "service.kubernetes.io/service-proxy-name";

const ours = (o: { metadata?: { labels?: Record<string, string> } }) =>
  !o.metadata?.labels?.[proxyNameLabel];

/** Starts informers, the proxier and its HTTP endpoints; resolves once the caches synced. */
export async function startProxy(opts: ProxyServerOptions): Promise<RunningProxy> {
  const exec = opts.exec ?? hostExec(opts.netns);
  let proxier: Proxier | undefined;
  const healthHost = opts.healthCheckBindAddress ?? "127.0.0.1";
  const serviceHealth = healthHost
    ? new ServiceHealthServer({
        host: healthHost,
        proxyHealthy: () => proxier?.health().healthy ?? false,
        log: opts.log,
      })
    : undefined;
  proxier = new Proxier({ ...opts, exec, serviceHealth });
  const informers = new InformerFactory(opts.client, {
    clock: opts.clock,
    onError: (err) => opts.log?.warn("informer error", { err: String(err) }),
  });
  const services = informers.informerFor<Service & KObject>(servicesRef);
  services.addEventHandler({
    add: (s) => ours(s) && proxier.onServiceAdd(s),
    update: (o, s) => (ours(s) ? proxier.onServiceUpdate(o, s) : proxier.onServiceDelete(s)),
    delete: (s) => proxier.onServiceDelete(s),
  });
  if (opts.endpointsSource === "Endpoints") {
    const p = proxier;
    informers.informerFor<Endpoints & KObject>(endpointsRef).addEventHandler({
      add: (e) => ours(e) && applyEndpoints(p, undefined, e),
      update: (o, e) => applyEndpoints(p, o, ours(e) ? e : undefined),
      delete: (e) => applyEndpoints(p, e, undefined),
    });
  } else {
    informers.informerFor<EndpointSlice & KObject>(endpointSlicesRef).addEventHandler({
      add: (s) => ours(s) && proxier.onEndpointSliceAdd(s),
      update: (o, s) =>
        ours(s) ? proxier.onEndpointSliceUpdate(o, s) : proxier.onEndpointSliceDelete(s),
      delete: (s) => proxier.onEndpointSliceDelete(s),
    });
  }
  let routes: RouteSyncer | undefined;
  if (opts.syncPodRoutes) {
    const syncer = new RouteSyncer({
      exec,
      nodeName: opts.nodeName,
      clock: opts.clock,
      log: opts.log,
    });
    informers.informerFor<Node & KObject>(nodesRef).addEventHandler({
      add: (n) => syncer.onNode(n),
      update: (_, n) => syncer.onNode(n),
      delete: (n) => syncer.onNodeDelete(n),
    });
    routes = syncer;
  }
  const servers: http.Server[] = [];
  const handler = httpHandler(proxier);
  const listen = async (bind: string | undefined, dflt: string) => {
    const addr = bind ?? dflt;
    if (!addr) return undefined;
    const i = addr.lastIndexOf(":");
    const server = http.createServer(handler);
    try {
      await new Promise<void>((resolve, reject) => {
        server.once("error", reject);
        server.listen(Number(addr.slice(i + 1)), addr.slice(0, i), () => resolve());
      });
    } catch (err) {
      opts.log?.warn("cannot serve proxy endpoint", { addr, err: String(err) });
      return undefined;
    }
    servers.push(server);
    return server.address() as AddressInfo;
  };
  const healthzAddress = await listen(opts.healthzBindAddress, "127.0.0.1:10256");
  const metricsAddress = await listen(opts.metricsBindAddress, "127.0.0.1:10249");
  informers.start();
  await informers.waitForCacheSync();
  proxier.setInitialized();
  routes?.start();
  opts.log?.info("kube-proxy started", { mode: "iptables", netns: opts.netns ?? "" });
  return {
    proxier,
    healthzAddress,
    metricsAddress,
    async stop() {
      proxier.stop();
      routes?.stop();
      await informers.stop();
      await routes?.whenIdle();
      await proxier.whenIdle();
      await serviceHealth?.close();
      await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
      for (const s of servers) s.closeAllConnections();
    },
  };
}

function httpHandler(proxier: Proxier): http.RequestListener {
  return (req, res) => {
    const path = (req.url ?? "/").split("?")[0];
    if (path === "/healthz" || path === "/livez") {
      const h = proxier.health();
      res.writeHead(h.healthy ? 200 : 503, { "content-type": "application/json" });
      res.end(
        JSON.stringify({
          lastUpdated: h.lastUpdated ? new Date(h.lastUpdated).toISOString() : "",
          currentTime: new Date(h.currentTime).toISOString(),
          nodeEligible: true,
        }),
      );
    } else if (path === "/metrics") {
      proxier.metrics.registry.metrics().then(
        (text) => {
          res.writeHead(200, { "content-type": proxier.metrics.registry.contentType });
          res.end(text);
        },
        (err) => {
          res.writeHead(500);
          res.end(String(err));
        },
      );
    } else if (path === "/proxyMode") {
      res.writeHead(200, { "content-type": "text/plain" });
      res.end("iptables");
    } else {
      res.writeHead(404);
      res.end("404 page not found\n");
    }
  };
}
