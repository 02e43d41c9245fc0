/**
 * `k8ts dev cluster --nodes 3` end to end (real containerd, iptables,
 * kubectl): three nodes, each in a network namespace the command creates on
 * its own bridge; node 1 runs `k8ts server`, nodes 2 and 3 `k8ts agent`.
 *
 * - every node namespace has `unreachable` routes for the cluster and
 *   service CIDRs; every node (server and agents) has a distinct podCIDR
 *   from node IPAM, and a route to each other node's pod CIDR via its address;
 * - a pod on node 3 reaches pods on nodes 1 and 2 by pod IP, a ClusterIP
 *   service whose only endpoint is on node 2, and the cluster DNS (served
 *   on node 1); an unserved service address is refused locally;
 * - node 3's kube-proxy is the agent's, under the node's own certificate
 *   (system:node:<name>, Node authorizer): its rules carry the service, its
 *   healthz answers, and the node identity reads Endpoints, not EndpointSlices;
 * - the host reaches the API through the forwarded 127.0.0.1 port;
 * - `k8ts dev cluster delete` leaves no namespace, process, mount or file.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { eventually } from "./harness.ts";
import { inNetns, netnsKubectl, run, type Run } from "./proxy-netns-run.ts";

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const suffix = Math.random().toString(36).slice(2, 7);
const name = `test-${suffix}`;
const tmp = mkdtempSync(join(tmpdir(), "k8ts-dev-cluster-"));
const stateDir = join(tmp, "cluster");
const kubeconfig = join(stateDir, "node1", "admin.kubeconfig");
const nodes = [1, 2, 3].map((i) => ({
  name: `${name}-node${i}`,
  netns: `k8ts-${name}-n${i}`,
  ip: `172.29.211.${10 + i}`,
  dataDir: join(stateDir, `node${i}`),
}));
const hub = `k8ts-${name}-hub`;
// Node IPAM hands out its /24s (212-214: unique among the e2e files).
const clusterCIDR = "10.42.212.0/22";
const clusterCIDRPattern = clusterCIDR.replace(/\./g, "\\.").replace("/", "\\/");
/** node name -> podCIDR, as node IPAM assigned them (read by the first test). */
const podCIDRs = new Map<string, string>();

const k8ts = (args: string[], timeout?: number) =>
  run(process.execPath, [join(repoRoot, "bin", "k8ts"), ...args], timeout);
const inNs = (i: number, cmd: string, args: string[], input?: string) =>
  inNetns(nodes[i - 1]!.netns, cmd, args, input);

const logs = () =>
  nodes
    .map((n, i) => {
      const f = join(stateDir, `node${i + 1}.log`);
      return existsSync(f) ? `--- ${n.name}\n${readFileSync(f, "utf8").slice(-1500)}` : "";
    })
    .join("\n");

const { kubectl, kubectlOk } = netnsKubectl(nodes[0]!.netns, kubeconfig, logs);

const nsList = async () =>
  (await run("ip", ["netns", "list"])).stdout
    .split("\n")
    .map((l) => l.split(" ")[0])
    .filter((n) => n?.startsWith(`k8ts-${name}-`));

let pids: number[] = [];
let apiPort = 0;

before(async () => {
  const r = await k8ts(
    [
      "dev",
      "cluster",
      "--name",
      name,
      "--nodes",
      "3",
      "--state-dir",
      stateDir,
      "--node-cidr",
      "172.29.211.0/24",
      "--cluster-cidr",
      clusterCIDR,
      "--timeout",
      "400",
    ],
    450_000,
  );
  assert.equal(r.code, 0, `k8ts dev cluster: ${r.stdout}\n${r.stderr}\n${logs()}`);
  assert.match(r.stdout, new RegExp(`Dev cluster ${name}: 3 nodes Ready`));
  const state = JSON.parse(readFileSync(join(stateDir, "cluster.json"), "utf8")) as {
    pids: Record<string, number>;
    forwarders: number[];
    apiPort: number;
  };
  assert.equal(Object.keys(state.pids).length, 3);
  assert.equal(state.forwarders.length, 2);
  pids = [...Object.values(state.pids), ...state.forwarders];
  apiPort = state.apiPort;
});

after(async () => {
  // Normally the last test deleted it; after a failure, delete what is left.
  if (existsSync(join(stateDir, "cluster.json")))
    await k8ts(["dev", "cluster", "delete", "--name", name, "--state-dir", stateDir], 300_000);
  for (const ns of await nsList()) await run("ip", ["netns", "delete", ns]);
  rmSync(tmp, { recursive: true, force: true });
});

test("nodes: own addresses, distinct pod CIDRs from node IPAM, unreachable cluster and service CIDRs, routes to each other", async () => {
  const list = JSON.parse(await kubectlOk(["get", "nodes", "-o", "json"])) as {
    items: {
      metadata: { name: string };
      spec: { podCIDR?: string };
      status: { addresses: { type: string; address: string }[] };
    }[];
  };
  const seen = list.items
    .map((n) => [n.metadata.name, n.status.addresses.find((a) => a.type === "InternalIP")?.address])
    .sort();
  assert.deepEqual(
    seen,
    nodes.map((n) => [n.name, n.ip]),
  );
  for (const n of list.items) podCIDRs.set(n.metadata.name, n.spec.podCIDR ?? "");
  // Each node, the server's own included, got its own /24 of the cluster CIDR.
  assert.deepEqual(
    [...podCIDRs.values()].sort(),
    ["10.42.212.0/24", "10.42.213.0/24", "10.42.214.0/24"],
    JSON.stringify([...podCIDRs]),
  );
  const podCIDROf = (node: string) => podCIDRs.get(node)!;
  for (const [i, n] of nodes.entries()) {
    const routes = await inNs(i + 1, "ip", ["route", "show"]);
    assert.match(
      routes.stdout,
      new RegExp(`^unreachable ${clusterCIDRPattern}`, "m"),
      `${n.name}: ${routes.stdout}`,
    );
    assert.match(routes.stdout, /^unreachable 10\.43\.0\.0\/16/m, `${n.name}: ${routes.stdout}`);
    for (const other of nodes.filter((o) => o !== n)) {
      const cidr = podCIDROf(other.name);
      const want = new RegExp(
        `^${cidr.replace(/\./g, "\\.")} via ${other.ip.replace(/\./g, "\\.")} dev eth0`,
        "m",
      );
      await eventually(`${n.name} routes ${cidr} via ${other.ip}`, async () =>
        want.test((await inNs(i + 1, "ip", ["route", "show"])).stdout) ? true : undefined,
      );
    }
  }
  // The hub namespace too: nothing to the cluster ranges leaves through it.
  const hubRoutes = await run("ip", ["-n", hub, "route", "show", "type", "unreachable"]);
  assert.match(hubRoutes.stdout, new RegExp(`${clusterCIDRPattern}[\\s\\S]*10\\.43\\.0\\.0\\/16`));
});

test("the host reaches the API through 127.0.0.1:<port> with the kubeconfig the command wrote", async () => {
  const hostKubeconfig = join(stateDir, "kubeconfig");
  assert.match(
    readFileSync(hostKubeconfig, "utf8"),
    new RegExp(`server: "?https://127\\.0\\.0\\.1:${apiPort}\\b`),
  );
  const r = await run("kubectl", ["--kubeconfig", hostKubeconfig, "get", "nodes", "-o", "name"]);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(
    r.stdout.trim().split("\n").sort(),
    nodes.map((n) => `node/${n.name}`),
  );
});

const web = (pod: string, node: string) => ({
  apiVersion: "v1",
  kind: "Pod",
  metadata: { name: pod, namespace: "default", labels: { app: pod } },
  spec: {
    nodeName: node,
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
        readinessProbe: { tcpSocket: { port: 8080 }, periodSeconds: 1 },
      },
    ],
  },
});

test("a pod on node 3 reaches pods on nodes 1 and 2, a ClusterIP whose only endpoint is on node 2, and DNS", async () => {
  const manifests = {
    apiVersion: "v1",
    kind: "List",
    items: [
      web("web1", nodes[0]!.name),
      web("web2", nodes[1]!.name),
      {
        apiVersion: "v1",
        kind: "Service",
        metadata: { name: "web2", namespace: "default" },
        spec: { selector: { app: "web2" }, ports: [{ port: 80, targetPort: 8080 }] },
      },
      {
        apiVersion: "v1",
        kind: "Pod",
        metadata: { name: "client", namespace: "default" },
        spec: {
          nodeName: nodes[2]!.name,
          containers: [
            {
              name: "main",
              image: "busybox",
              imagePullPolicy: "IfNotPresent",
              command: ["sleep", "3600"],
            },
          ],
        },
      },
    ],
  };
  await kubectlOk(["apply", "-f", "-"], JSON.stringify(manifests));
  const podIPs = await eventually(
    "web1, web2 ready and client running",
    async () => {
      const r = await kubectl(["get", "pods", "-o", "json"]);
      const pods = (
        JSON.parse(r.stdout) as {
          items: {
            metadata: { name: string };
            spec: { nodeName: string };
            status: {
              podIP?: string;
              phase?: string;
              conditions?: { type: string; status: string }[];
            };
          }[];
        }
      ).items;
      const ready = (n: string) =>
        pods.find(
          (p) =>
            p.metadata.name === n &&
            p.status.conditions?.some((c) => c.type === "Ready" && c.status === "True"),
        );
      const [w1, w2, c] = [ready("web1"), ready("web2"), ready("client")];
      return w1 && w2 && c
        ? { web1: w1.status.podIP!, web2: w2.status.podIP!, client: c.status.podIP! }
        : undefined;
    },
    { timeoutMs: 240_000, context: logs },
  );
  // Each pod has an address from its own node's pod CIDR (node IPAM's).
  const prefix = (i: number) => podCIDRs.get(nodes[i]!.name)!.replace(/0\/24$/, "");
  assert.ok(podIPs.web1.startsWith(prefix(0)), JSON.stringify([podIPs, ...podCIDRs]));
  assert.ok(podIPs.web2.startsWith(prefix(1)), JSON.stringify([podIPs, ...podCIDRs]));
  assert.ok(podIPs.client.startsWith(prefix(2)), JSON.stringify([podIPs, ...podCIDRs]));
  const clusterIP = (
    await kubectlOk(["get", "svc", "web2", "-o", "jsonpath={.spec.clusterIP}"])
  ).trim();
  const endpoints = await kubectlOk([
    "get",
    "endpoints",
    "web2",
    "-o",
    "jsonpath={.subsets[*].addresses[*].ip}",
  ]);
  assert.equal(endpoints.trim(), podIPs.web2);
  // From inside the client pod on node 3 (busybox: `timeout` bounds wget).
  const inClient = (script: string) => kubectl(["exec", "client", "--", "sh", "-c", script]);
  const fetch = async (url: string, want: string) => {
    let last: Run | undefined;
    await eventually(
      `client on node 3 fetches ${url}`,
      async () => {
        last = await inClient(`timeout 5 wget -qO- ${url}`);
        return last.code === 0 && last.stdout.trim() === want ? true : undefined;
      },
      { context: () => `${JSON.stringify(last)}\n${logs()}` },
    );
  };
  await fetch(`http://${podIPs.web1}:8080/`, "web1");
  await fetch(`http://${podIPs.web2}:8080/`, "web2");
  // Through node 3's kube-proxy (the agent's, node credentials) to the only endpoint, on node 2.
  await fetch(`http://${clusterIP}/`, "web2");
  await fetch(`http://web2.default.svc.cluster.local/`, "web2");
  // One UDP query each try: a loaded DNS server or pod can miss busybox's few seconds.
  let dns: Run | undefined;
  await eventually(
    "client on node 3 resolves kubernetes.default",
    async () => {
      dns = await inClient("nslookup kubernetes.default");
      return dns.code === 0 && /Address:\s*10\.43\.0\.1\b/.test(dns.stdout) ? true : undefined;
    },
    { context: () => JSON.stringify(dns) },
  );
  // An address in the service CIDR with no service behind it: rejected on the node.
  const unserved = await inClient("timeout 5 wget -qO- http://10.43.255.254/ 2>&1; echo rc=$?");
  assert.match(unserved.stdout, /refused|No route to host/i, unserved.stdout);
  assert.equal((await inNs(3, "curl", ["-sS", "-m", "5", "http://10.43.255.254/"])).code, 7);
  // Node 3's own side reaches the service too (host-network clients).
  let fromNode: Run | undefined;
  await eventually(
    "node 3's own side fetches the service",
    async () => {
      fromNode = await inNs(3, "curl", ["-sS", "-m", "5", `http://${clusterIP}/`]);
      return fromNode.stdout.trim() === "web2" ? true : undefined;
    },
    { context: () => JSON.stringify(fromNode) },
  );
});

test("a LoadBalancer service gets the nodes' addresses as EXTERNAL-IP, and each answers", async () => {
  await kubectlOk(
    ["apply", "-f", "-"],
    JSON.stringify({
      apiVersion: "v1",
      kind: "Service",
      metadata: { name: "web2-lb", namespace: "default" },
      spec: {
        type: "LoadBalancer",
        selector: { app: "web2" },
        ports: [{ port: 8081, targetPort: 8080 }],
      },
    }),
  );
  const ingress = await eventually(
    "web2-lb has every node address as ingress",
    async () => {
      const r = await kubectl([
        "get",
        "svc",
        "web2-lb",
        "-o",
        "jsonpath={.status.loadBalancer.ingress[*].ip}",
      ]);
      const ips = r.stdout.trim().split(/\s+/).filter(Boolean).sort();
      return ips.length === nodes.length ? ips : undefined;
    },
    { context: logs },
  );
  assert.deepEqual(ingress, nodes.map((n) => n.ip).sort());
  const table = await kubectlOk(["get", "svc", "web2-lb"]);
  assert.match(
    table,
    new RegExp(`web2-lb\\s+LoadBalancer\\s+\\S+\\s+\\S*${nodes[0]!.ip.replace(/\./g, "\\.")}`),
  );
  // From node 3's namespace, to each node's address (the only endpoint is on node 2).
  for (const ip of ingress) {
    let last: Run | undefined;
    await eventually(
      `${ip}:8081 answers from web2`,
      async () => {
        last = await inNs(3, "curl", ["-sS", "-m", "5", `http://${ip}:8081/`]);
        return last.stdout.trim() === "web2" ? true : undefined;
      },
      { context: () => JSON.stringify(last) },
    );
  }
});

test("node 3's kube-proxy runs under the node's certificate and programs the service", async () => {
  const n3 = nodes[2]!;
  const nodeKubeconfig = join(n3.dataDir, "kubelet.kubeconfig");
  const asNode = (args: string[]) =>
    inNs(3, "kubectl", [
      "--kubeconfig",
      nodeKubeconfig,
      "--server",
      `https://${nodes[0]!.ip}:6443`,
      ...args,
    ]);
  const whoami = await asNode(["auth", "whoami", "-o", "jsonpath={.status.userInfo.username}"]);
  assert.equal(whoami.stdout.trim(), `system:node:${n3.name}`, whoami.stderr);
  // The Node authorizer lets the node read Endpoints (the agent proxy's source), not EndpointSlices.
  assert.equal((await asNode(["get", "endpoints", "web2", "-o", "name"])).code, 0);
  const slices = await asNode(["get", "endpointslices", "-o", "name"]);
  assert.notEqual(slices.code, 0);
  assert.match(slices.stderr, /forbidden/i);
  // The agent's log: its kube-proxy started with that identity's client.
  const log = readFileSync(join(stateDir, "node3.log"), "utf8");
  assert.match(log, /kube-proxy started/);
  assert.doesNotMatch(log, /"msg":"informer error"[^\n]*forbidden/);
  const clusterIP = (
    await kubectlOk(["get", "svc", "web2", "-o", "jsonpath={.spec.clusterIP}"])
  ).trim();
  // Either backend (auto picks nft on a fresh node, legacy where its rules already are).
  const rules = [
    await inNs(3, "iptables-legacy-save", ["-t", "nat"]),
    await inNs(3, "iptables-nft-save", ["-t", "nat"]),
  ];
  assert.match(
    rules.map((r) => r.stdout).join("\n"),
    new RegExp(`-d ${clusterIP.replace(/\./g, "\\.")}/32 .*default/web2`),
  );
  const healthz = await inNs(3, "curl", ["-sS", "-m", "5", "http://127.0.0.1:10256/healthz"]);
  assert.equal(healthz.code, 0, healthz.stderr);
  assert.match(healthz.stdout, /"lastUpdated":"\d{4}-/);
});

test("k8ts dev cluster delete removes every namespace, process, mount and file", async () => {
  const r = await k8ts(
    ["dev", "cluster", "delete", "--name", name, "--state-dir", stateDir],
    300_000,
  );
  assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
  assert.match(r.stdout, /3 nodes stopped/);
  assert.deepEqual(await nsList(), []);
  for (const pid of pids) assert.equal(existsSync(`/proc/${pid}`), false, `pid ${pid} still runs`);
  assert.equal(existsSync(stateDir), false);
  const mounts = readFileSync("/proc/mounts", "utf8");
  assert.ok(!mounts.includes(stateDir), mounts);
  // No process anywhere still names the cluster's state dir.
  // The host side of the API forward is gone too.
  const api = await run("curl", ["-sk", "-m", "3", `https://127.0.0.1:${apiPort}/version`]);
  assert.equal(api.code, 7, `port ${apiPort} still answers`);
  const ps = await run("ps", ["-eo", "args"]);
  assert.ok(!ps.stdout.includes(stateDir), ps.stdout);
});
