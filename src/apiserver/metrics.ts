/**
 * API server metrics in Prometheus format (prom-client): request counts by
 * verb/resource/code and request latencies. prom-client is loaded after the
 * server starts listening so it never delays readiness; observations made
 * before then are kept (bounded) and replayed.
 */
import type { Counter, Gauge, Histogram, Registry } from "prom-client";

export interface RequestLabels {
  verb: string;
  group: string;
  version: string;
  resource: string;
  subresource: string;
  scope: string;
  code: string;
}

interface Loaded {
  registry: Registry;
  requests: Counter<string>;
  duration: Histogram<string>;
  inflight: Gauge<string>;
}

const MAX_PENDING = 10_000;

/** Per-server metrics (one prom-client Registry per server, no global default). */
export class ApiMetrics {
  #loaded?: Loaded;
  #loading?: Promise<Loaded>;
  #pending: { labels: RequestLabels; seconds: number }[] = [];
  #inflight = { readOnly: 0, mutating: 0 };

  /** Imports prom-client and registers the collectors. Idempotent. */
  load(): Promise<Loaded> {
    this.#loading ??= (async () => {
      const prom = await import("prom-client");
      const registry = new prom.Registry();
      const requests = new prom.Counter({
        name: "apiserver_request_total",
        help: "Counter of apiserver requests broken out for each verb, group, version, resource, scope, subresource and HTTP response code.",
        labelNames: ["verb", "group", "version", "resource", "subresource", "scope", "code"],
        registers: [registry],
      });
      const duration = new prom.Histogram({
        name: "apiserver_request_duration_seconds",
        help: "Response latency distribution in seconds for each verb, group, version, resource, subresource and scope.",
        labelNames: ["verb", "group", "version", "resource", "subresource", "scope"],
        buckets: [
          0.005, 0.025, 0.05, 0.1, 0.2, 0.4, 0.6, 0.8, 1, 1.25, 1.5, 2, 3, 4, 5, 6, 8, 10, 15, 20,
          30, 45, 60,
        ],
        registers: [registry],
      });
      const inflightCounts = this.#inflight;
      const inflight = new prom.Gauge({
        name: "apiserver_current_inflight_requests",
        help: "Maximal number of currently used inflight request limit of this apiserver per request kind.",
        labelNames: ["request_kind"],
        registers: [registry],
        collect() {
          this.set({ request_kind: "readOnly" }, inflightCounts.readOnly);
          this.set({ request_kind: "mutating" }, inflightCounts.mutating);
        },
      });
      const loaded = { registry, requests, duration, inflight };
      this.#loaded = loaded;
      for (const p of this.#pending) this.record(p.labels, p.seconds);
      this.#pending = [];
      return loaded;
    })();
    return this.#loading;
  }

  /** Records one finished request. */
  observe(labels: RequestLabels, seconds: number): void {
    if (!this.#loaded) {
      if (this.#pending.length < MAX_PENDING) this.#pending.push({ labels, seconds });
      return;
    }
    this.record(labels, seconds);
  }

  /** Tracks in-flight requests for the gauge. */
  setInflight(readOnly: number, mutating: number): void {
    this.#inflight.readOnly = readOnly;
    this.#inflight.mutating = mutating;
  }

  /** The Prometheus text exposition and its content type. */
  async expose(): Promise<{ contentType: string; text: string }> {
    const loaded = await this.load();
    return { contentType: loaded.registry.contentType, text: await loaded.registry.metrics() };
  }

  private record(labels: RequestLabels, seconds: number): void {
    const { code, ...rest } = labels;
    this.#loaded!.requests.inc({ ...rest, code });
    this.#loaded!.duration.observe(rest, seconds);
  }
}
