/**
 * kube-proxy end to end: a real `k8ts server --disable-agent`, the proxy
 * (informers over the API) programming a private network namespace where
 * "pods" (namespaces on a bridge) run busybox httpd. Services and
 * EndpointSlices are written with kubectl; traffic is checked with curl
 * inside the namespaces. Everything is removed at the end.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import { startCluster, eventually, type TestCluster } from "./harness.ts";
import { loadKubeconfig } from "../../src/client/kubeconfig.ts";
import { RestClient } from "../../src/client/rest-client.ts";
import { startProxy, type RunningProxy } from "../../src/proxy/proxy-server.ts";
import { NetnsLab, type LabPod } from "../../src/proxy/testing/netns-lab.ts";

let cluster: TestCluster;
let client: RestClient;
let lab: NetnsLab;
let proxy: RunningProxy;
let pods: LabPod[];

before(async () => {
  cluster = await startCluster();
  client = new RestClient(loadKubeconfig(cluster.kubeconfig));
  lab = new NetnsLab("10.42.11.0/24");
  await lab.create();
  pods = [await lab.addPod("web1"), await lab.addPod("web2")];
  for (const p of pods) await lab.serveHttp(p);
  proxy = await startProxy({
    client,
    nodeName: "node1",
    exec: lab.exec,
    clusterCIDR: "10.42.0.0/16",
    serviceCIDR: "10.43.0.0/16",
    minSyncPeriodMs: 100,
    healthzBindAddress: "127.0.0.1:0",
    metricsBindAddress: "127.0.0.1:0",
  });
});

after(async () => {
  await proxy?.stop();
  await lab?.destroy();
  client?.close();
  await cluster?.stop();
});

function get(port: number, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: "127.0.0.1", port, path, agent: false }, (res) => {
        let body = "";
        res.on("data", (d) => (body += d));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
      })
      .on("error", reject);
  });
}

function slice(name: string, service: string, ips: string[]): string {
  return JSON.stringify({
    apiVersion: "discovery.k8s.io/v1",
    kind: "EndpointSlice",
    metadata: { name, namespace: "default", labels: { "kubernetes.io/service-name": service } },
    addressType: "IPv4",
    ports: [{ name: "http", port: 8080, protocol: "TCP" }],
    endpoints: ips.map((ip) => ({
      addresses: [ip],
      conditions: { ready: true },
      nodeName: "node1",
    })),
  });
}

test("a NodePort service written through the API answers on its ClusterIP and NodePort", async () => {
  await cluster.kubectlOk(["apply", "-f", "-"], {
    input: JSON.stringify({
      apiVersion: "v1",
      kind: "Service",
      metadata: { name: "web-service", namespace: "default" },
      spec: {
        type: "NodePort",
        ports: [{ name: "http", port: 80, targetPort: 8080, nodePort: 30081 }],
      },
    }),
  });
  await cluster.kubectlOk(["apply", "-f", "-"], {
    input: slice(
      "web-service-1",
      "web-service",
      pods.map((p) => p.ip),
    ),
  });
  const clusterIP = (
    await cluster.kubectlOk(["get", "svc", "web-service", "-o", "jsonpath={.spec.clusterIP}"])
  ).trim();
  assert.match(clusterIP, /^10\.43\.\d+\.\d+$/);
  const body = await eventually("ClusterIP answers", async () => {
    const r = await lab.get(lab.nodeNetns, `http://${clusterIP}/`);
    return r.code === 0 ? r.body : undefined;
  });
  assert.match(body, /^web[12]$/);
  const np = await lab.get(lab.nodeNetns, "http://127.0.0.1:30081/");
  assert.equal(np.code, 0);
  const fromPod = await lab.get(pods[0]!.netns, `http://${lab.gateway}:30081/`);
  assert.equal(fromPod.code, 0);
});

test("removing every endpoint makes connections refused, not hang", async () => {
  await cluster.kubectlOk(["apply", "-f", "-"], {
    input: slice("web-service-1", "web-service", []),
  });
  const clusterIP = (
    await cluster.kubectlOk(["get", "svc", "web-service", "-o", "jsonpath={.spec.clusterIP}"])
  ).trim();
  await eventually("rejected", async () => {
    const r = await lab.get(lab.nodeNetns, `http://${clusterIP}/`);
    return r.code === 7 ? true : undefined;
  });
  assert.equal((await lab.get(lab.nodeNetns, "http://127.0.0.1:30081/")).code, 7);
});

test("healthz and metrics report syncs", async () => {
  const h = await get(proxy.healthzAddress!.port, "/healthz");
  assert.equal(h.status, 200);
  assert.ok(JSON.parse(h.body).lastUpdated);
  const m = await get(proxy.metricsAddress!.port, "/metrics");
  const count = /kubeproxy_sync_proxy_rules_duration_seconds_count (\d+)/.exec(m.body);
  assert.ok(count && Number(count[1]) >= 2, m.body.slice(0, 500));
  assert.match(m.body, /kubeproxy_sync_proxy_rules_iptables_total\{table="nat"\} \d+/);
  assert.equal((await get(proxy.metricsAddress!.port, "/proxyMode")).body, "iptables");
});
