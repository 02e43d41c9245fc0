/**
 * Upstream kube-proxy's service health server: for every LoadBalancer
 * service with externalTrafficPolicy Local, an HTTP server on its
 * `healthCheckNodePort` telling load balancers whether this node has local
 * endpoints. Any path answers 200 when the service has local ready
 * endpoints here and the proxy is healthy, else 503, with the JSON body
 * `{"service":{"namespace","name"},"localEndpoints":N,"serviceProxyHealthy":B}`.
 *
 * Contract: syncServices opens and closes listeners to match its argument
 * (a port that cannot be bound is logged and retried on the next call);
 * syncEndpoints sets the counts (services it does not name count 0).
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import type { Logger } from "../util/logger.ts";

export interface ServiceHealthServerOptions {
  /** Address the health check ports listen on (upstream: the node's addresses). */
  host: string;
  /** Whether the proxy itself is healthy (its /healthz). */
  proxyHealthy(): boolean;
  log?: Logger;
}

interface Instance {
  port: number;
  server: http.Server;
  endpoints: number;
}

export class ServiceHealthServer {
  private readonly services = new Map<string, Instance>();

  constructor(private readonly opts: ServiceHealthServerOptions) {}

  /** Makes the open health check ports match `wanted` (service `ns/name` → port). */
  async syncServices(wanted: ReadonlyMap<string, number>): Promise<void> {
    for (const [key, inst] of this.services) {
      if (wanted.get(key) === inst.port) continue;
      this.services.delete(key);
      await close(inst.server);
    }
    for (const [key, port] of wanted) {
      if (this.services.has(key)) continue;
      const server = http.createServer((req, res) => this.handle(key, res));
      try {
        await new Promise<void>((resolve, reject) => {
          server.once("error", reject);
          server.listen(port, this.opts.host, () => {
            server.off("error", reject);
            resolve();
          });
        });
      } catch (err) {
        this.opts.log?.warn("failed to start service health check", {
          service: key,
          port,
          err: String(err),
        });
        continue;
      }
      this.services.set(key, { port, server, endpoints: 0 });
    }
  }

  /** Sets the local ready endpoint count of each service (absent: 0). */
  syncEndpoints(counts: ReadonlyMap<string, number>): void {
    for (const [key, inst] of this.services) inst.endpoints = counts.get(key) ?? 0;
  }

  /** The open health check ports (service `ns/name` → bound port). */
  ports(): Map<string, number> {
    const out = new Map<string, number>();
    for (const [key, inst] of this.services)
      out.set(key, (inst.server.address() as AddressInfo).port);
    return out;
  }

  async close(): Promise<void> {
    const all = [...this.services.values()];
    this.services.clear();
    await Promise.all(all.map((i) => close(i.server)));
  }

  private handle(key: string, res: http.ServerResponse): void {
    const inst = this.services.get(key);
    if (!inst) {
      res.writeHead(503).end();
      return;
    }
    const healthy = this.opts.proxyHealthy();
    const [namespace, name] = key.split("/");
    res.writeHead(inst.endpoints !== 0 && healthy ? 200 : 503, {
      "Content-Type": "application/json",
      "X-Content-Type-Options": "nosniff",
    });
    res.end(
      JSON.stringify(
        {
          service: { namespace, name },
          localEndpoints: inst.endpoints,
          serviceProxyHealthy: healthy,
        },
        null,
        "\t",
      ),
    );
  }
}

function close(server: http.Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
