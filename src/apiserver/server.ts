/**
 * The API server: an HTTPS (or, for tests, plain HTTP) listener serving the
 * Kubernetes REST API from a storage Backend. Each request gets a
 * RequestContext, passes the in-flight limiter and the pipeline's filters
 * (authenticate → audit → authorize) and is routed; every failure becomes a
 * metav1.Status. Metrics are recorded per request.
 */
import { setMaxListeners } from "node:events";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { chmod, rm } from "node:fs/promises";
import { builtinResources, Registry } from "../api/registry.ts";
import { installApiExtensions } from "../apiextensions/install.ts";
import { realClock, type Clock } from "../client/clock.ts";
import type { Backend } from "../storage/backend.ts";
import { namespaceLifecycle } from "./admission/namespace-lifecycle.ts";
import { bootstrapCluster } from "./bootstrap.ts";
import type { RequestContext, ServerContext } from "./context.ts";
import { projectExtensions, type Extensions } from "./extensions.ts";
import { runHealthChecks, type HealthCheck } from "./health.ts";
import { InflightLimiter } from "./inflight.ts";
import { markLoopbackSocket } from "./loopback.ts";
import {
  DEFAULT_REQUEST_TIMEOUT_MS,
  isLongRunning,
  requestDeadlineMs,
  withDeadline,
} from "./request-deadline.ts";
import { ApiMetrics } from "./metrics.ts";
import { ObjectStore } from "./object-store.ts";
import { composeFilters, defaultPipeline, type Pipeline } from "./pipeline.ts";
import { parseRequestInfo } from "./request-info.ts";
import { RequestDeadlines } from "./request-deadlines.ts";
import { parseRequestTarget, type RequestTarget } from "./request-target.ts";
import { toStatusError, writeError, writeText } from "./response.ts";
import { StatusError } from "../api/status.ts";
import { notFoundPath, route } from "./router.ts";
import { WatchCacheSet } from "./watch-cache-set.ts";
import { setWarnings } from "./handlers/common.ts";
import {
  createApiListener,
  leanHttpEnabled,
  type NodeRequestListener,
} from "./http/api-listener.ts";
import type { LeanListener } from "./http/lean-server.ts";
import {
  installServiceNetworking,
  type ServiceNetworkingOptions,
} from "./services/service-networking.ts";

export interface TlsOptions {
  certPem: string;
  keyPem: string;
  /** CA whose client certificates are accepted (requested, not required). */
  clientCaPem?: string;
}

export interface ApiServerOptions {
  backend: Backend;
  registry?: Registry;
  /** Default 127.0.0.1. */
  bindAddress?: string;
  /** Default 6443; 0 picks a free port. */
  port?: number;
  /** Serve HTTPS with these; plain HTTP when absent (tests only). */
  tls?: TlsOptions;
  clock?: Clock;
  pipeline?: Pipeline;
  extensions?: Extensions;
  bookmarkIntervalMs?: number;
  maxReadOnlyInflight?: number;
  maxMutatingInflight?: number;
  /** Deadline of requests that are not long-running (--request-timeout; default 1 min). */
  requestTimeoutMs?: number;
  /** Create the system namespaces and priority classes (default true). */
  bootstrap?: boolean;
  /** Service IP/port allocation and the kubernetes service; false: neither. */
  services?: ServiceNetworkingOptions | false;
  /**
   * Also serve plain HTTP on this Unix socket (mode 0600) for the process's
   * own components (see loopback.ts). Skipped, with `loopbackSocket` unset in
   * the result, when the path cannot be bound (e.g. longer than 107 bytes).
   */
  loopbackSocket?: string;
  /** The HTTP path: "lean" (http/) or "node" (http.Server); default from env K8TS_NODE_HTTP. */
  http?: "lean" | "node";
}

export interface ApiServer {
  /** https://127.0.0.1:<port> */
  url: string;
  port: number;
  context: ServerContext;
  /** Resolves when the bootstrap objects exist (readyz turns green). */
  ready: Promise<void>;
  /** The loopback socket's path, when it is served. */
  loopbackSocket?: string;
  close(): Promise<void>;
}

const ignore = () => {};

const VERB_LABEL: Record<string, string> = {
  get: "GET",
  list: "LIST",
  watch: "WATCH",
  create: "POST",
  update: "PUT",
  patch: "PATCH",
  delete: "DELETE",
  deletecollection: "DELETE",
};

/** Starts listening; the returned promise resolves once the port is bound. */
export async function startApiServer(opts: ApiServerOptions): Promise<ApiServer> {
  const abort = new AbortController();
  // Every watch and background loop listens for the stop (and removes its listener).
  setMaxListeners(0, abort.signal);
  // Each server gets its own registry: custom resources are registered into it.
  const registry = opts.registry ?? new Registry(builtinResources());
  const store = new ObjectStore(opts.backend);
  const pipeline = opts.pipeline ?? defaultPipeline();
  pipeline.admission.unshift(namespaceLifecycle(() => context, registry));
  const context: ServerContext = {
    registry,
    store,
    watchCaches: new WatchCacheSet(opts.backend, { clock: opts.clock }),
    clock: opts.clock ?? realClock,
    pipeline,
    metrics: new ApiMetrics(),
    extensions: opts.extensions ?? projectExtensions(registry),
    signal: abort.signal,
    bookmarkIntervalMs: opts.bookmarkIntervalMs ?? 60_000,
  };
  const apiExtensions = installApiExtensions(context);
  const services =
    opts.services === false ? undefined : installServiceNetworking(context, opts.services);
  const deadlines = new RequestDeadlines(realClock);
  const limiter = new InflightLimiter(opts.maxReadOnlyInflight, opts.maxMutatingInflight);
  let bootstrapped = false;
  const checks: HealthCheck[] = [
    { name: "ping", check: async () => undefined },
    { name: "log", check: async () => undefined },
    { name: "etcd", check: async () => void (await opts.backend.currentRevision()) },
  ];
  const readyChecks: HealthCheck[] = [
    ...checks,
    {
      name: "poststarthook/bootstrap-system-objects",
      check: async () => (bootstrapped ? undefined : "not finished"),
    },
    { name: "shutdown", check: async () => (abort.signal.aborted ? "shutting down" : undefined) },
  ];
  let serverAddress = "";
  const handle = composeFilters(pipeline.filters, (ctx) => route(ctx, serverAddress));

  const onRequest = (req: IncomingMessage, res: ServerResponse) => {
    void serve(req, res).catch((err) => {
      writeError(res, err);
    });
  };

  async function serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = process.hrtime.bigint();
    let target: RequestTarget;
    try {
      target = parseRequestTarget(req.url ?? "/");
    } catch {
      writeError(
        res,
        new StatusError("BadRequest", `malformed request URL: ${JSON.stringify(req.url)}`),
      );
      return;
    }
    const info = parseRequestInfo(req.method ?? "GET", target.path, target.query);
    const ctx: RequestContext = {
      req,
      res,
      url: target,
      query: target.query,
      info,
      user: { username: "system:anonymous", groups: ["system:unauthenticated"] },
      warnings: [],
      server: context,
    };
    let code = 500;
    let release: (() => void) | undefined;
    try {
      // Resource requests (/api/v1/..., /apis/g/v/...) are never special.
      if (!info.isResourceRequest && (await serveSpecial(ctx))) {
        code = res.statusCode;
        return;
      }
      release = limiter.acquire(info.verb, info.isResourceRequest, info.subresource);
      context.metrics.setInflight(limiter.readOnly, limiter.mutating);
      if (isLongRunning(info)) await handle(ctx);
      else {
        const ms = requestDeadlineMs(
          ctx.query,
          opts.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS,
        );
        // The handler goes on past its deadline; whatever it writes later must not crash the server.
        await withDeadline(deadlines, ms, handle(ctx), () => res.on("error", ignore));
      }
      code = res.statusCode;
    } catch (err) {
      // Warnings collected before the failure (admission policies, webhooks) still reach the client.
      setWarnings(ctx);
      code = writeError(res, toStatusError(err));
    } finally {
      release?.();
      if (info.isResourceRequest) {
        const seconds = Number(process.hrtime.bigint() - started) / 1e9;
        context.metrics.observe(
          {
            verb:
              info.verb === "patch" &&
              (req.headers["content-type"] ?? "").startsWith("application/apply-patch")
                ? "APPLY"
                : (VERB_LABEL[info.verb] ?? info.verb.toUpperCase()),
            group: info.apiGroup,
            version: info.apiVersion,
            resource: info.resource,
            subresource: info.subresource,
            scope: info.name ? "resource" : info.namespace ? "namespace" : "cluster",
            code: String(code),
          },
          seconds,
        );
      }
    }
  }

  /** Health, metrics and OpenAPI: outside the resource pipeline. */
  async function serveSpecial(ctx: RequestContext): Promise<boolean> {
    const segments = ctx.url.pathname.split("/").filter((s) => s !== "");
    const first = segments[0] ?? "";
    if (first === "healthz" || first === "livez" || first === "readyz") {
      const result = await runHealthChecks(
        first,
        first === "readyz" ? readyChecks : checks,
        ctx.query,
        segments.slice(1).join("/") || undefined,
      );
      writeText(ctx.res, result.code, result.body);
      return true;
    }
    if (first === "metrics" && segments.length === 1) {
      const { contentType, text } = await context.metrics.expose();
      writeText(ctx.res, 200, text, contentType);
      return true;
    }
    if (first === "openapi") {
      const reply = await context.extensions.openapi({
        path: ctx.url.pathname,
        search: ctx.url.search,
        ifNoneMatch: ctx.req.headers["if-none-match"],
        accept: ctx.req.headers.accept,
      });
      if (reply.status === 404) throw notFoundPath();
      ctx.res.writeHead(reply.status, reply.headers);
      ctx.res.end(reply.body);
      return true;
    }
    return false;
  }

  const lean = leanHttpEnabled(opts.http);
  const listener = createApiListener({
    onRequest,
    lean,
    tls: opts.tls && {
      cert: opts.tls.certPem,
      key: opts.tls.keyPem,
      ca: opts.tls.clientCaPem,
      requestCert: opts.tls.clientCaPem !== undefined,
      rejectUnauthorized: false,
    },
  });
  const server = listener.server;
  const host = opts.bindAddress ?? "127.0.0.1";
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port ?? 6443, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const loopback = opts.loopbackSocket
    ? await listenLoopback(opts.loopbackSocket, onRequest, lean)
    : undefined;
  serverAddress = `${host}:${port}`;
  const scheme = opts.tls ? "https" : "http";
  const ready = ((opts.bootstrap ?? true) ? bootstrapCluster(context) : Promise.resolve())
    .then(() => apiExtensions.ready)
    .then(() => services?.start({ port, bindAddress: host, server }))
    .then(() => {
      bootstrapped = true;
    });
  ready.catch(() => undefined);
  return {
    url: `${scheme}://${host.includes(":") ? `[${host}]` : host}:${port}`,
    port,
    context,
    ready,
    loopbackSocket: loopback ? opts.loopbackSocket : undefined,
    async close() {
      abort.abort();
      context.watchCaches.stopAll();
      await Promise.all(
        [listener, loopback].map(
          (l) =>
            l &&
            new Promise<void>((resolve) => {
              l.server.close(() => resolve());
              l.closeAllConnections();
            }),
        ),
      );
    },
  };
}

/** Serves `onRequest` as plain HTTP on a Unix socket; undefined when it cannot listen there. */
async function listenLoopback(
  path: string,
  onRequest: NodeRequestListener,
  lean: boolean,
): Promise<LeanListener | undefined> {
  if (Buffer.byteLength(path) > 107) return undefined;
  await rm(path, { force: true });
  const listener = createApiListener({ onRequest, lean, onConnection: markLoopbackSocket });
  const server = listener.server;
  const listening = await new Promise<boolean>((resolve) => {
    server.once("error", () => resolve(false));
    // Created 0600 from the start: no window in which others could connect.
    const mask = process.umask(0o177);
    try {
      server.listen(path, () => resolve(true));
    } finally {
      process.umask(mask);
    }
  });
  if (!listening) return undefined;
  await chmod(path, 0o600);
  return listener;
}
