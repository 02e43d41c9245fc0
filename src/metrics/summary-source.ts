/**
 * Reads the kubelets' /stats/summary for the metrics API, with a short
 * per-node cache so `kubectl top` and the HPA controller polling together
 * do not make every kubelet compute its stats several times a second.
 * Concurrent readers of one node share one request.
 */
import https from "node:https";
import type { Clock } from "../client/clock.ts";
import type { Summary } from "../kubelet/server/stats-provider.ts";
import type { KubeletLocation } from "../apiserver/proxy/kubelet-client.ts";

export interface SummarySourceOptions {
  clock: Clock;
  /** How long a node's summary is reused (default 5 s). */
  ttlMs?: number;
  /** Per-request timeout (default 5 s). */
  timeoutMs?: number;
  fetch?(loc: KubeletLocation, timeoutMs: number): Promise<Summary>;
}

/** GETs /stats/summary from a kubelet. */
export function fetchSummary(loc: KubeletLocation, timeoutMs: number): Promise<Summary> {
  return new Promise((resolve, reject) => {
    const req = https.get(
      {
        host: loc.host,
        port: loc.port,
        path: "/stats/summary?only_cpu_and_memory=true",
        agent: false,
        timeout: timeoutMs,
        ...loc.tls,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => {
          const body = Buffer.concat(chunks).toString();
          if (res.statusCode !== 200)
            return reject(new Error(`kubelet answered ${res.statusCode}: ${body.trim()}`));
          try {
            resolve(JSON.parse(body) as Summary);
          } catch (err) {
            reject(err);
          }
        });
        res.on("error", reject);
      },
    );
    req.on("timeout", () => req.destroy(new Error("timeout reading the kubelet's stats")));
    req.on("error", reject);
  });
}

/** Cached summaries by node name. */
export class SummarySource {
  readonly #o: SummarySourceOptions;
  readonly #cache = new Map<string, { at: number; summary: Promise<Summary> }>();

  constructor(o: SummarySourceOptions) {
    this.#o = o;
  }

  /** The node's summary, fetched when the cached one is older than the TTL. */
  get(nodeName: string, loc: KubeletLocation): Promise<Summary> {
    const now = this.#o.clock.now();
    const hit = this.#cache.get(nodeName);
    if (hit && now - hit.at < (this.#o.ttlMs ?? 5000)) return hit.summary;
    const summary = (this.#o.fetch ?? fetchSummary)(loc, this.#o.timeoutMs ?? 5000);
    this.#cache.set(nodeName, { at: now, summary });
    summary.catch(() => {
      if (this.#cache.get(nodeName)?.summary === summary) this.#cache.delete(nodeName);
    });
    return summary;
  }
}
