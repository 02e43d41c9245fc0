/**
 * The API server's listeners, on either HTTP path: the lean one (default
 * when LEAN_BY_DEFAULT; env K8TS_NODE_HTTP=0 asks for it) or Node's
 * http/https server (env K8TS_NODE_HTTP=1), which also takes what the lean
 * path hands off: upgrades (exec, attach, port-forward), the proxy and log
 * subresources, watches and any head outside the common shape.
 */
import { createServer as createHttpServer, type IncomingMessage, type Server } from "node:http";
import type { ServerResponse } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { Server as NetServer, Socket } from "node:net";
import type { TlsOptions } from "node:tls";
import { serveUpgradeRequests } from "../proxy/upgrade-requests.ts";
import { MAX_REQUEST_BODY_BYTES } from "../request-body.ts";
import type { RequestListener } from "./connection.ts";
import { createLeanListener, type LeanListener } from "./lean-server.ts";
import type { RequestHead } from "./request-head.ts";

export type NodeRequestListener = (req: IncomingMessage, res: ServerResponse) => void;

/**
 * Whether the lean path serves when K8TS_NODE_HTTP is unset. On: per
 * request it costs the same or less server CPU than Node's server (same
 * build, alternating: creates -6 to -19%, GETs -10 to -31%, lease PUTs -8%
 * under load; quiet bench:api and SchedulingBasic equal within noise), and
 * the review's findings on it are fixed (framing, back-pressure, tracking of
 * handed-off connections). K8TS_NODE_HTTP=1 gives Node's server.
 */
export const LEAN_BY_DEFAULT = true;

const KEEP_ALIVE_TIMEOUT_MS = 65_000;
const HEADERS_TIMEOUT_MS = 66_000;

/** Whether the lean path is chosen: an explicit choice, else the environment, else the default. */
export function leanHttpEnabled(choice?: "lean" | "node"): boolean {
  if (choice !== undefined) return choice === "lean";
  const env = process.env.K8TS_NODE_HTTP;
  if (env === "1") return false;
  if (env === "0") return true;
  return LEAN_BY_DEFAULT;
}

/** Creates a listener (not yet listening) for `onRequest`. */
export function createApiListener(opts: {
  onRequest: NodeRequestListener;
  lean: boolean;
  tls?: TlsOptions;
  /** Sees each accepted connection first. */
  onConnection?: (socket: Socket) => void;
}): LeanListener {
  const node = configure(
    opts.tls && !opts.lean
      ? createHttpsServer(opts.tls, opts.onRequest)
      : createHttpServer(opts.onRequest),
    opts.onRequest,
  );
  if (!opts.lean) {
    if (opts.onConnection) node.on("connection", opts.onConnection);
    return { server: node, closeAllConnections: () => node.closeAllConnections() };
  }
  return createLeanListener(
    {
      onRequest: opts.onRequest as unknown as RequestListener,
      fallback: node,
      handOff: servedByNode,
      maxBodyBytes: MAX_REQUEST_BODY_BYTES,
      keepAliveTimeoutMs: KEEP_ALIVE_TIMEOUT_MS,
      headersTimeoutMs: HEADERS_TIMEOUT_MS,
    },
    opts.tls,
    opts.onConnection,
  );
}

function configure(server: Server, onRequest: NodeRequestListener): Server {
  serveUpgradeRequests(server, onRequest);
  server.keepAliveTimeout = KEEP_ALIVE_TIMEOUT_MS;
  server.headersTimeout = HEADERS_TIMEOUT_MS;
  server.requestTimeout = 0;
  return server;
}

/** Subresources that stream or take the connection over (by their undecoded path). */
const STREAMING_SUBRESOURCE = /\/(?:proxy|exec|attach|portforward|log)(?:\/|$)/;

/** Requests Node's server keeps: streams, proxies and connections taken over. */
export function servedByNode(head: RequestHead): boolean {
  const url = head.url;
  const q = url.indexOf("?");
  let path = q < 0 ? url : url.slice(0, q);
  // Percent-encoded names (`/%77atch/`, `?%77atch=true`) mean the same to the router.
  if (path.includes("%")) path = decoded(path);
  if (STREAMING_SUBRESOURCE.test(path) || path.includes("/watch/")) return true;
  if (q < 0) return false;
  if (url.includes("watch=", q)) return true;
  return url.includes("%", q) && new URLSearchParams(url.slice(q + 1)).has("watch");
}

function decoded(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

export type { NetServer };
