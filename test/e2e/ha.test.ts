/**
 * High availability end to end: three `k8ts server` processes on one
 * machine, each bound to and advertising its own loopback address
 * (127.0.0.2/3/4, one shared port, own data dirs), each with a managed etcd
 * member. The first starts the cluster (--cluster-init), the others join
 * with a bootstrap token (token handling, refused joins and the snapshot
 * round trip are in ha-bootstrap.test.ts); a worker joins with `k8ts agent`
 * through TLS bootstrapping and its load balancer picks up the server
 * joined after it (and drops the one killed); killing the process holding
 * the controller-manager and scheduler leases moves them to a survivor
 * while etcd keeps quorum with 2 of 3, kubectl keeps working (directly and
 * through Debian's nginx in front of the three servers) and a watch
 * through the killed server resumes without missing an acknowledged write.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { connect as tlsConnect } from "node:tls";
import type { KObject } from "../../src/api/types.ts";
import { SharedInformer } from "../../src/client/informer/shared-informer.ts";
import { loadKubeconfig } from "../../src/client/kubeconfig.ts";
import { RestClient } from "../../src/client/rest-client.ts";
import { configMapsRef } from "../../src/client/resources.ts";
import { ApiServerLoadBalancer } from "../../src/ha/apiserver-lb.ts";
import { eventually, stopChild } from "./harness.ts";
import {
  alive,
  etcdPid,
  k8ts,
  run,
  startHaServer,
  startNginx,
  startSimulatedAgent,
  stopServers,
  type HaServer,
  type SimulatedAgent,
} from "./ha-cluster.ts";

let root: string;
const servers: HaServer[] = [];
let joinArgs: string[] = [];
let agent: SimulatedAgent | undefined;
const agentLog = () => agent?.log() ?? "";
/** Each server binds its own address; all share one port. */
const HOSTS: Record<string, string> = { s1: "127.0.0.2", s2: "127.0.0.3", s3: "127.0.0.4" };
let port: number;
const at = (name: string) => ({ host: HOSTS[name]!, port });

const byName = (name: string) => servers.find((s) => s.name === name && !s.exited)!;
/** The server list the agent's balancer last logged (sorted URLs). */
const lastServerList = () => agent?.serverList() ?? "";

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
  // s1 binds a free port itself; s2 and s3 take the same port on their own addresses.
  const s1 = await startHaServer("s1", join(root, "s1"), ["--cluster-init", "--etcd", "managed"], {
    host: HOSTS.s1,
  });
  servers.push(s1);
  port = s1.port;
});

after(async () => {
  await stopChild(agent?.child);
  await stopServers(servers);
  await rm(root, { recursive: true, force: true });
});

test("a second server joins on its own address with a control-plane token: two etcd members, one cluster", async () => {
  const created = await k8ts(["token", "create", "--control-plane", "--print-join-command"], {
    KUBECONFIG: servers[0]!.kubeconfig,
  });
  assert.equal(created.code, 0, created.stderr);
  joinArgs = created.stdout.trim().split(" ").slice(2);
  assert.deepEqual(joinArgs.slice(0, 2), ["--server", servers[0]!.url]);
  servers.push(await startHaServer("s2", join(root, "s2"), joinArgs, at("s2")));
  const members = await k8ts(["etcd", "member", "list", "--data-dir", servers[1]!.dataDir]);
  assert.equal(members.code, 0, members.stderr);
  const rows = members.stdout.trim().split("\n").slice(1);
  assert.deepEqual(rows.map((r) => r.split(/\s+/)[1]).sort(), ["s1", "s2"]);
  for (const r of rows) assert.match(r, /false\s+healthy$/);
  // A write through one server is read through the other (secrets too: one encryption key).
  const w = await byName("s2").kubectl([
    "create",
    "secret",
    "generic",
    "shared",
    "--from-literal=k=v",
  ]);
  assert.equal(w.code, 0, w.stderr);
  const r = await byName("s1").kubectl(["get", "secret", "shared", "-o", "jsonpath={.data.k}"]);
  assert.equal(r.stdout, Buffer.from("v").toString("base64"), r.stderr);
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
  agent = startSimulatedAgent(args, join(root, "worker1"), "worker1");
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
      // Bootstrap CSR, approval, kubelet start and registration: several processes' work.
      { timeoutMs: 120_000, context: agentLog },
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
  assert.match(agentLog(), /load balancer https:\/\/127\.0\.0\.1:\d+ over [^,\n]+, [^,\n]+\n/);
});

test("a third server joins after the agent: own address in member list, endpoints and certificate; the agent balances over it", async () => {
  servers.push(await startHaServer("s3", join(root, "s3"), joinArgs, at("s3")));
  const s3 = byName("s3");
  const members = await k8ts(["etcd", "member", "list", "--data-dir", s3.dataDir]);
  assert.equal(members.code, 0, members.stderr);
  const rows = members.stdout.trim().split("\n").slice(1);
  assert.deepEqual(rows.map((r) => r.split(/\s+/)[1]).sort(), ["s1", "s2", "s3"]);
  for (const r of rows) {
    assert.match(r, /false\s+healthy$/);
    const name = r.split(/\s+/)[1]!;
    assert.match(r, new RegExp(`https://${HOSTS[name]!.replace(/\./g, "\\.")}:\\d+`), r);
  }
  const r = await byName("s1").kubectl(["get", "secret", "shared", "-o", "jsonpath={.data.k}"]);
  assert.equal(r.stdout, Buffer.from("v").toString("base64"), r.stderr);
  // Each server's serving certificate names its own address; the endpoints list every server.
  const ca = await readFile(join(s3.dataDir, "tls", "ca.crt"), "utf8");
  for (const s of servers.filter((x) => !x.exited)) {
    const san = await new Promise<string>((resolve, reject) => {
      const sock = tlsConnect({ host: HOSTS[s.name], port, ca }, () => {
        resolve(sock.getPeerX509Certificate()?.subjectAltName ?? "");
        sock.destroy();
      });
      sock.once("error", reject);
    });
    assert.match(san, new RegExp(`IP Address:${HOSTS[s.name]!.replace(/\./g, "\\.")}(,|$)`));
  }
  await eventually("default/kubernetes lists the three servers", async () => {
    const ep = await s3.kubectl([
      "get",
      "endpoints",
      "kubernetes",
      "-o",
      "jsonpath={.subsets[*].addresses[*].ip} {.subsets[*].ports[*].port}",
    ]);
    return ep.stdout === `127.0.0.2 127.0.0.3 127.0.0.4 ${port}` ? true : undefined;
  });
  // Every server reports its own etcd check; its admin kubeconfig names that server.
  for (const s of servers.filter((x) => !x.exited)) {
    assert.equal(loadKubeconfig(s.kubeconfig).server, `https://${HOSTS[s.name]}:${port}`, s.name);
    const ready = await s.kubectl(["get", "--raw", "/readyz?verbose"]);
    assert.equal(ready.code, 0, ready.stderr);
    assert.match(ready.stdout, /^\[\+\]etcd ok$/m, s.name);
  }
  // The agent joined before s3 existed: its balancer learns s3 from the endpoints.
  await eventually(
    "the agent balances over s3",
    async () =>
      agentLog().includes(`API servers: `) && lastServerList().includes(s3.url) ? true : undefined,
    { timeoutMs: 120_000, context: () => agentLog().slice(-2000) },
  );
});

/**
 * A watch (informer) on a namespace through a balancer that prefers `first`,
 * and a writer creating ConfigMaps there one after another through
 * `writeVia`, recording every acknowledged write.
 */
async function startWatchCheck(first: HaServer, others: HaServer[], writeVia: HaServer) {
  const ns = "watch-check";
  const created = await writeVia.kubectl(["create", "namespace", ns]);
  assert.equal(created.code, 0, created.stderr);
  const lb = new ApiServerLoadBalancer([first.url, ...others.map((s) => s.url)]);
  const lbUrl = await lb.listen();
  const watchClient = new RestClient({ ...loadKubeconfig(first.kubeconfig), server: lbUrl });
  const informer = new SharedInformer(watchClient, configMapsRef, { namespace: ns });
  const adds = new Map<string, number>();
  informer.addEventHandler({
    add: (o) => adds.set(o.metadata!.name!, (adds.get(o.metadata!.name!) ?? 0) + 1),
  });
  informer.start();
  await informer.waitForSync();
  const writer = new RestClient({ ...loadKubeconfig(writeVia.kubeconfig), qps: 20, burst: 20 });
  const acked: { name: string; rv: bigint }[] = [];
  let failed = 0;
  let writing = true;
  const loop = (async () => {
    for (let i = 0; writing; i++) {
      try {
        const o = await writer.create<KObject>(configMapsRef, ns, {
          apiVersion: "v1",
          kind: "ConfigMap",
          metadata: { name: `w${i}` },
          data: { i: String(i) },
        } as KObject);
        acked.push({ name: `w${i}`, rv: BigInt(o.metadata!.resourceVersion!) });
      } catch {
        failed++; // not acknowledged: may or may not be stored
      }
    }
  })();
  return {
    /** Stops writing, then checks the watch saw every acknowledged write once, in line with storage. */
    async finish(): Promise<{ acked: number; failed: number }> {
      writing = false;
      await loop;
      try {
        await eventually("the watch saw every acknowledged write", async () =>
          acked.every((a) => informer.indexer.get(`${ns}/${a.name}`)) ? true : undefined,
        );
        for (let i = 1; i < acked.length; i++)
          assert.ok(
            acked[i]!.rv > acked[i - 1]!.rv,
            `resourceVersion went back at ${acked[i]!.name}`,
          );
        for (const a of acked) assert.equal(adds.get(a.name), 1, `adds of ${a.name}`);
        const stored = await writer.list<KObject>(configMapsRef, ns);
        const names = (list: KObject[]) => list.map((o) => o.metadata!.name!).sort();
        await eventually("the watch's cache equals storage", async () =>
          JSON.stringify(names(informer.indexer.list())) === JSON.stringify(names(stored.items))
            ? true
            : undefined,
        );
        return { acked: acked.length, failed };
      } finally {
        await informer.stop();
        watchClient.close();
        writer.close();
        await lb.close();
      }
    },
  };
}

test("killing the leader's server moves the leases, a deployment scaled meanwhile converges, survivors serve on 2 of 3 members, a watch through it resumes", async (t) => {
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
  // The classic HA diagram: Debian's nginx (stream) in front of the three servers.
  const nginx = await startNginx(
    servers.filter((s) => !s.exited).map((s) => s.url),
    join(root, "nginx"),
  );
  t.after(() => nginx.stop());
  const viaNginx = (args: string[]) =>
    run("kubectl", [
      "--kubeconfig",
      survivors[0]!.kubeconfig,
      "--server",
      nginx.url,
      "--request-timeout",
      "20s",
      ...args,
    ]);
  const before = await viaNginx(["get", "deployment", "web", "-o", "name"]);
  assert.equal(before.code, 0, before.stderr + nginx.logs());
  // The watch goes through the server about to die; the writes through a survivor.
  const watch = await startWatchCheck(leader, survivors, survivors[1]!);
  const started = Date.now();
  await leader.kill("SIGKILL");
  // Checked side by side with the rest (the lease lapse takes its time); awaited at the end.
  const agentChecks = (async () => {
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
      { timeoutMs: 120_000, context: () => agentLog().slice(-3000) },
    );
    // Once the killed server's master lease lapses, the endpoints and the agent's list drop it.
    await eventually(
      "the agent dropped the killed server",
      async () => {
        const list = lastServerList();
        return survivors.every((s) => list.includes(s.url)) && !list.includes(leader.url)
          ? true
          : undefined;
      },
      { timeoutMs: 90_000, context: () => agentLog().slice(-2000) },
    );
  })();
  // A failure surfaces when awaited below, not as an unhandled rejection.
  agentChecks.catch(() => {});
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
    // A lease lapses 15 s after its last renewal; a loaded survivor's elector retries after that.
    { timeoutMs: 120_000 },
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
    // The new leader starts every controller (informers list first) before this converges.
    { timeoutMs: 120_000 },
  );
  // Writes need quorum: 2 of 3 members keep it.
  const w = await survivors[0]!.kubectl(["create", "configmap", "after-kill"]);
  assert.equal(w.code, 0, w.stderr);
  const r = await survivors[1]!.kubectl(["get", "configmap", "after-kill", "-o", "name"]);
  assert.equal(r.stdout.trim(), "configmap/after-kill", r.stderr);
  // kubectl through nginx keeps working with one server dead (a few tries may reach it first).
  for (let i = 0; i < 5; i++) {
    const n = await viaNginx(["get", "configmap", "after-kill", "-o", "name"]);
    assert.equal(n.stdout.trim(), "configmap/after-kill", n.stderr + nginx.logs());
  }
  const counts = await watch.finish();
  t.diagnostic(
    `watch through the killed server: ${counts.acked} acknowledged writes all seen, ${counts.failed} failed`,
  );
  assert.ok(counts.acked > 0);
  await agentChecks;
  const members = await k8ts(["etcd", "member", "list", "--data-dir", survivors[0]!.dataDir]);
  assert.equal((members.stdout.match(/ healthy$/gm) ?? []).length, 2, members.stdout);
  assert.equal((members.stdout.match(/unhealthy$/gm) ?? []).length, 1, members.stdout);
  // The dead member is removed through the member API: two healthy members remain and serve writes.
  const removed = await k8ts([
    "etcd",
    "member",
    "remove",
    leader.name,
    "--data-dir",
    survivors[0]!.dataDir,
  ]);
  assert.equal(removed.code, 0, removed.stderr);
  assert.match(removed.stdout, new RegExp(`Member ${leader.name} removed`));
  const left = await k8ts(["etcd", "member", "list", "--data-dir", survivors[1]!.dataDir]);
  const rows = left.stdout.trim().split("\n").slice(1);
  assert.deepEqual(rows.map((r) => r.split(/\s+/)[1]).sort(), survivors.map((s) => s.name).sort());
  for (const r of rows) assert.match(r, / healthy$/);
  const after2 = await survivors[1]!.kubectl(["create", "configmap", "after-remove"]);
  assert.equal(after2.code, 0, after2.stderr);
});
