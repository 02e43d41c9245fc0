/**
 * Requests per pod, from the server's own apiserver_request_total counter:
 * two snapshots around a phase give, per verb and resource/subresource, how
 * many requests the whole cluster (controllers, scheduler, simulated
 * kubelets) sent for each pod created — e.g. pods/status PATCH and leases PUT
 * come from the kubelets alone.
 */
import https from "node:https";
import type { ClientConfig } from "../src/client/kubeconfig.ts";
import type { Row } from "./lib/table.ts";

/** Request counts by "VERB resource[/subresource]". */
export type RequestCounts = Map<string, number>;

/** Parses apiserver_request_total lines of a Prometheus text exposition. */
export function parseRequestCounts(text: string): RequestCounts {
  const out: RequestCounts = new Map();
  for (const line of text.split("\n")) {
    if (!line.startsWith("apiserver_request_total{")) continue;
    const label = (name: string) => new RegExp(`${name}="([^"]*)"`).exec(line)?.[1] ?? "";
    const sub = label("subresource");
    const key = `${label("verb")} ${label("resource")}${sub ? `/${sub}` : ""}`;
    out.set(key, (out.get(key) ?? 0) + Number(line.slice(line.lastIndexOf(" ") + 1)));
  }
  return out;
}

/** Rows of the requests made between two snapshots, per pod, largest first (top n). */
export function requestRows(
  before: RequestCounts,
  after: RequestCounts,
  pods: number,
  n = 15,
): Row[] {
  return [...after]
    .map(([call, count]) => ({ call, count: count - (before.get(call) ?? 0) }))
    .filter((r) => r.count > 0)
    .sort((a, b) => b.count - a.count)
    .slice(0, n)
    .map((r) => ({ call: r.call, requests: r.count, "per pod": pods > 0 ? r.count / pods : NaN }));
}

/** Fetches /metrics with the client's credentials and parses the request counter. */
export function fetchRequestCounts(cfg: ClientConfig): Promise<RequestCounts> {
  const url = new URL(cfg.server);
  const headers: Record<string, string> = cfg.token ? { Authorization: `Bearer ${cfg.token}` } : {};
  return new Promise((resolve, reject) => {
    const req = https.request(
      {
        hostname: url.hostname,
        port: url.port,
        path: "/metrics",
        headers,
        ca: cfg.ca,
        cert: cfg.cert,
        key: cfg.key,
        rejectUnauthorized: !cfg.insecureSkipTLSVerify,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => resolve(parseRequestCounts(Buffer.concat(chunks).toString())));
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    req.end();
  });
}
