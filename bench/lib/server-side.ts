/**
 * Server-side figures for a benchmark phase: the server process's CPU time
 * (from /proc) and its own request-latency histogram
 * (apiserver_request_duration_seconds, as upstream's latency SLIs are
 * measured inside the API server), so client-side queueing can be told
 * apart from server time.
 */
import https from "node:https";
import type { ClientConfig } from "../../src/client/kubeconfig.ts";

export { processCpuMs } from "./proc-stat.ts";

/** Cumulative bucket counts (le → count) of one verb/resource's request durations. */
export type Buckets = Map<number, number>;

/** Fetches /metrics and sums apiserver_request_duration_seconds buckets for verb+resource. */
export async function durationBuckets(
  cfg: ClientConfig,
  verb: string,
  resource: string,
): Promise<Buckets> {
  const text = await fetchText(cfg, "/metrics");
  const out: Buckets = new Map();
  for (const line of text.split("\n")) {
    if (!line.startsWith("apiserver_request_duration_seconds_bucket{")) continue;
    if (!line.includes(`verb="${verb}"`) || !line.includes(`resource="${resource}"`)) continue;
    if (!line.includes('subresource=""')) continue;
    const le = /le="([^"]+)"/.exec(line)?.[1];
    if (!le) continue;
    const bound = le === "+Inf" ? Infinity : Number(le);
    out.set(bound, (out.get(bound) ?? 0) + Number(line.slice(line.lastIndexOf(" ") + 1)));
  }
  return out;
}

/**
 * From two snapshots: the share of requests the server finished within
 * `limitSeconds` (a bucket bound) and the smallest bucket bound holding 99%
 * of them (the server-side p99, to bucket precision).
 */
export function bucketDelta(
  before: Buckets,
  after: Buckets,
  limitSeconds: number,
): { count: number; shareWithin: number; p99Bound: number } {
  const bounds = [...after.keys()].sort((a, b) => a - b);
  const delta = (le: number) => (after.get(le) ?? 0) - (before.get(le) ?? 0);
  const count = delta(Infinity);
  if (count === 0) return { count, shareWithin: 1, p99Bound: 0 };
  const p99Bound = bounds.find((le) => delta(le) >= 0.99 * count) ?? Infinity;
  return { count, shareWithin: delta(limitSeconds) / count, p99Bound };
}

function fetchText(cfg: ClientConfig, path: string): Promise<string> {
  const url = new URL(cfg.server);
  const headers: Record<string, string> = {};
  if (cfg.token) headers.Authorization = `Bearer ${cfg.token}`;
  return new Promise((resolve, reject) => {
    const req = https.request(
      {
        hostname: url.hostname,
        port: url.port,
        path,
        headers,
        ca: cfg.ca,
        cert: cfg.cert,
        key: cfg.key,
        rejectUnauthorized: !cfg.insecureSkipTLSVerify,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => resolve(Buffer.concat(chunks).toString()));
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    req.end();
  });
}
