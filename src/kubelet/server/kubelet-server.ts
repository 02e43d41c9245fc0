/**
 * The kubelet's HTTPS server (upstream :10250): health, the pods it runs,
 * container logs, exec/attach/port-forward streaming, stats and metrics.
 * The API server reaches it for pods/log, pods/exec, pods/attach,
 * pods/portforward and nodes/proxy.
 *
 * Authentication: with a client CA, every request must present a client
 * certificate it signed (the API server's apiserver-kubelet-client) or a
 * bearer token the `authenticateToken` hook accepts (TokenReview);
 * requests with neither get 401. Authorization: an optional `authorize`
 * hook (SubjectAccessReview on nodes/<subresource>, as upstream's webhook
 * mode); allowed when absent.
 */
import { createServer, type Server } from "node:https";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { Duplex } from "node:stream";
import type { TLSSocket } from "node:tls";
import type { Pod } from "kubernetes-types/core/v1.d.ts";
import type { Clock } from "../../client/clock.ts";
import type { Logger } from "../../util/logger.ts";
import { findContainer, findSandbox } from "../container-lookup.ts";
import type { ContainerRuntime } from "../runtime/runtime.ts";
import { streamContainerLog } from "./container-logs.ts";
import type { LogOptions } from "./cri-log.ts";
import { previousLogPath } from "./previous-log.ts";
import {
  isSpdyRequest,
  rejectUpgrade,
  relayExecWebSocket,
  relayPortForward,
  relaySpdy,
} from "./stream-relay.ts";
import { SPDY_CHANNEL_PROTOCOLS } from "./spdy/remote-command.ts";
import { resourceMetricsText, type StatsProvider } from "./stats-provider.ts";

/** Who is calling, from the client certificate. */
export interface KubeletUser {
  name: string;
  groups: string[];
}

export interface KubeletServerOptions {
  runtime: ContainerRuntime;
  nodeName: string;
  clock: Clock;
  log: Logger;
  pods(): Pod[];
  stats: StatsProvider;
  /** Where container logs live (previous-instance fallback). */
  logsDir: string;
  /** The effective configuration served on /configz (upstream `{"kubeletconfig": ...}`). */
  configz?(): unknown;
  /** Default 10250; 0 picks a free port. */
  port?: number;
  /** Default 127.0.0.1. */
  bindAddress?: string;
  tls: { certPem: string; keyPem: string };
  /** Require client certificates signed by this CA. */
  clientCaPem?: string;
  /** Authenticates a bearer token (upstream webhook token authentication); undefined: rejected. */
  authenticateToken?(token: string): Promise<KubeletUser | undefined>;
  /** Decides whether `user` may use `subresource` (proxy, log, stats, metrics) of the node. */
  authorize?(user: KubeletUser, verb: string, subresource: string): Promise<boolean>;
}

export interface KubeletServer {
  port: number;
  close(): Promise<void>;
}

/** The node subresource a path needs, as upstream's kubelet auth maps it. */
export function subresourceOf(path: string): string {
  if (path.startsWith("/stats")) return "stats";
  if (path.startsWith("/metrics")) return "metrics";
  if (path.startsWith("/logs")) return "log";
  return "proxy";
}

function parseLogOptions(q: URLSearchParams, now: number): LogOptions {
  const bool = (k: string) => q.get(k) === "true" || q.get(k) === "1";
  const int = (k: string) => (q.has(k) ? Number(q.get(k)) : undefined);
  const sinceSeconds = int("sinceSeconds");
  const sinceTime = q.get("sinceTime");
  return {
    follow: bool("follow"),
    previous: bool("previous"),
    timestamps: bool("timestamps"),
    tailLines: int("tailLines"),
    limitBytes: int("limitBytes"),
    sinceMs:
      sinceSeconds !== undefined
        ? now - sinceSeconds * 1000
        : sinceTime
          ? Date.parse(sinceTime)
          : undefined,
  };
}

function text(res: ServerResponse, code: number, body: string): void {
  res.writeHead(code, { "Content-Type": "text/plain; charset=utf-8" });
  res.end(body.endsWith("\n") ? body : `${body}\n`);
}

function json(res: ServerResponse, body: unknown): void {
  res.writeHead(200, { "Content-Type": "application/json" });
  res.end(JSON.stringify(body));
}

/** Starts the server; resolves once it listens. */
export async function startKubeletServer(o: KubeletServerOptions): Promise<KubeletServer> {
  // Client certificate first, then a bearer token; anonymous only without a client CA.
  const userOf = async (req: IncomingMessage): Promise<KubeletUser | undefined> => {
    const sock = req.socket as TLSSocket;
    if (o.clientCaPem && sock.authorized) {
      const subject = sock.getPeerCertificate()?.subject as Record<string, string | string[]>;
      if (!subject?.CN) return undefined;
      const orgs = subject.O === undefined ? [] : ([] as string[]).concat(subject.O);
      return { name: String(subject.CN), groups: [...orgs, "system:authenticated"] };
    }
    const bearer = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? "")?.[1];
    if (bearer && o.authenticateToken) {
      const user = await o.authenticateToken(bearer);
      return user && { ...user, groups: [...new Set([...user.groups, "system:authenticated"])] };
    }
    if (!o.clientCaPem) return { name: "system:anonymous", groups: ["system:unauthenticated"] };
    return undefined;
  };
  const allowed = async (req: IncomingMessage, path: string): Promise<number> => {
    const user = await userOf(req);
    if (!user) return 401;
    if (!o.authorize) return 200;
    const verb = req.method === "GET" || req.method === "HEAD" ? "get" : "create";
    return (await o.authorize(user, verb, subresourceOf(path))) ? 200 : 403;
  };

  async function onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "https://kubelet.invalid");
    const parts = url.pathname.split("/").filter(Boolean).map(decodeURIComponent);
    const code = await allowed(req, url.pathname);
    if (code !== 200) return text(res, code, code === 401 ? "Unauthorized" : "Forbidden");
    switch (parts[0]) {
      case "healthz":
        return text(res, 200, "ok");
      case "pods":
        return json(res, { kind: "PodList", apiVersion: "v1", metadata: {}, items: o.pods() });
      case "configz":
        if (o.configz) return json(res, o.configz());
        break;
      case "stats":
        if (parts[1] === "summary" || parts.length === 1) return json(res, await o.stats.summary());
        break;
      case "metrics": {
        const now = o.clock.now();
        if (parts[1] === "resource") {
          res.writeHead(200, { "Content-Type": "text/plain; version=0.0.4; charset=utf-8" });
          return void res.end(resourceMetricsText(await o.stats.summary(), now));
        }
        if (parts.length === 1) {
          const pods = o.pods();
          res.writeHead(200, { "Content-Type": "text/plain; version=0.0.4; charset=utf-8" });
          return void res.end(
            [
              "# HELP kubelet_running_pods [ALPHA] Number of pods that have a running pod sandbox",
              "# TYPE kubelet_running_pods gauge",
              `kubelet_running_pods ${pods.filter((p) => p.status?.phase === "Running").length}`,
              "",
            ].join("\n"),
          );
        }
        break;
      }
      case "containerLogs":
        if (parts.length === 4) return serveLogs(req, res, parts[1], parts[2], parts[3], url);
        break;
    }
    text(res, 404, "404 page not found");
  }

  async function serveLogs(
    req: IncomingMessage,
    res: ServerResponse,
    ns: string,
    pod: string,
    container: string,
    url: URL,
  ): Promise<void> {
    const opts = parseLogOptions(url.searchParams, o.clock.now());
    const ref = await findContainer(o.runtime, ns, pod, container, { previous: opts.previous });
    let logPath = ref?.logPath;
    if (!logPath && opts.previous) {
      const current = await findContainer(o.runtime, ns, pod, container);
      logPath = current
        ? previousLogPath(current.logPath, current.status.metadata.attempt)
        : undefined;
    }
    if (!logPath) {
      return text(
        res,
        400,
        opts.previous
          ? `previous terminated container "${container}" in pod "${pod}" not found`
          : `container "${container}" in pod "${pod}" is not available`,
      );
    }
    const abort = new AbortController();
    res.once("close", () => abort.abort());
    res.writeHead(200, { "Content-Type": "text/plain", "Transfer-Encoding": "chunked" });
    res.flushHeaders();
    await streamContainerLog({
      runtime: o.runtime,
      clock: o.clock,
      logPath,
      containerId: ref?.id ?? "",
      options: opts,
      write: (chunk) => void res.write(chunk),
      signal: abort.signal,
    }).catch((err) => o.log.warn("log stream failed", { err }));
    res.end();
    void req;
  }

  async function onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    const url = new URL(req.url ?? "/", "https://kubelet.invalid");
    const parts = url.pathname.split("/").filter(Boolean).map(decodeURIComponent);
    const code = await allowed(req, url.pathname);
    if (code !== 200)
      return rejectUpgrade(socket, code, code === 401 ? "Unauthorized" : "Forbidden");
    const q = url.searchParams;
    const flag = (...names: string[]) => names.some((n) => q.get(n) === "1" || q.get(n) === "true");
    const [kind, ns, pod] = parts;
    if (kind === "exec" || kind === "attach") {
      const container = parts[parts.length - 1];
      if (parts.length < 4) return rejectUpgrade(socket, 404, "404 page not found");
      const stream = {
        tty: flag("tty"),
        stdin: flag("input", "stdin"),
        stdout: flag("output", "stdout"),
        stderr: flag("error", "stderr"),
      };
      const runtimeUrl = async () => {
        const ref = await findContainer(o.runtime, ns, pod, container);
        if (!ref || ref.status.state !== "CONTAINER_RUNNING")
          throw new Error(`container not found ("${container}")`);
        if (kind === "attach") return o.runtime.attach({ containerId: ref.id, ...stream });
        const cmd = q.getAll("command");
        return o.runtime.exec({ containerId: ref.id, cmd, ...stream });
      };
      if (isSpdyRequest(req))
        return relaySpdy(req, socket, head, runtimeUrl, SPDY_CHANNEL_PROTOCOLS);
      return relayExecWebSocket(req, socket, head, runtimeUrl, stream);
    }
    if (kind === "portForward" && parts.length >= 3) {
      const runtimeUrl = async () => {
        const sandbox = await findSandbox(o.runtime, ns, pod);
        if (!sandbox) throw new Error(`pod ${ns}/${pod} has no running sandbox`);
        return o.runtime.portForward(sandbox.id, q.getAll("port").map(Number));
      };
      return relayPortForward(req, socket, head, runtimeUrl);
    }
    rejectUpgrade(socket, 404, "404 page not found");
  }

  const server: Server = createServer(
    {
      cert: o.tls.certPem,
      key: o.tls.keyPem,
      ca: o.clientCaPem,
      requestCert: true,
      rejectUnauthorized: false,
    },
    (req, res) =>
      void onRequest(req, res).catch((err) => {
        o.log.warn("kubelet server request failed", { err, url: req.url });
        if (!res.headersSent) text(res, 500, err instanceof Error ? err.message : String(err));
        else res.destroy();
      }),
  );
  server.on("upgrade", (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on("error", () => undefined);
    void onUpgrade(req, socket, head).catch((err) => {
      o.log.warn("kubelet streaming failed", { err, url: req.url });
      socket.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(o.port ?? 10250, o.bindAddress ?? "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
