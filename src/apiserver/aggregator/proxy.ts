/**
 * Proxying to an extension API server, as upstream's aggregator proxy
 * handler: the request (method, path, query, body) goes to the APIService's
 * service over TLS verified with its caBundle (or unverified with
 * insecureSkipTLSVerify), the user travels in the requestheader headers
 * (X-Remote-User, X-Remote-Group, X-Remote-Extra-<key>) vouched for by the
 * front-proxy client certificate, and the answer is streamed back (watches
 * included). Upgrade requests (WebSocket, SPDY) are relayed byte for byte
 * once the extension server answers 101.
 */
import type { ClientRequest, IncomingMessage } from "node:http";
import { request as httpsRequest } from "node:https";
import type { Duplex } from "node:stream";
import type { KObject } from "../../api/types.ts";
import type { CertKeyPair } from "../../pki/self-signed.ts";
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

/** One request to an extension server. */
export interface UpstreamOptions {
  method: string;
  path: string;
  headers: Record<string, string | string[]>;
  timeoutMs?: number;
  /** The front-proxy client certificate presented to the server. */
  client?: CertKeyPair;
}

function openUpstream(endpoint: WebhookEndpoint, opts: UpstreamOptions): ClientRequest {
  return httpsRequest(new URL(opts.path, endpoint.url), {
    method: opts.method,
    headers: opts.headers,
    ca: endpoint.caPem,
    cert: opts.client?.certPem,
    key: opts.client?.keyPem,
    servername: endpoint.insecure ? undefined : endpoint.servername,
    rejectUnauthorized: !endpoint.insecure,
    agent: false,
    signal: opts.timeoutMs ? AbortSignal.timeout(opts.timeoutMs) : undefined,
  });
}

/** Sends one request to the endpoint; resolves with the response stream. */
export function upstreamRequest(
  endpoint: WebhookEndpoint,
  opts: UpstreamOptions,
  body?: IncomingMessage,
): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const req = openUpstream(endpoint, opts);
    req.on("response", resolve);
    req.on("error", reject);
    if (body) body.pipe(req);
    else req.end();
  });
}

/** Reads a whole response body. */
export async function readBody(res: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of res) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
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

/** True when the client asked to upgrade the connection (WebSocket, SPDY). */
export function wantsUpgrade(ctx: RequestContext): boolean {
  return /\bupgrade\b/i.test(String(ctx.req.headers.connection ?? "")) && !!ctx.req.headers.upgrade;
}

/** Proxies ctx's request to the endpoint and streams the reply. */
export async function proxyRequest(
  ctx: RequestContext,
  endpoint: WebhookEndpoint,
  client?: CertKeyPair,
): Promise<void> {
  const opts: UpstreamOptions = {
    method: ctx.req.method ?? "GET",
    path: ctx.url.pathname + ctx.url.search,
    headers: proxiedHeaders(ctx),
    client,
  };
  if (wantsUpgrade(ctx)) return proxyUpgrade(ctx, endpoint, opts);
  await relayResponse(ctx, await upstreamRequest(endpoint, opts, ctx.req));
}

/**
 * An upgrade request: on 101 the extension server's response head is written
 * to the client's socket and both sockets are piped until either closes;
 * any other answer is relayed as a normal response.
 */
function proxyUpgrade(
  ctx: RequestContext,
  endpoint: WebhookEndpoint,
  opts: UpstreamOptions,
): Promise<void> {
  const headers = {
    ...opts.headers,
    connection: "Upgrade",
    upgrade: String(ctx.req.headers.upgrade),
  };
  const req = openUpstream(endpoint, { ...opts, headers });
  const client = ctx.req.socket as Duplex;
  return new Promise<void>((resolve, reject) => {
    req.once("error", reject);
    req.once("upgrade", (res, upstream, head) => {
      ctx.res.statusCode = 101;
      const lines = [`HTTP/1.1 101 ${res.statusMessage || "Switching Protocols"}`];
      for (let i = 0; i < res.rawHeaders.length; i += 2)
        lines.push(`${res.rawHeaders[i]}: ${res.rawHeaders[i + 1]}`);
      client.write(`${lines.join("\r\n")}\r\n\r\n`);
      if (head.length > 0) client.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
      const end = () => {
        upstream.destroy();
        client.destroy();
        resolve();
      };
      for (const s of [upstream, client]) {
        s.once("close", end);
        s.once("error", end);
      }
    });
    req.once("response", (res) => void relayResponse(ctx, res).then(resolve, reject));
    req.end();
  });
}

/** Streams an extension server's response to the client. */
async function relayResponse(ctx: RequestContext, upstream: IncomingMessage): Promise<void> {
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
