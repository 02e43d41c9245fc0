/**
 * Metrics of the cluster DNS under CoreDNS's names, in a Registry of their
 * own (no global default): requests by protocol/type, responses by rcode,
 * request duration, and the cache sizes the answers come from.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Counter, Histogram, Registry } from "prom-client";

export class DnsMetrics {
  readonly registry = new Registry();
  readonly requests: Counter<"server" | "zone" | "proto" | "family" | "type">;
  readonly responses: Counter<"server" | "zone" | "rcode">;
  readonly duration: Histogram<"server" | "zone" | "type">;

  constructor() {
    this.requests = new Counter({
      name: "coredns_dns_requests_total",
      help: "Counter of DNS requests made per zone, protocol and family.",
      labelNames: ["server", "zone", "proto", "family", "type"],
      registers: [this.registry],
    });
    this.responses = new Counter({
      name: "coredns_dns_responses_total",
      help: "Counter of response status codes.",
      labelNames: ["server", "zone", "rcode"],
      registers: [this.registry],
    });
    this.duration = new Histogram({
      name: "coredns_dns_request_duration_seconds",
      help: "Histogram of the time (in seconds) each request took per zone.",
      labelNames: ["server", "zone", "type"],
      buckets: [0.00025, 0.0005, 0.001, 0.002, 0.004, 0.008, 0.016, 0.032, 0.064, 0.128, 0.256],
      registers: [this.registry],
    });
  }

  /** Serves GET /metrics on host:port (0: a free port); resolves with the bound server. */
  async serve(host: string, port: number): Promise<{ server: Server; port: number }> {
    const server = createServer((req, res) => {
      if (req.url !== "/metrics") {
        res.writeHead(404).end();
        return;
      }
      void this.registry.metrics().then(
        (text) => {
          res.writeHead(200, { "Content-Type": this.registry.contentType });
          res.end(text);
        },
        () => res.writeHead(500).end(),
      );
    });
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, host, () => {
        server.off("error", reject);
        resolve();
      });
    });
    return { server, port: (server.address() as AddressInfo).port };
  }
}
