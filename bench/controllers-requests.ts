/**
 * API requests counted by the server (apiserver_request_total from its
 * /metrics), summed per verb and resource[/subresource], so that
 * bench:controllers can report the requests each replica costs — a figure
 * the machine's load does not change.
 */
import https from "node:https";
import type { ClientConfig } from "../src/client/kubeconfig.ts";

/** Request counts keyed "VERB resource[/subresource]". */
export type RequestCounts = Map<string, number>;

const sample = /^apiserver_request_total\{([^}]*)\}\s+([0-9.e+-]+)$/;
const label = /(\w+)="((?:[^"\\]|\\.)*)"/g;

/**
 * Sums apiserver_request_total samples of a Prometheus text page per verb and
 * resource; with `errors`, failed requests (code 400 and up) are counted
 * apart, their code appended to the key ("PUT replicasets/status 409").
 */
export function parseRequestCounts(text: string, opts: { errors?: boolean } = {}): RequestCounts {
  const out: RequestCounts = new Map();
  for (const line of text.split("\n")) {
    const m = sample.exec(line.trim());
    if (!m) continue;
    const labels: Record<string, string> = {};
    for (const [, k, v] of m[1]!.matchAll(label)) labels[k!] = v!;
    const failed = opts.errors && Number(labels.code) >= 400 ? ` ${labels.code}` : "";
    const key = `${labels.verb ?? "?"} ${labels.resource ?? "?"}${labels.subresource ? `/${labels.subresource}` : ""}${failed}`;
    out.set(key, (out.get(key) ?? 0) + Number(m[2]));
  }
  return out;
}

/** Counts in `after` less those in `before`, dropping keys that did not grow. */
export function diffRequestCounts(before: RequestCounts, after: RequestCounts): RequestCounts {
  const out: RequestCounts = new Map();
  for (const [k, v] of after) {
    const d = v - (before.get(k) ?? 0);
    if (d > 0) out.set(k, d);
  }
  return out;
}

/** Reads the server's /metrics with an admin kubeconfig's credentials (`opts` as parseRequestCounts). */
export function fetchRequestCounts(
  config: ClientConfig,
  opts: { errors?: boolean } = {},
): Promise<RequestCounts> {
  const url = new URL("/metrics", config.server);
  return new Promise((resolve, reject) => {
    const req = https.get(
      url,
      {
        ca: config.ca,
        cert: config.cert,
        key: config.key,
        rejectUnauthorized: !config.insecureSkipTLSVerify,
        headers: config.token ? { Authorization: `Bearer ${config.token}` } : {},
      },
      (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (c: string) => (text += c));
        res.on("end", () =>
          res.statusCode === 200
            ? resolve(parseRequestCounts(text, opts))
            : reject(new Error(`GET /metrics: ${res.statusCode}`)),
        );
      },
    );
    req.on("error", reject);
  });
}
