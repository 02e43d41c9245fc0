/**
 * Service allocation through real kubectl against a real `k8ts server`:
 * expose, create service nodeport/clusterip/externalname, conflicts as
 * upstream's 422 messages, the printed columns, the kubernetes and kube-dns
 * services, allocations kept across a restart on the same datastore, and
 * the `k8ts dns` command answering from the API.
 */
import { spawn } from "node:child_process";
import { Resolver } from "node:dns/promises";
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { eventually, startCluster, stopChild, untilOutput, type TestCluster } from "./harness.ts";

let storeDir: string;
let cluster: TestCluster;
const datastoreArgs = () => ["--datastore-endpoint", `sqlite://${join(storeDir, "state.db")}`];

before(async () => {
  storeDir = await mkdtemp(join(tmpdir(), "k8ts-e2e-svc-store-"));
  cluster = await startCluster({ args: datastoreArgs() });
});
after(async () => {
  await cluster?.stop();
  await rm(storeDir, { recursive: true, force: true });
});

const jsonpath = (kind: string, name: string, path: string, ns = "default") =>
  cluster.kubectlOk(["get", kind, name, "-n", ns, "-o", `jsonpath=${path}`]);

test("the kubernetes and kube-dns services", async () => {
  assert.equal(await jsonpath("svc", "kubernetes", "{.spec.clusterIP}"), "10.43.0.1");
  assert.equal(
    await jsonpath("svc", "kubernetes", "{.spec.ports[0].name}/{.spec.ports[0].port}"),
    "https/443",
  );
  assert.equal(
    await jsonpath("endpoints", "kubernetes", "{.subsets[0].ports[0].port}"),
    String(cluster.port),
  );
  const dns = await eventually("kube-dns service", async () => {
    const res = await cluster.kubectl([
      "get",
      "svc",
      "kube-dns",
      "-n",
      "kube-system",
      "-o",
      "json",
    ]);
    return res.code === 0 ? JSON.parse(res.stdout) : undefined;
  });
  assert.equal(dns.spec.clusterIP, "10.43.0.10");
});

test("kubectl expose and create service get addresses and ports", async () => {
  await cluster.kubectlOk(["create", "deployment", "web", "--image=busybox", "--port=8080"]);
  await cluster.kubectlOk(["expose", "deployment", "web", "--port=80", "--target-port=8080"]);
  const ip = await jsonpath("svc", "web", "{.spec.clusterIP}");
  assert.match(ip, /^10\.43\.\d+\.\d+$/);
  assert.notEqual(ip, "10.43.0.1");

  await cluster.kubectlOk([
    "create",
    "service",
    "nodeport",
    "np",
    "--tcp=80:8080",
    "--node-port=30008",
  ]);
  assert.equal(await jsonpath("svc", "np", "{.spec.ports[0].nodePort}"), "30008");
  await cluster.kubectlOk([
    "create",
    "service",
    "clusterip",
    "fixed",
    "--tcp=80",
    "--clusterip=10.43.0.100",
  ]);
  await cluster.kubectlOk(["create", "service", "clusterip", "headless", "--clusterip=None"]);
  await cluster.kubectlOk([
    "create",
    "service",
    "externalname",
    "ext",
    "--external-name=db.example.com",
  ]);
  await cluster.kubectlOk(["create", "service", "loadbalancer", "lb", "--tcp=443:8443"]);

  const table = await cluster.kubectlOk(["get", "svc"]);
  const lines = table.trim().split("\n");
  assert.match(lines[0], /^NAME\s+TYPE\s+CLUSTER-IP\s+EXTERNAL-IP\s+PORT\(S\)\s+AGE$/);
  const row = (name: string) => lines.find((l) => l.startsWith(`${name} `))?.split(/\s+/);
  assert.deepEqual(row("np")?.slice(1, 5), [
    "NodePort",
    await jsonpath("svc", "np", "{.spec.clusterIP}"),
    "<none>",
    "80:30008/TCP",
  ]);
  assert.deepEqual(row("fixed")?.slice(1, 5), ["ClusterIP", "10.43.0.100", "<none>", "80/TCP"]);
  assert.deepEqual(row("headless")?.slice(1, 3), ["ClusterIP", "None"]);
  assert.deepEqual(row("ext")?.slice(1, 4), ["ExternalName", "<none>", "db.example.com"]);
  assert.match(row("lb")?.[4] ?? "", /^443:3\d{4}\/TCP$/);
  assert.deepEqual(row("kubernetes")?.slice(1, 5), ["ClusterIP", "10.43.0.1", "<none>", "443/TCP"]);
});

test("conflicts are 422 Invalid with upstream's messages; delete releases", async () => {
  const port = await cluster.kubectl([
    "create",
    "service",
    "nodeport",
    "np2",
    "--tcp=80",
    "--node-port=30008",
  ]);
  assert.notEqual(port.code, 0);
  assert.match(
    port.stderr,
    /Service "np2" is invalid: spec\.ports\[0\]\.nodePort: Invalid value: 30008: provided port is already allocated/,
  );
  const ip = await cluster.kubectl([
    "create",
    "service",
    "clusterip",
    "fixed2",
    "--tcp=80",
    "--clusterip=10.43.0.100",
  ]);
  assert.notEqual(ip.code, 0);
  assert.match(
    ip.stderr,
    /Service "fixed2" is invalid: spec\.clusterIPs: Invalid value: \[\]string\{"10\.43\.0\.100"\}: failed to allocate IP 10\.43\.0\.100: provided IP is already allocated/,
  );
  const moved = await cluster.kubectl([
    "patch",
    "svc",
    "fixed",
    "--type=merge",
    "-p",
    '{"spec":{"clusterIP":"10.43.0.101","clusterIPs":["10.43.0.101"]}}',
  ]);
  assert.notEqual(moved.code, 0);
  assert.match(moved.stderr, /may not change once set/);
  const dry = await cluster.kubectl([
    "create",
    "service",
    "nodeport",
    "np3",
    "--tcp=80",
    "--node-port=30009",
    "--dry-run=server",
  ]);
  assert.equal(dry.code, 0, dry.stderr);
  await cluster.kubectlOk([
    "create",
    "service",
    "nodeport",
    "np3",
    "--tcp=80",
    "--node-port=30009",
  ]);

  await cluster.kubectlOk(["delete", "svc", "np"]);
  await cluster.kubectlOk([
    "create",
    "service",
    "nodeport",
    "np2",
    "--tcp=80",
    "--node-port=30008",
  ]);
  await cluster.kubectlOk([
    "patch",
    "svc",
    "np2",
    "--type=merge",
    "-p",
    '{"spec":{"type":"ClusterIP"}}',
  ]);
  assert.equal(await jsonpath("svc", "np2", "{.spec.ports[0].nodePort}"), "");
  await cluster.kubectlOk([
    "create",
    "service",
    "nodeport",
    "np4",
    "--tcp=80",
    "--node-port=30008",
  ]);
});

test("allocations survive a restart on the same datastore", async () => {
  const before = {
    fixed: await jsonpath("svc", "fixed", "{.spec.clusterIP}"),
    web: await jsonpath("svc", "web", "{.spec.clusterIP}"),
  };
  await cluster.stop();
  cluster = await startCluster({ args: datastoreArgs() });
  assert.equal(await jsonpath("svc", "fixed", "{.spec.clusterIP}"), before.fixed);
  assert.equal(await jsonpath("svc", "web", "{.spec.clusterIP}"), before.web);
  const again = await cluster.kubectl([
    "create",
    "service",
    "nodeport",
    "np5",
    "--tcp=80",
    "--node-port=30008",
  ]);
  assert.match(again.stderr, /provided port is already allocated/);
  const ipAgain = await cluster.kubectl([
    "create",
    "service",
    "clusterip",
    "web2",
    "--tcp=80",
    `--clusterip=${before.web}`,
  ]);
  assert.match(ipAgain.stderr, /provided IP is already allocated/);
  await cluster.kubectlOk(["create", "service", "clusterip", "fresh", "--tcp=80"]);
  const used = (
    await cluster.kubectlOk(["get", "svc", "-A", "-o", "jsonpath={.items[*].spec.clusterIP}"])
  )
    .split(/\s+/)
    .filter((s) => s && s !== "None");
  assert.equal(new Set(used).size, used.length, `duplicate cluster IPs: ${used.join(" ")}`);
  assert.equal(
    await jsonpath("endpoints", "kubernetes", "{.subsets[0].ports[0].port}"),
    String(cluster.port),
    "the bootstrap controller points the endpoints at the new port",
  );
});

test("k8ts dns answers cluster names from the API and refuses the rest", async () => {
  // Port 0 for both: k8ts dns binds free ports itself and logs which.
  const child = spawn(
    process.execPath,
    [
      join(import.meta.dirname, "..", "..", "bin", "k8ts"),
      "dns",
      "--kubeconfig",
      cluster.kubeconfig,
      "--listen",
      "127.0.0.1:0",
      "--metrics-bind-address",
      "127.0.0.1:0",
      "--no-kube-dns-service",
    ],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  let output = "";
  child.stdout.on("data", (d: Buffer) => (output += d.toString()));
  child.stderr.on("data", (d: Buffer) => (output += d.toString()));
  try {
    const serving = JSON.parse(await untilOutput(child, () => output, /"msg":"serving"/)) as {
      ports: number[];
      metricsPort: number;
    };
    const [port] = serving.ports;
    const { metricsPort } = serving;
    // A query is only lost to a loaded machine: wait long, and ask again.
    const resolver = new Resolver({ timeout: 5000, tries: 3 });
    resolver.setServers([`127.0.0.1:${port}`]);
    const fixed = await eventually(
      "k8ts dns answers",
      async () => resolver.resolve4("fixed.default.svc.cluster.local").catch(() => undefined),
      { context: () => output },
    );
    assert.deepEqual(fixed, [await jsonpath("svc", "fixed", "{.spec.clusterIP}")]);
    const srv = await resolver.resolveSrv("_https._tcp.kubernetes.default.svc.cluster.local");
    assert.deepEqual(
      srv.map((r) => [r.name, r.port]),
      [["kubernetes.default.svc.cluster.local", 443]],
    );
    await assert.rejects(resolver.resolve4("ghost.default.svc.cluster.local"), {
      code: "ENOTFOUND",
    });
    await assert.rejects(resolver.resolve4("example.com"), { code: "EREFUSED" });
    const metrics = await fetch(`http://127.0.0.1:${metricsPort}/metrics`);
    assert.match(await metrics.text(), /coredns_dns_requests_total\{[^}]*type="SRV"/);
  } finally {
    await stopChild(child);
  }
});
