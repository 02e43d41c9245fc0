/**
 * High availability end to end: three `k8ts server` processes on one
 * machine (loopback, free ports, own data dirs), each with a managed etcd
 * member. The first starts the cluster (--cluster-init), the others join
 * with a bootstrap token; wrong tokens are refused; killing the process
 * holding the controller-manager and scheduler leases moves them to a
 * survivor while etcd keeps quorum with 2 of 3 and kubectl keeps working;
 * a worker joins with `k8ts agent` through TLS bootstrapping;
 * an etcd snapshot taken before the fault restores exactly its objects.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { eventually, freePort } from "./harness.ts";
import { alive, etcdPid, k8ts, startHaServer, type HaServer } from "./ha-cluster.ts";

let root: string;
const servers: HaServer[] = [];
let joinArgs: string[] = [];
let snapshotFile: string;
let agent: ChildProcess | undefined;
let agentLog = "";

const byName = (name: string) => servers.find((s) => s.name === name && !s.exited)!;

async function leaseHolder(server: HaServer, lease: string): Promise<string> {
  const r = await server.kubectl([
    "get",
    "lease",
    "-n",
    "kube-system",
    lease,
    "-o",
    "jsonpath={.spec.holderIdentity}",
  ]);
  return r.code === 0 ? r.stdout.trim() : "";
}

before(async () => {
  root = await mkdtemp(join(tmpdir(), "k8ts-ha-e2e-"));
  snapshotFile = join(root, "before.snap");
  servers.push(
    await startHaServer("s1", join(root, "s1"), ["--cluster-init", "--etcd", "managed"]),
  );
});

after(async () => {
  if (agent && agent.exitCode === null) {
    const exited = new Promise((r) => agent!.once("exit", r));
    agent.kill("SIGTERM");
    await exited;
  }
  for (const s of servers) {
    const member = await etcdPid(s.dataDir).catch(() => 0);
    await s.kill("SIGTERM");
    // The server stops its member; if it could not, the member is still ours to stop.
    if (member && alive(member)) process.kill(member, "SIGKILL");
  }
  await rm(root, { recursive: true, force: true });
});

test("k8ts token create|list|delete and the join command", async () => {
  const s1 = servers[0]!;
  const env = { KUBECONFIG: s1.kubeconfig };
  const created = await k8ts(
    ["token", "create", "--control-plane", "--print-join-command", "--ttl", "1h"],
    env,
  );
  assert.equal(created.code, 0, created.stderr);
  const m =
    /^k8ts server --server (\S+) --token ([a-z0-9]{6}\.[a-z0-9]{16}) --discovery-token-ca-cert-hash (sha256:[0-9a-f]{64})$/.exec(
      created.stdout.trim(),
    );
  assert.ok(m, created.stdout);
  assert.equal(m[1], s1.url);
  joinArgs = ["--server", m[1]!, "--token", m[2]!, "--discovery-token-ca-cert-hash", m[3]!];

  const other = await k8ts(["token", "create", "--description", "agents", "--ttl", "0"], env);
  assert.equal(other.code, 0, other.stderr);
  const list = await k8ts(["token", "list"], env);
  assert.equal(list.code, 0, list.stderr);
  assert.match(list.stdout, new RegExp(`^${m[2]!.replace(".", "\\.")}\\s+(59m|1h)\\s`, "m"));
  assert.match(
    list.stdout,
    new RegExp(`^${other.stdout.trim().replace(".", "\\.")}\\s+<forever>`, "m"),
  );
  const del = await k8ts(["token", "delete", other.stdout.trim()], env);
  assert.equal(del.code, 0, del.stderr);
  const again = await k8ts(["token", "list"], env);
  assert.doesNotMatch(again.stdout, new RegExp(other.stdout.trim().split(".")[0]!));
  const cm = await s1.kubectl(["get", "cm", "-n", "kube-public", "cluster-info", "-o", "json"]);
  const data = JSON.parse(cm.stdout).data as Record<string, string>;
  assert.ok(data[`jws-kubeconfig-${m[2]!.split(".")[0]}`]);
  assert.equal(data[`jws-kubeconfig-${other.stdout.trim().split(".")[0]}`], undefined);
});

test("joining with a wrong token, a wrong CA hash or a node-only token is refused", async () => {
  const s1 = servers[0]!;
  const nodeOnly = await k8ts(["token", "create"], { KUBECONFIG: s1.kubeconfig });
  assert.equal(nodeOnly.code, 0, nodeOnly.stderr);
  const cases: { name: string; args: string[]; want: RegExp }[] = [
    {
      name: "unknown token",
      args: ["--server", s1.url, "--token", "abcdef.0123456789abcdef"],
      want: /refused the token/,
    },
    {
      name: "wrong CA hash",
      args: [...joinArgs.slice(0, 4), "--discovery-token-ca-cert-hash", `sha256:${"0".repeat(64)}`],
      want: /CA hash/,
    },
    {
      name: "node-only token",
      args: ["--server", s1.url, "--token", nodeOnly.stdout.trim()],
      want: /may not join control-plane servers/,
    },
  ];
  for (const c of cases) {
    const dir = join(root, `bad-${c.name.replace(/\W/g, "-")}`);
    const port = await freePort();
    const r = await k8ts([
      "server",
      "--disable-agent",
      "--data-dir",
      dir,
      "--secure-port",
      String(port),
      "--node-name",
      "intruder",
      ...c.args,
    ]);
    assert.notEqual(r.code, 0, c.name);
    assert.match(r.stderr, c.want, c.name);
  }
  const members = await k8ts(["etcd", "member", "list", "--data-dir", s1.dataDir]);
  assert.equal(members.stdout.trim().split("\n").length, 2, members.stdout);
});

test("two servers join: three etcd members, one cluster", async () => {
  for (const name of ["s2", "s3"])
    servers.push(await startHaServer(name, join(root, name), joinArgs));
  const members = await k8ts(["etcd", "member", "list", "--data-dir", servers[2]!.dataDir]);
  assert.equal(members.code, 0, members.stderr);
  const rows = members.stdout.trim().split("\n").slice(1);
  assert.deepEqual(rows.map((r) => r.split(/\s+/)[1]).sort(), ["s1", "s2", "s3"]);
  for (const r of rows) assert.match(r, /false\s+healthy$/);
  // A write through one server is read through the others (secrets too: one encryption key).
  const w = await byName("s2").kubectl([
    "create",
    "secret",
    "generic",
    "shared",
    "--from-literal=k=v",
  ]);
  assert.equal(w.code, 0, w.stderr);
  for (const s of ["s1", "s3"]) {
    const r = await byName(s).kubectl(["get", "secret", "shared", "-o", "jsonpath={.data.k}"]);
    assert.equal(r.stdout, Buffer.from("v").toString("base64"), r.stderr);
  }
  const c = await byName("s1").kubectl(["create", "configmap", "before-snapshot"]);
  assert.equal(c.code, 0, c.stderr);
  const snap = await k8ts([
    "etcd",
    "snapshot",
    "save",
    snapshotFile,
    "--data-dir",
    servers[0]!.dataDir,
  ]);
  assert.equal(snap.code, 0, snap.stderr);
  assert.match(snap.stdout, /Snapshot saved at .* \(\d+ bytes, revision \d+\)/);
});

test("k8ts agent joins a worker with a node token (TLS bootstrap) and runs its pods", async () => {
  // Joined through the server the next test kills: its load balancer must fail over then.
  const holder = await eventually("a controller-manager leader", async () => {
    const h = await leaseHolder(servers[0]!, "kube-controller-manager");
    return h || undefined;
  });
  const s2 = byName(holder.split("_")[0]!);
  const token = await k8ts(["token", "create", "--print-join-command"], {
    KUBECONFIG: s2.kubeconfig,
  });
  assert.equal(token.code, 0, token.stderr);
  const args = token.stdout.trim().split(" ").slice(2);
  assert.deepEqual(args.slice(0, 2), ["--server", s2.url]);
  agent = spawn(
    process.execPath,
    [
      join(import.meta.dirname, "..", "..", "bin", "k8ts"),
      "agent",
      ...args,
      "--data-dir",
      join(root, "worker1"),
      "--node-name",
      "worker1",
      "--container-runtime",
      "simulated",
      "--kubelet-port",
      "0",
    ],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  agent.stdout?.on("data", (d: Buffer) => (agentLog += d));
  agent.stderr?.on("data", (d: Buffer) => (agentLog += d));
  {
    await eventually(
      "node worker1 Ready",
      async () => {
        const r = await s2.kubectl([
          "get",
          "node",
          "worker1",
          "-o",
          'jsonpath={.status.conditions[?(@.type=="Ready")].status}',
        ]);
        return r.stdout === "True" ? true : undefined;
      },
      { timeoutMs: 60_000, context: () => agentLog },
    );
    const csrs = await s2.kubectl(["get", "csr", "-o", "json"]);
    const issued = (
      JSON.parse(csrs.stdout).items as {
        spec: { username: string };
        status: { certificate?: string };
      }[]
    ).filter((c) => c.spec.username.startsWith("system:bootstrap:") && c.status.certificate);
    assert.equal(issued.length, 1);
    const run = await s2.kubectl([
      "run",
      "on-worker",
      "--image=busybox",
      "--restart=Never",
      '--overrides={"spec":{"nodeName":"worker1"}}',
      "--",
      "sleep",
      "1000",
    ]);
    assert.equal(run.code, 0, run.stderr);
    await eventually("pod on-worker Running", async () => {
      const r = await s2.kubectl(["get", "pod", "on-worker", "-o", "jsonpath={.status.phase}"]);
      return r.stdout === "Running" ? true : undefined;
    });
    await s2.kubectl(["delete", "pod", "on-worker", "--grace-period=0", "--force"]);
  }
  assert.match(
    agentLog,
    /load balancer https:\/\/127\.0\.0\.1:\d+ over [^,\n]+, [^,\n]+, [^,\n]+\n/,
  );
});

test("killing the leader's server moves the leases, a deployment scaled meanwhile converges, survivors serve on 2 of 3 members", async (t) => {
  const holder = await eventually("a controller-manager leader", async () => {
    const h = await leaseHolder(servers[0]!, "kube-controller-manager");
    return h || undefined;
  });
  const leader = byName(holder.split("_")[0]!);
  assert.ok(leader, `holder ${holder}`);
  const leaderEtcd = await etcdPid(leader.dataDir);
  const survivors = servers.filter((s) => s !== leader && !s.exited);
  const dep = await survivors[0]!.kubectl(["create", "deployment", "web", "--image=busybox"]);
  assert.equal(dep.code, 0, dep.stderr);
  const started = Date.now();
  await leader.kill("SIGKILL");
  // Scaled during the failover: the new leader's controllers must converge it.
  const scaled = await survivors[1]!.kubectl(["scale", "deployment", "web", "--replicas=3"]);
  assert.equal(scaled.code, 0, scaled.stderr);
  // The killed server's member goes with it (its watchdog stops etcd).
  await eventually("the leader's etcd member gone", async () =>
    alive(leaderEtcd) ? undefined : true,
  );
  const moved = await eventually(
    "leases held by survivors",
    async () => {
      const holders = await Promise.all(
        ["kube-controller-manager", "kube-scheduler"].map((l) => leaseHolder(survivors[0]!, l)),
      );
      return holders.every((h) => h && !h.startsWith(`${leader.name}_`)) ? holders : undefined;
    },
    { timeoutMs: 60_000 },
  );
  t.diagnostic(`leases moved to ${moved.join(", ")} ${Date.now() - started} ms after the kill`);
  for (const h of moved)
    assert.ok(
      survivors.some((s) => h.startsWith(`${s.name}_`)),
      h,
    );
  await eventually(
    "deployment web at 3 replicas",
    async () => {
      const r = await survivors[0]!.kubectl([
        "get",
        "deployment",
        "web",
        "-o",
        "jsonpath={.status.replicas}/{.status.updatedReplicas}",
      ]);
      return r.stdout === "3/3" ? true : undefined;
    },
    { timeoutMs: 60_000 },
  );
  // Writes need quorum: 2 of 3 members keep it.
  const w = await survivors[0]!.kubectl(["create", "configmap", "after-snapshot"]);
  assert.equal(w.code, 0, w.stderr);
  const r = await survivors[1]!.kubectl(["get", "configmap", "after-snapshot", "-o", "name"]);
  assert.equal(r.stdout.trim(), "configmap/after-snapshot", r.stderr);
  // The agent joined through the killed server: its balancer moved to a survivor.
  await eventually(
    "worker1's node lease renewed after the kill",
    async () => {
      const l = await survivors[0]!.kubectl([
        "get",
        "lease",
        "-n",
        "kube-node-lease",
        "worker1",
        "-o",
        "jsonpath={.spec.renewTime}",
      ]);
      return Date.parse(l.stdout) > started ? true : undefined;
    },
    { timeoutMs: 40_000, context: () => agentLog.slice(-3000) },
  );
  const members = await k8ts(["etcd", "member", "list", "--data-dir", survivors[0]!.dataDir]);
  assert.equal((members.stdout.match(/ healthy$/gm) ?? []).length, 2, members.stdout);
  assert.equal((members.stdout.match(/unhealthy$/gm) ?? []).length, 1, members.stdout);
});

test("etcd snapshot restore brings back exactly the objects of the snapshot", async () => {
  const target = servers.find((s) => !s.exited)!;
  for (const s of servers) await s.kill("SIGTERM");
  const restored = await k8ts([
    "etcd",
    "snapshot",
    "restore",
    snapshotFile,
    "--data-dir",
    target.dataDir,
  ]);
  assert.equal(restored.code, 0, restored.stderr);
  const again = await startHaServer(target.name, target.dataDir, [
    "--cluster-init",
    "--etcd",
    "managed",
  ]);
  servers.push(again);
  const r = await again.kubectl(["get", "configmaps", "-o", "name"]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^configmap\/before-snapshot$/m);
  assert.doesNotMatch(r.stdout, /after-snapshot/);
  const members = await k8ts(["etcd", "member", "list", "--data-dir", target.dataDir]);
  assert.equal(members.stdout.trim().split("\n").length, 2, members.stdout);
});
