/**
 * The scheduler's HTTPS endpoint (upstream :10259): /healthz, /livez,
 * /readyz and /metrics, with a self-signed serving certificate. Unauthenticated
 * (as with --authorization-always-allow-paths for health; metrics too).
 */
import https from "node:https";
import type { AddressInfo } from "node:net";
import { issueCertificate } from "../../pki/self-signed.ts";
import type { SchedulerMetrics } from "./metrics.ts";

export interface ServeOptions {
  bindAddress: string;
  port: number;
  metrics: SchedulerMetrics;
  /** Health: false makes /healthz answer 500. */
  healthy(): boolean;
}

/** Starts serving; resolves with the bound port and a close function. */
export async function serveSchedulerEndpoints(
  opts: ServeOptions,
): Promise<{ port: number; close(): Promise<void> }> {
  const ca = await issueCertificate({ commonName: "kube-scheduler-ca", usage: "ca" });
  const serving = await issueCertificate({
    commonName: "kube-scheduler",
    usage: "server",
    signer: ca,
    dnsNames: ["localhost"],
    ipAddresses: [opts.bindAddress === "0.0.0.0" ? "127.0.0.1" : opts.bindAddress],
  });
  const server = https.createServer(
    { cert: serving.certPem + ca.certPem, key: serving.keyPem },
    (req, res) => {
      const path = (req.url ?? "/").split("?")[0];
      if (path === "/healthz" || path === "/livez" || path === "/readyz") {
        const ok = opts.healthy();
        res.writeHead(ok ? 200 : 500, { "Content-Type": "text/plain; charset=utf-8" });
        res.end(ok ? "ok" : "unhealthy");
        return;
      }
      if (path === "/metrics") {
        opts.metrics.text().then(
          (text) => {
            res.writeHead(200, { "Content-Type": opts.metrics.registry.contentType });
            res.end(text);
          },
          (err: unknown) => {
            res.writeHead(500);
            res.end(String(err));
          },
        );
        return;
      }
      res.writeHead(404, { "Content-Type": "text/plain" });
      res.end("404 page not found\n");
    },
  );
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port, opts.bindAddress, () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
