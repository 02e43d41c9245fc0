/**
 * The node side of proxy-kubelet.test.ts, run inside a private network
 * namespace (nsenter --net, so cgroup mounts stay visible): a `k8ts server
 * --disable-agent`, the real kubelet with its own containerd, and the proxy,
 * all on this namespace's 127.0.0.1 and pod bridge. It drives kubectl,
 * checks traffic with curl, prints one JSON line of results and cleans up.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startCluster, eventually } from "./harness.ts";
import { loadKubeconfig } from "../../src/client/kubeconfig.ts";
import { RestClient } from "../../src/client/rest-client.ts";
import { startKubelet } from "../../src/kubelet/kubelet.ts";
import { startProxy } from "../../src/proxy/proxy-server.ts";
import { createLogger } from "../../src/util/logger.ts";

const suffix = Math.random().toString(36).slice(2, 7);
const nodeName = `proxy-e2e-${suffix}`;
let logs = "";

function curl(url: string): Promise<{ code: number; body: string }> {
  return new Promise((resolve) => {
    execFile("curl", ["-sS", "-m", "3", url], (err, stdout) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, body: stdout.trim() }),
    );
  });
}

const results: Record<string, unknown> = {};
const cluster = await startCluster();
const client = new RestClient(loadKubeconfig(cluster.kubeconfig));
const dataDir = mkdtempSync(join(tmpdir(), "k8ts-proxy-kubelet-"));
const log = createLogger("node", { write: (l) => (logs += l), level: "info" });
let kubelet: Awaited<ReturnType<typeof startKubelet>> | undefined;
let proxy: Awaited<ReturnType<typeof startProxy>> | undefined;
try {
  kubelet = await startKubelet({
    client,
    nodeName,
    dataDir,
    podCIDR: "10.42.31.0/24",
    bridge: `k8tsp${suffix}`,
    cgroupRoot: `/k8ts-proxy-e2e-${suffix}`,
    imagePull: false,
    leaseRenewMs: 1000,
    log,
  });
  proxy = await startProxy({
    client,
    nodeName,
    clusterCIDR: "10.42.0.0/16",
    serviceCIDR: "10.43.0.0/16",
    minSyncPeriodMs: 100,
    healthzBindAddress: "",
    metricsBindAddress: "",
    log,
  });
  await cluster.kubectlOk(["apply", "-f", "-"], {
    input: JSON.stringify({
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: "webapp", namespace: "default" },
      spec: {
        replicas: 2,
        selector: { matchLabels: { app: "webapp" } },
        template: {
          metadata: { labels: { app: "webapp" } },
          spec: {
            containers: [
              {
                name: "web",
                image: "busybox",
                imagePullPolicy: "IfNotPresent",
                command: [
                  "sh",
                  "-c",
                  "mkdir -p /www && hostname > /www/index.html && exec httpd -f -p 8080 -h /www",
                ],
                ports: [{ containerPort: 8080 }],
                readinessProbe: { tcpSocket: { port: 8080 }, periodSeconds: 1 },
              },
            ],
          },
        },
      },
    }),
  });
  await cluster.kubectlOk(["apply", "-f", "-"], {
    input: JSON.stringify({
      apiVersion: "v1",
      kind: "Service",
      metadata: { name: "web-service", namespace: "default" },
      spec: {
        type: "NodePort",
        selector: { app: "webapp" },
        ports: [{ port: 80, targetPort: 8080, nodePort: 30081 }],
      },
    }),
  });
  const clusterIP = (
    await cluster.kubectlOk(["get", "svc", "web-service", "-o", "jsonpath={.spec.clusterIP}"])
  ).trim();
  results.clusterIP = clusterIP;
  const seen = new Set<string>();
  await eventually(
    "both pods answer through the ClusterIP",
    async () => {
      const r = await curl(`http://${clusterIP}/`);
      if (r.code === 0) seen.add(r.body);
      return seen.size >= 2 ? true : undefined;
    },
    { timeoutMs: 120_000, context: () => logs.slice(-3000) },
  );
  results.backends = [...seen].sort();
  results.nodePort = await curl("http://127.0.0.1:30081/");
  const pods = (
    await cluster.kubectlOk([
      "get",
      "pods",
      "-l",
      "app=webapp",
      "-o",
      "jsonpath={.items[*].metadata.name}",
    ])
  )
    .trim()
    .split(" ");
  results.pods = pods.sort();
  await cluster.kubectlOk(["scale", "deployment", "webapp", "--replicas=0"]);
  results.afterScaleToZero = await eventually("connections refused", async () => {
    const r = await curl(`http://${clusterIP}/`);
    return r.code === 7 ? r : undefined;
  });
} catch (err) {
  results.error = String(err);
} finally {
  await proxy?.stop();
  await cluster.kubectl(["delete", "deployment", "webapp", "--wait=false"]).catch(() => {});
  await kubelet?.stop();
  client.close();
  await cluster.stop();
  rmSync(dataDir, { recursive: true, force: true });
}
process.stdout.write(JSON.stringify(results) + "\n");
process.exit(0);
