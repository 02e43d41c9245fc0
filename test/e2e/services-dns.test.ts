/**
 * Cluster DNS from real pods: a `k8ts server --disable-agent`, a kubelet in
 * this process with its own containerd and pod bridge, and the DNS server
 * bound to that bridge's gateway as soon as it exists. A ClusterFirst pod
 * gets the cluster resolv.conf; a pod pointed at the gateway resolves
 * cluster names with busybox's resolver (search path, SRV), and names
 * outside the cluster are refused, never forwarded. The API server,
 * advertising the gateway, accepts pods' connections there. Everything is
 * removed.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { Pod } from "kubernetes-types/core/v1.d.ts";
import { eventually, type TestCluster } from "./harness.ts";
import { startKubeletNode, type KubeletNode } from "./kubelet-node.ts";
import type { RestClient } from "../../src/client/rest-client.ts";
import { podsRef } from "../../src/client/resources.ts";
import type { Kubelet } from "../../src/kubelet/kubelet.ts";
import { runDns, type RunningDns } from "../../src/proxy/dns/run-dns.ts";

// Distinct from every other e2e file's pod CIDR: files run in parallel on one host.
const podCIDR = "10.42.204.0/24";
const gateway = "10.42.204.1";

let node: KubeletNode;
let cluster: TestCluster;
let client: RestClient;
let kubelet: Kubelet;
let dns: RunningDns;

before(async () => {
  // The API server advertises (and, once the bridge exists, listens on) the gateway.
  node = await startKubeletNode({
    prefix: "dns",
    podCIDR,
    cluster: { args: ["--advertise-address", gateway] },
    kubelet: { clusterDNS: ["10.43.0.10"] },
  });
  ({ cluster, client, kubelet } = node);
  dns = await runDns({
    client,
    listen: [{ host: "127.0.0.1", port: 0 }],
    listenWhenAvailable: [{ host: gateway, port: 53 }],
  });
});

after(async () => {
  await dns?.stop();
  await node?.stop();
});

async function runToCompletion(
  name: string,
  script: string,
  spec: Record<string, unknown> = {},
): Promise<string> {
  await cluster.kubectlOk(["apply", "-f", "-"], {
    input: node.podManifest(name, script, { spec }),
  });
  const pod = await eventually(
    `${name} finished`,
    async () => {
      const p = await client.get<Pod>(podsRef, "default", name);
      return p.status?.phase === "Succeeded" || p.status?.phase === "Failed" ? p : undefined;
    },
    { timeoutMs: 90_000, context: () => node.logs().slice(-3000) },
  );
  const out = readFileSync(
    join(kubelet.logsDir, `default_${name}_${pod.metadata!.uid}`, "main", "0.log"),
    "utf8",
  );
  assert.equal(pod.status?.phase, "Succeeded", out);
  return out;
}

test("ClusterFirst pods get the cluster DNS, search path and ndots:5", async () => {
  const out = await runToCompletion("resolv", "cat /etc/resolv.conf");
  assert.match(out, /nameserver 10\.43\.0\.10/);
  assert.match(out, /search default\.svc\.cluster\.local svc\.cluster\.local cluster\.local/);
  assert.match(out, /options ndots:5/);
});

test("a pod resolves cluster names through the DNS server on its gateway", async () => {
  const script = [
    // The server binds the gateway once the bridge exists (it appears with this pod).
    "for i in $(seq 1 40); do nslookup kubernetes.default >/tmp/a 2>&1 && break; sleep 0.5; done",
    "cat /tmp/a",
    "echo ---srv",
    "nslookup -type=srv _https._tcp.kubernetes.default.svc.cluster.local",
    "echo ---outside",
    "nslookup example.com; true",
  ].join("; ");
  const out = await runToCompletion("lookup", script, {
    dnsPolicy: "None",
    dnsConfig: {
      nameservers: [gateway],
      searches: ["default.svc.cluster.local", "svc.cluster.local", "cluster.local"],
      options: [{ name: "ndots", value: "5" }],
    },
  });
  const [a, rest] = out.split("---srv");
  const [srv, outside] = rest.split("---outside");
  assert.match(a, /kubernetes\.default\.svc\.cluster\.local[\s\S]*10\.43\.0\.1\b/);
  assert.match(srv, /443 kubernetes\.default\.svc\.cluster\.local/);
  assert.doesNotMatch(outside, /Address: \d+\.\d+\.\d+\.\d+\s*$/m);
  assert.match(outside, /REFUSED|can't find|NXDOMAIN/);
});

test("pods reach the API server at the kubernetes endpoints (the gateway), not loopback", async () => {
  const ep = await cluster.kubectlOk([
    "get",
    "endpoints",
    "kubernetes",
    "-o",
    "jsonpath={.subsets[0].addresses[0].ip}:{.subsets[0].ports[0].port}",
  ]);
  assert.equal(ep, `${gateway}:${cluster.port}`);
  const script = [
    `for i in $(seq 1 20); do nc -w 2 ${gateway} ${cluster.port} </dev/null && echo CONNECTED && break; sleep 0.5; done`,
    "true",
  ].join("; ");
  const out = await runToCompletion("apicheck", script);
  assert.match(out, /CONNECTED/);
});
