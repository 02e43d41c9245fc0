/**
 * The hollow nodes' kubelet endpoint for metrics: one HTTPS listener per
 * node on its own loopback InternalIP (127.1.x.y), port 10250 (or a free
 * port when taken), serving GET /stats/summary from the kubelet's
 * StatsProvider over the node's simulated runtime, so metrics.k8s.io,
 * `kubectl top` and HPAs work on simulated nodes. The node's own usage is
 * the sum of its pods plus a fixed system overhead (there is no machine).
 * Only /stats/summary and /healthz are served; no client authentication
 * (loopback only, unlike a real kubelet).
 */
import https from "node:https";
import type { AddressInfo } from "node:net";
import type { Pod } from "kubernetes-types/core/v1.d.ts";
import type { Clock } from "../client/clock.ts";
import type { ContainerRuntime } from "../kubelet/runtime/runtime.ts";
import { StatsProvider, type Summary } from "../kubelet/server/stats-provider.ts";
import { issueCertificate, type CertKeyPair } from "../pki/self-signed.ts";

/** Usage a node reports beyond its pods: 100m CPU, 256 MiB. */
const systemCpuNanoCores = 100e6;
const systemMemoryBytes = 256 * 2 ** 20;

export interface StatsTarget {
  name: string;
  hostIP: string;
  runtime: ContainerRuntime;
  memoryBytes: number;
  pods(): Pod[];
}

/** One certificate shared by every hollow node (the API server does not verify kubelets by default). */
export async function hollowServingCert(): Promise<CertKeyPair> {
  const ca = await issueCertificate({ commonName: "k8ts-simulate-ca", usage: "ca" });
  return issueCertificate({
    commonName: "k8ts-hollow-node",
    usage: "server",
    signer: ca,
    dnsNames: ["localhost"],
    ipAddresses: ["127.0.0.1"],
  });
}

/** The node's summary with node usage = pods + system overhead. */
export async function hollowSummary(
  provider: StatsProvider,
  memoryBytes: number,
): Promise<Summary> {
  const s = await provider.summary();
  const time = new Date().toISOString().replace(/\.\d+Z$/, "Z");
  let cpu = systemCpuNanoCores;
  let mem = systemMemoryBytes;
  let cumulative = 0;
  for (const p of s.pods) {
    cpu += p.cpu?.usageNanoCores ?? 0;
    cumulative += p.cpu?.usageCoreNanoSeconds ?? 0;
    mem += p.memory?.workingSetBytes ?? 0;
  }
  s.node.cpu = { time, usageNanoCores: cpu, usageCoreNanoSeconds: cumulative };
  s.node.memory = {
    time,
    workingSetBytes: mem,
    usageBytes: mem,
    availableBytes: Math.max(0, memoryBytes - mem),
  };
  return s;
}

/** Starts the node's listener; resolves to the port bound. */
export function serveStats(
  target: StatsTarget,
  cert: CertKeyPair,
  clock: Clock,
): Promise<{ port: number; close(): Promise<void> }> {
  const provider = new StatsProvider({
    runtime: target.runtime,
    nodeName: target.name,
    clock,
    pods: () => target.pods(),
    memoryCapacity: target.memoryBytes,
  });
  const server = https.createServer({ cert: cert.certPem, key: cert.keyPem }, (req, res) => {
    const path = (req.url ?? "").split("?")[0];
    if (req.method === "GET" && path === "/healthz") return void res.end("ok");
    if (req.method !== "GET" || path !== "/stats/summary") {
      res.statusCode = 404;
      return void res.end("404 page not found\n");
    }
    hollowSummary(provider, target.memoryBytes).then(
      (s) => {
        res.setHeader("Content-Type", "application/json");
        res.end(JSON.stringify(s));
      },
      (err: unknown) => {
        res.statusCode = 500;
        res.end(String(err));
      },
    );
  });
  const listen = (port: number) =>
    new Promise<number>((resolve, reject) => {
      const onError = (err: NodeJS.ErrnoException) => reject(err);
      server.once("error", onError);
      server.listen(port, target.hostIP, () => {
        server.off("error", onError);
        resolve((server.address() as AddressInfo).port);
      });
    });
  const close = () => new Promise<void>((r) => server.close(() => r()));
  return listen(10250)
    .catch((err: NodeJS.ErrnoException) => {
      if (err.code !== "EADDRINUSE") throw err;
      return listen(0);
    })
    .then((port) => ({ port, close }));
}
