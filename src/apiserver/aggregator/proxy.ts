/**
 * Proxying to an extension API server, as upstream's aggregator proxy
 * handler: the request (method, path, query, body) goes to the APIService's
 * service over TLS verified with its caBundle (or unverified with
 * insecureSkipTLSVerify), the user travels in the requestheader headers
 * (X-Remote-User, X-Remote-Group, X-Remote-Extra-<key>), and the answer is
 * streamed back (watches included).
 */
import type { IncomingMessage } from "node:http";
import { request as httpsRequest } from "node:https";
import type { KObject } from "../../api/types.ts";
import type { RequestContext } from "../context.ts";
import { type ServiceResolver, type WebhookEndpoint } from "../admission/webhook/webhook-client.ts";

type Rec = Record<string, unknown>;

/** Where an APIService's server is reached (base URL without path). */
export async function apiServiceEndpoint(
  apiService: KObject,
  resolve: ServiceResolver,
): Promise<WebhookEndpoint> {
  const spec = (apiService.spec ?? {}) as Rec;
  const svc = (spec.service ?? {}) as Rec;
  const namespace = String(svc.namespace ?? "");
  const name = String(svc.name ?? "");
  const target = await resolve(namespace, name, Number(svc.port ?? 443));
  const host = target.host.includes(":") ? `[${target.host}]` : target.host;
  return {
    url: new URL(`https://${host}:${target.port}/`),
    servername: `${name}.${namespace}.svc`,
    caPem:
      typeof spec.caBundle === "string" && spec.caBundle
        ? Buffer.from(spec.caBundle, "base64").toString("utf8")
        : undefined,
    insecure: spec.insecureSkipTLSVerify === true,
  };
}

/** Sends one request to the endpoint; resolves with the response stream. */
export function upstreamRequest(
  endpoint: WebhookEndpoint,
  opts: {
    method: string;
    path: string;
    headers: Record<string, string | string[]>;
    timeoutMs?: number;
  },
  body?: IncomingMessage,
): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const url = new URL(opts.path, endpoint.url);
    const req = httpsRequest(url, {
      method: opts.method,
      headers: opts.headers,
      ca: endpoint.caPem,
      servername: endpoint.insecure ? undefined : endpoint.servername,
      rejectUnauthorized: !endpoint.insecure,
      agent: false,
      signal: opts.timeoutMs ? AbortSignal.timeout(opts.timeoutMs) : undefined,
    });
    req.on("response", resolve);
    req.on("error", reject);
    if (body) body.pipe(req);
    else req.end();
  });
}

const HOP_BY_HOP = new Set([
  "connection",
  "keep-alive",
  "transfer-encoding",
  "upgrade",
  "host",
  "authorization",
  "proxy-authorization",
  "te",
  "trailer",
]);

/** The headers sent upstream: the client's (less hop-by-hop and credentials) plus the user. */
export function proxiedHeaders(ctx: RequestContext): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [k, v] of Object.entries(ctx.req.headers)) {
    if (
      v === undefined ||
      HOP_BY_HOP.has(k) ||
      k.startsWith("x-remote-") ||
      k.startsWith("impersonate-")
    )
      continue;
    out[k] = v;
  }
  out["x-remote-user"] = ctx.user.username;
  if (ctx.user.groups.length > 0) out["x-remote-group"] = ctx.user.groups;
  for (const [k, values] of Object.entries(ctx.user.extra ?? {}))
    out[`x-remote-extra-${encodeURIComponent(k.toLowerCase())}`] = values;
  return out;
}

/** Proxies ctx's request to the endpoint and streams the reply. */
export async function proxyRequest(ctx: RequestContext, endpoint: WebhookEndpoint): Promise<void> {
  const upstream = await upstreamRequest(
    endpoint,
    {
      method: ctx.req.method ?? "GET",
      path: ctx.url.pathname + ctx.url.search,
      headers: proxiedHeaders(ctx),
    },
    ctx.req,
  );
  const headers: Record<string, string | string[]> = {};
  for (const [k, v] of Object.entries(upstream.headers))
    if (v !== undefined && !HOP_BY_HOP.has(k)) headers[k] = v;
  ctx.res.writeHead(upstream.statusCode ?? 502, headers);
  await new Promise<void>((resolve) => {
    upstream.pipe(ctx.res);
    upstream.on("end", resolve);
    upstream.on("error", () => resolve());
    ctx.res.on("close", () => {
      upstream.destroy();
      resolve();
    });
  });
}
