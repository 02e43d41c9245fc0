/**
 * Three `k8ts server`s sharing one IP (127.0.0.1, each advertising it) on
 * different secure ports, each with a managed etcd member: the second and
 * third join with a control-plane token; every server is a member and
 * serves the same state; the controller-manager and scheduler leases have
 * one holder among them; each has its identity Lease (apiserver-<hash>);
 * `default/kubernetes` lists all three under their
 * own ports (master leases keyed by IP and port); each server's admin
 * kubeconfig names that server; an agent's load balancer learns all three
 * from those endpoints and drops a killed one once its lease lapses; with
 * two of three members down, writes fail at once with a 503 Status, reads
 * with resourceVersion=0 answer from the watch cache while kubectl's
 * consistent list fails (as upstream), a watch open through the outage
 * keeps its stream, and writes resume by themselves once a member returns
 * (the watch then delivers them).
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { KObject } from "../../src/api/types.ts";
import { ApiError } from "../../src/client/api-error.ts";
import { loadKubeconfig } from "../../src/client/kubeconfig.ts";
import { RestClient } from "../../src/client/rest-client.ts";
import { configMapsRef } from "../../src/client/resources.ts";
import { serversFromEndpoints } from "../../src/ha/apiserver-endpoints.ts";
import { eventually, stopChild } from "./harness.ts";
import {
  alive,
  etcdPid,
  k8ts,
  startHaServer,
  startSimulatedAgent,
  stopServers,
  type HaServer,
  type SimulatedAgent,
} from "./ha-cluster.ts";

let root: string;
const servers: HaServer[] = [];
let agent: SimulatedAgent | undefined;
/** etcd members stopped with SIGSTOP, resumed in after() whatever happens. */
const frozen: number[] = [];
/** Every server binds 127.0.0.1 (the harness default) and advertises it. */
const advertise = ["--advertise-address", "127.0.0.1"];

/** The agent's last logged server list (sorted URLs), its log's tail. */
const lastServerList = () => agent?.serverList() ?? "";
const agentLog = () => agent?.log().slice(-2000) ?? "";

const live = () => servers.filter((s) => !s.exited);

/** The servers default/kubernetes lists, as seen through `via`. */
async function listed(via: HaServer): Promise<string[] | undefined> {
  const r = await via.kubectl(["get", "endpoints", "kubernetes", "-o", "json"]);
  return r.code === 0 ? serversFromEndpoints(JSON.parse(r.stdout) as KObject) : undefined;
}

before(async () => {
  root = await mkdtemp(join(tmpdir(), "k8ts-ha-shared-ip-"));
  servers.push(
    await startHaServer("s1", join(root, "s1"), [
      "--cluster-init",
      "--etcd",
      "managed",
      ...advertise,
    ]),
  );
  const created = await k8ts(["token", "create", "--control-plane", "--print-join-command"], {
    KUBECONFIG: servers[0]!.kubeconfig,
  });
  assert.equal(created.code, 0, created.stderr);
  const joinArgs = created.stdout.trim().split(" ").slice(2);
  for (const name of ["s2", "s3"])
    servers.push(await startHaServer(name, join(root, name), [...joinArgs, ...advertise]));
});

after(async () => {
  for (const pid of frozen) if (alive(pid)) process.kill(pid, "SIGCONT");
  await stopChild(agent?.child);
  await stopServers(servers);
  await rm(root, { recursive: true, force: true });
});

test("three servers on 127.0.0.1, different ports: one etcd cluster, one state, leases, every server in the endpoints", async () => {
  const ports = servers.map((s) => s.port);
  assert.equal(new Set(ports).size, 3, `distinct ports ${ports.join(", ")}`);
  const members = await k8ts(["etcd", "member", "list", "--data-dir", servers[2]!.dataDir]);
  assert.equal(members.code, 0, members.stderr);
  const rows = members.stdout.trim().split("\n").slice(1);
  assert.deepEqual(rows.map((r) => r.split(/\s+/)[1]).sort(), ["s1", "s2", "s3"]);
  for (const r of rows) assert.match(r, /https:\/\/127\.0\.0\.1:\d+.*false\s+healthy$/, r);

  // A write through one server is read through the others.
  const w = await servers[2]!.kubectl(["create", "configmap", "shared", "--from-literal=k=v"]);
  assert.equal(w.code, 0, w.stderr);
  for (const s of servers) {
    const r = await s.kubectl(["get", "configmap", "shared", "-o", "jsonpath={.data.k}"]);
    assert.equal(r.stdout, "v", `${s.name}: ${r.stderr}`);
  }

  // Each server's admin kubeconfig names that server: 127.0.0.1 and its own port.
  for (const s of servers) {
    assert.equal(loadKubeconfig(s.kubeconfig).server, s.url, s.name);
    const ready = await s.kubectl(["get", "--raw", "/readyz?verbose"]);
    assert.match(ready.stdout, /^\[\+\]etcd ok$/m, `${s.name}: ${ready.stderr}`);
  }

  // One holder per lease, among the three.
  for (const lease of ["kube-controller-manager", "kube-scheduler"]) {
    const holder = await eventually(`${lease} held`, async () => {
      const r = await servers[0]!.kubectl([
        "get",
        "lease",
        "-n",
        "kube-system",
        lease,
        "-o",
        "jsonpath={.spec.holderIdentity}",
      ]);
      return r.stdout.trim() || undefined;
    });
    assert.ok(
      servers.some((s) => holder.startsWith(`${s.name}_`)),
      `${lease} held by ${holder}`,
    );
  }

  // Each server's identity Lease (upstream's apiserver-<hash>, its node name as hostname).
  await eventually("three API server identity leases", async () => {
    const r = await servers[0]!.kubectl([
      "get",
      "lease",
      "-n",
      "kube-system",
      "-l",
      "apiserver.kubernetes.io/identity=kube-apiserver",
      "-o",
      "jsonpath={.items[*].metadata.labels.kubernetes\\.io/hostname}",
    ]);
    return r.stdout.trim().split(/\s+/).sort().join(",") === "s1,s2,s3" ? true : undefined;
  });
  // Master leases keyed by IP and port: all three listed, each under its own port.
  const want = servers.map((s) => s.url).sort();
  for (const s of servers)
    await eventually(`${s.name} sees the three servers in default/kubernetes`, async () =>
      JSON.stringify(await listed(s)) === JSON.stringify(want) ? true : undefined,
    );
  const slices = await servers[0]!.kubectl([
    "get",
    "endpointslices",
    "-l",
    "kubernetes.io/service-name=kubernetes",
    "-o",
    "jsonpath={.items[*].ports[0].port}",
  ]);
  assert.deepEqual(
    slices.stdout.trim().split(/\s+/).map(Number).sort(),
    [...ports].sort(),
    slices.stderr,
  );
});

test("an agent balances over the three servers and drops a killed one once the endpoints do", async () => {
  const token = await k8ts(["token", "create", "--print-join-command"], {
    KUBECONFIG: servers[0]!.kubeconfig,
  });
  assert.equal(token.code, 0, token.stderr);
  agent = startSimulatedAgent(
    token.stdout.trim().split(" ").slice(2),
    join(root, "worker"),
    "worker",
  );
  const want = servers.map((s) => s.url).sort();
  await eventually(
    "the agent balances over the three servers",
    async () => (lastServerList() === want.join(", ") ? true : undefined),
    { timeoutMs: 90_000, context: agentLog },
  );
  await eventually(
    "node worker Ready",
    async () => {
      const r = await servers[0]!.kubectl([
        "get",
        "node",
        "worker",
        "-o",
        'jsonpath={.status.conditions[?(@.type=="Ready")].status}',
      ]);
      return r.stdout === "True" ? true : undefined;
    },
    { timeoutMs: 120_000, context: agentLog },
  );

  // s2 dies: once its master lease lapses, the endpoints and the agent's list drop it.
  const victim = servers[1]!;
  await victim.kill("SIGKILL");
  const rest = live()
    .map((s) => s.url)
    .sort();
  await eventually(
    "default/kubernetes drops the killed server",
    async () =>
      JSON.stringify(await listed(servers[0]!)) === JSON.stringify(rest) ? true : undefined,
    { timeoutMs: 90_000 },
  );
  await eventually(
    "the agent drops the killed server",
    async () => (lastServerList() === rest.join(", ") ? true : undefined),
    { timeoutMs: 90_000, context: agentLog },
  );
  // The node stays Ready through the survivors (its lease keeps being renewed).
  const renewed = async () =>
    (
      await servers[2]!.kubectl([
        "get",
        "lease",
        "-n",
        "kube-node-lease",
        "worker",
        "-o",
        "jsonpath={.spec.renewTime}",
      ])
    ).stdout;
  const before = await renewed();
  await eventually("worker's node lease renewed after the kill", async () =>
    (await renewed()) !== before ? true : undefined,
  );
});

test("two of three members down: writes fail with a 503 Status, RV=0 reads answer from the cache, consistent reads fail, a watch keeps its stream, writes resume when a member returns", async () => {
  // s2 was killed above: its member goes with it, leaving s1's and s3's.
  const s2Member = await etcdPid(servers[1]!.dataDir);
  await eventually("s2's etcd member gone", async () => (alive(s2Member) ? undefined : true));
  const [s1, s3] = [servers[0]!, servers[2]!];
  const client = new RestClient({ ...loadKubeconfig(s1.kubeconfig), userAgent: "ha-quorum" });
  const cm = (name: string) =>
    ({ apiVersion: "v1", kind: "ConfigMap", metadata: { name } }) as KObject;
  // A watch from the current state, open through the outage.
  const start = await client.list(configMapsRef, "default");
  const stopWatch = new AbortController();
  const seen: string[] = [];
  const watching = (async () => {
    const events = client.watch<KObject>(
      configMapsRef,
      "default",
      { resourceVersion: start.metadata.resourceVersion },
      stopWatch.signal,
    );
    for await (const ev of events) seen.push(`${ev.type} ${ev.object.metadata?.name ?? ""}`);
    return stopWatch.signal.aborted ? "stopped" : "ended";
  })().catch((err: unknown) => `failed: ${String(err)}`);
  try {
    await client.create(configMapsRef, "default", cm("before-outage"));
    await eventually("the watch (and s1's cache) has the last write before the outage", async () =>
      seen.includes("ADDED before-outage") ? true : undefined,
    );
    const s3Member = await etcdPid(s3.dataDir);
    process.kill(s3Member, "SIGSTOP");
    frozen.push(s3Member);
    // Bounded by the test's own timeout: a write must be answered, never left hanging.
    const failed = await client.create(configMapsRef, "default", cm("no-quorum")).then(
      () => undefined,
      (err: unknown) => err,
    );
    assert.ok(failed instanceof ApiError, `a Status error, got ${String(failed)}`);
    assert.equal(failed.code, 503, failed.message);
    assert.equal(failed.status?.kind, "Status");
    assert.equal(failed.status?.code, 503);
    // Reads upstream serves from its watch cache answer from s1's cache without quorum:
    // client-go style list and get with resourceVersion=0 ...
    const cached = await client.list(configMapsRef, "default", {
      resourceVersion: "0",
      limit: 500,
    });
    assert.ok(
      cached.items.some((i) => i.metadata?.name === "before-outage"),
      JSON.stringify(cached.items.map((i) => i.metadata?.name)),
    );
    const one = await client.request<KObject>(
      "GET",
      "/api/v1/namespaces/default/configmaps/before-outage?resourceVersion=0",
    );
    assert.equal(one.metadata?.name, "before-outage");
    // Consistent reads (quorum reads) with a short ?timeout=: a clear 5xx Status by the
    // deadline (504 Timeout, or 503 when etcd answers first), never a hang past it.
    for (const path of [
      "/api/v1/namespaces/default/configmaps?timeout=4s",
      "/api/v1/namespaces/default/configmaps/before-outage?timeout=4s",
    ]) {
      const err = await client.request("GET", path).then(
        () => undefined,
        (e: unknown) => e,
      );
      assert.ok(err instanceof ApiError, `${path}: a Status error, got ${String(err)}`);
      assert.ok([503, 504].includes(err.code), `${path}: ${err.code} ${err.message}`);
      assert.equal(err.status?.kind, "Status", path);
    }
    // ... while kubectl's consistent list (resourceVersion unset) needs a quorum read: it
    // fails, with a 5xx Status or (as upstream, whose quorum read waits out the request
    // timeout) by kubectl's own --request-timeout (20 s in these tests).
    const consistent = await s1.kubectl(["get", "configmaps", "-n", "default"]);
    assert.notEqual(consistent.code, 0, consistent.stdout);
    assert.match(
      consistent.stderr,
      /ServiceUnavailable|unavailable|Timeout|timed out|deadline exceeded/i,
    );
    // One member back: two of three, writes resume without any other action.
    process.kill(s3Member, "SIGCONT");
    frozen.splice(frozen.indexOf(s3Member), 1);
    await eventually("writes resume", async () => {
      try {
        await client.create(configMapsRef, "default", cm("after-quorum"));
        return true;
      } catch {
        return undefined;
      }
    });
    const r = await s3.kubectl(["get", "configmap", "after-quorum", "-o", "name"]);
    assert.equal(r.stdout.trim(), "configmap/after-quorum", r.stderr);
    await eventually("the watch delivers the write made after the outage", async () =>
      seen.includes("ADDED after-quorum") ? true : undefined,
    );
    assert.ok(!seen.some((e) => e.startsWith("ERROR")), seen.join(", "));
  } finally {
    stopWatch.abort();
    assert.equal(await watching, "stopped", "the watch stream lasted through the outage");
    client.close();
  }
});
