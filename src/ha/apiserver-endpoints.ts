/**
 * Keeps an agent's API load balancer in line with the cluster, as k3s's
 * agent does: watches the `default/kubernetes` Endpoints, which every API
 * server keeps listing the live servers (advertise address and secure
 * port, through its master lease), and hands the servers found there to
 * the balancer. So a server joined after the agent is used and a removed
 * (or dead, once its lease expires) one is dropped. The --server URL the
 * agent joined through stays as the last resort, tried only after every
 * listed server, as k3s keeps its default server.
 */
import type { KObject } from "../api/types.ts";
import type { Clock } from "../client/clock.ts";
import { SharedInformer } from "../client/informer/shared-informer.ts";
import type { RestClient } from "../client/rest-client.ts";
import { endpointsRef } from "../client/resources.ts";
import type { ApiServerLoadBalancer } from "./apiserver-lb.ts";

interface EndpointSubset {
  addresses?: { ip?: string }[];
  ports?: { name?: string; port?: number }[];
}

/** https URLs of every address × port (the "https" port, else each) of the Endpoints, sorted. */
export function serversFromEndpoints(endpoints: KObject): string[] {
  const urls = new Set<string>();
  for (const subset of (endpoints.subsets ?? []) as EndpointSubset[]) {
    const ports = subset.ports ?? [];
    const https = ports.filter((p) => p.name === "https");
    for (const { port } of https.length ? https : ports) {
      if (!port) continue;
      for (const { ip } of subset.addresses ?? []) {
        if (!ip) continue;
        urls.add(`https://${ip.includes(":") ? `[${ip}]` : ip}:${port}`);
      }
    }
  }
  return [...urls].sort();
}

/** Watches default/kubernetes and updates the balancer (see the module comment). */
export class ApiServerListRefresher {
  readonly #informer: SharedInformer;

  constructor(opts: {
    client: RestClient;
    lb: ApiServerLoadBalancer;
    /** The URL the agent joined through. */
    fallback: string;
    clock?: Clock;
    log?(msg: string): void;
  }) {
    this.#informer = new SharedInformer(opts.client, endpointsRef, {
      namespace: "default",
      fieldSelector: "metadata.name=kubernetes",
      clock: opts.clock,
      onError: (err) => opts.log?.(`API server list: ${String(err)}`),
    });
    const apply = (ep: KObject) => {
      const listed = serversFromEndpoints(ep);
      // An empty list (all leases lapsed at once) keeps the last known servers.
      if (listed.length === 0) return;
      if (opts.lb.setServers(listed, opts.fallback))
        opts.log?.(`API servers: ${listed.join(", ")} (fallback ${opts.fallback})`);
    };
    this.#informer.addEventHandler({ add: apply, update: (_, ep) => apply(ep) });
  }

  start(): void {
    this.#informer.start();
  }

  async stop(): Promise<void> {
    await this.#informer.stop();
  }
}
