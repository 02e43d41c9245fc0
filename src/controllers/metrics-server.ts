/**
 * The controller manager's own HTTPS endpoint (upstream --secure-port
 * 10257): /healthz, /livez and /readyz answer "ok"; /metrics serves the
 * registry (workqueue_* per controller queue plus process metrics). The
 * serving certificate is self-signed at start-up, as upstream does without
 * --tls-cert-file. With `authorize` (delegated-auth.ts) callers are
 * authenticated and authorized through the API server as upstream; without
 * it nothing is checked, so bind it to loopback only.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { createServer, type Server } from "node:https";
import type { AddressInfo } from "node:net";
import { collectDefaultMetrics, Registry } from "prom-client";
import { issueCertificate } from "../pki/self-signed.ts";
import { WorkQueueMetricsProvider } from "../client/workqueue/metrics.ts";
import type { AuthDecision } from "./delegated-auth.ts";

export interface MetricsEndpoint {
  port: number;
  /** The work queue metrics to hand to runControllerManager. */
  queueMetrics: WorkQueueMetricsProvider;
  /** PEM of the self-signed CA that issued the serving certificate. */
  caPem: string;
  close(): Promise<void>;
}

/** Listens on host:port (0: a free port); rejects when the address is taken. */
export async function serveControllerManagerMetrics(opts: {
  host: string;
  port: number;
  /** Decides each request (delegatedAuth); absent: every request is served. */
  authorize?: (req: IncomingMessage) => Promise<AuthDecision>;
  /** CA bundle client certificates are verified against (the cluster's client CA). */
  clientCA?: string;
}): Promise<MetricsEndpoint> {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const queueMetrics = new WorkQueueMetricsProvider(registry);
  const ca = await issueCertificate({
    commonName: `localhost-ca@${Math.floor(Date.now() / 1000)}`,
    usage: "ca",
  });
  const serving = await issueCertificate({
    commonName: `localhost@${Math.floor(Date.now() / 1000)}`,
    usage: "server",
    signer: ca,
    dnsNames: ["localhost"],
    ipAddresses: ["127.0.0.1"],
  });
  const serve = (req: IncomingMessage, res: ServerResponse) => {
    const path = new URL(req.url ?? "/", "https://x").pathname;
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.writeHead(405).end();
      return;
    }
    if (path === "/healthz" || path === "/livez" || path === "/readyz") {
      res.writeHead(200, { "content-type": "text/plain; charset=utf-8" }).end("ok");
      return;
    }
    if (path === "/metrics") {
      registry.metrics().then(
        (text) => res.writeHead(200, { "content-type": registry.contentType }).end(text),
        (err: unknown) => res.writeHead(500).end(String(err)),
      );
      return;
    }
    res.writeHead(404, { "content-type": "text/plain; charset=utf-8" }).end("404 page not found");
  };
  const server: Server = createServer(
    {
      cert: serving.certPem,
      key: serving.keyPem,
      // Client certificates are asked for, never required (tokens and anonymous work too).
      ...(opts.clientCA ? { ca: opts.clientCA, requestCert: true, rejectUnauthorized: false } : {}),
    },
    (req, res) => {
      if (!opts.authorize) return serve(req, res);
      opts.authorize(req).then(
        (d) => {
          if (d.allowed) return serve(req, res);
          res.writeHead(d.code, { "content-type": "application/json" }).end(
            JSON.stringify({
              kind: "Status",
              apiVersion: "v1",
              metadata: {},
              status: "Failure",
              message: d.message,
              reason: d.code === 401 ? "Unauthorized" : "Forbidden",
              details: {},
              code: d.code,
            }),
          );
        },
        (err: unknown) => res.writeHead(500).end(String(err)),
      );
    },
  );
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port, opts.host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  return {
    port: (server.address() as AddressInfo).port,
    queueMetrics,
    caPem: ca.certPem,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
