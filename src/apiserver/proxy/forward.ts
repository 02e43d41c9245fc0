/**
 * Forwards one API request to a kubelet, as upstream's upgrade-aware proxy:
 * plain requests stream their body there and the answer back (chunked, so
 * `logs -f` flows as it is written; the upstream request is aborted when
 * the client goes away); upgrade requests (WebSocket, SPDY) are sent on
 * and, once the kubelet answers 101, the two connections are joined byte
 * for byte. A kubelet error answer becomes a Status (the kubelet's text
 * as the message) when `statusErrors` is set, as pods/log does upstream.
 */
import https from "node:https";
import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import { StatusError, type StatusReason } from "../../api/status.ts";
import type { RequestContext } from "../context.ts";
import { drained } from "../handlers/common.ts";
import type { KubeletLocation } from "./kubelet-client.ts";

/** Request headers that must not reach the kubelet (credentials, hop-by-hop). */
const DROP = new Set([
  "authorization",
  "host",
  "proxy-connection",
  "keep-alive",
  "transfer-encoding",
  "te",
  "trailer",
]);

/** Headers copied to the kubelet; connection/upgrade only on upgrade requests. */
export function forwardedHeaders(
  headers: IncomingMessage["headers"],
  upgrade: boolean,
): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [k, v] of Object.entries(headers)) {
    if (v === undefined || DROP.has(k) || k.startsWith("impersonate-")) continue;
    if (!upgrade && (k === "connection" || k === "upgrade")) continue;
    out[k] = v;
  }
  return out;
}

const REASONS: Record<number, StatusReason> = {
  400: "BadRequest",
  401: "Unauthorized",
  403: "Forbidden",
  404: "NotFound",
  409: "Conflict",
  503: "ServiceUnavailable",
};

/** The Status for a kubelet error answer. */
export function kubeletError(code: number, body: string): StatusError {
  const message = body.trim() || `the kubelet answered ${code}`;
  const reason = REASONS[code] ?? "InternalError";
  return new StatusError(reason, message, undefined, reason === "InternalError" ? 500 : code);
}

function readAll(res: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    res.on("data", (c: Buffer) => chunks.push(c));
    res.on("end", () => resolve(Buffer.concat(chunks).toString()));
    res.on("error", () => resolve(Buffer.concat(chunks).toString()));
  });
}

export interface ForwardOptions {
  /** Path and query on the kubelet. */
  path: string;
  /** Turn kubelet error answers into Status errors (default: relay them as they are). */
  statusErrors?: boolean;
}

/** True when the client asked to upgrade the connection. */
export function isUpgrade(ctx: RequestContext): boolean {
  return /\bupgrade\b/i.test(String(ctx.req.headers.connection ?? "")) && !!ctx.req.headers.upgrade;
}

/** Forwards the request; resolves when the exchange (or upgraded session) is over. */
export async function forwardToKubelet(
  ctx: RequestContext,
  loc: KubeletLocation,
  opts: ForwardOptions,
): Promise<void> {
  const upgrade = isUpgrade(ctx);
  const req = https.request({
    host: loc.host,
    port: loc.port,
    method: ctx.req.method,
    path: opts.path,
    headers: forwardedHeaders(ctx.req.headers, upgrade),
    agent: false,
    ...loc.tls,
  });
  const client = ctx.req.socket as Duplex;
  const onClientGone = () => req.destroy();
  ctx.res.once("close", onClientGone);
  const done = new Promise<void>((resolve, reject) => {
    req.once("error", (err) =>
      reject(new StatusError("InternalError", `error dialing backend: ${err.message}`)),
    );
    req.once("upgrade", (res, upstream, head) => {
      ctx.res.statusCode = 101;
      const lines = [`HTTP/1.1 101 ${res.statusMessage ?? "Switching Protocols"}`];
      for (let i = 0; i < res.rawHeaders.length; i += 2)
        lines.push(`${res.rawHeaders[i]}: ${res.rawHeaders[i + 1]}`);
      client.write(`${lines.join("\r\n")}\r\n\r\n`);
      if (head.length) client.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
      const end = () => {
        upstream.destroy();
        client.destroy();
        resolve();
      };
      upstream.once("close", end);
      client.once("close", end);
      upstream.once("error", end);
      client.once("error", end);
    });
    req.once("response", async (res) => {
      const code = res.statusCode ?? 502;
      if (opts.statusErrors && (code < 200 || code >= 300)) {
        reject(kubeletError(code, await readAll(res)));
        return;
      }
      const headers: Record<string, string | string[]> = {};
      for (const [k, v] of Object.entries(res.headers)) {
        if (v !== undefined && !["connection", "transfer-encoding", "keep-alive"].includes(k))
          headers[k] = v;
      }
      delete headers["content-length"];
      ctx.res.writeHead(code, headers);
      ctx.res.flushHeaders();
      // A slow client pauses the kubelet's stream (logs -f), not a growing buffer here.
      res.on("data", (c: Buffer) => {
        if (ctx.res.write(c)) return;
        res.pause();
        void drained(ctx.res).then(() => res.resume());
      });
      res.once("end", () => {
        ctx.res.end();
        resolve();
      });
      res.once("error", () => {
        ctx.res.destroy();
        resolve();
      });
    });
  });
  if (upgrade) req.end();
  else ctx.req.pipe(req);
  try {
    await done;
  } finally {
    ctx.res.off("close", onClientGone);
  }
}
