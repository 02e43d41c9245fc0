/**
 * HA fault-injection benchmark on one machine: three `k8ts server`s with
 * managed etcd members (loopback, free ports, temp dirs), a client writing
 * continuously through one server, and three faults:
 * 1. the etcd raft leader's member is SIGKILLed (its supervisor restarts it);
 * 2. two of three members are frozen (SIGSTOP) for 15 s, then thawed;
 * 3. the server holding the controller-manager lease is SIGKILLed.
 * Prints write unavailability, error answers, lease failover time,
 * whether every acknowledged write is stored, and whether a watch kept open
 * through all three faults (via the servers hit first) saw every
 * acknowledged write exactly once. Figures only, never asserted.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { loadKubeconfig } from "../src/client/kubeconfig.ts";
import { RestClient } from "../src/client/rest-client.ts";
import { clientUrl, loadMemberConfig } from "../src/ha/etcd-member-config.ts";
import { listMembers, withEtcd } from "../src/ha/etcd-membership.ts";
import { etcdPid, k8ts, startHaServer, type HaServer } from "../test/e2e/ha-cluster.ts";
import { parseBenchArgs, progress, writeJson } from "./lib/args.ts";
import { printTable, type Row } from "./lib/table.ts";
import { ContinuousWriter } from "./ha-writer.ts";
import { WatchChecker } from "./ha-watch.ts";

const args = parseBenchArgs();
const rows: Row[] = [];
const results: Record<string, unknown> = {};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const log = (m: string) => progress("ha", m);

function etcdTls(s: HaServer) {
  const dir = join(s.dataDir, "tls", "etcd");
  return {
    caFile: join(dir, "ca.crt"),
    certFile: join(dir, "apiserver-etcd-client.crt"),
    keyFile: join(dir, "apiserver-etcd-client.key"),
  };
}

/** The server whose member is the raft leader, asked through `via`'s member. */
async function raftLeader(via: HaServer, servers: HaServer[]): Promise<HaServer> {
  const endpoint = clientUrl(await loadMemberConfig(via.dataDir));
  const { leader, members } = await withEtcd([endpoint], etcdTls(via), async (c) => ({
    leader: String((await c.maintenance.status({})).leader),
    members: await listMembers(c),
  }));
  const name = members.find((m) => m.id === leader)?.name;
  return servers.find((s) => s.name === name)!;
}

interface LeaseSpec {
  holderIdentity?: string;
  acquireTime?: string;
  renewTime?: string;
}

async function leaseSpec(client: RestClient, lease: string): Promise<LeaseSpec> {
  try {
    const l = await client.request<{ spec?: LeaseSpec }>(
      "GET",
      `/apis/coordination.k8s.io/v1/namespaces/kube-system/leases/${lease}`,
      { signal: AbortSignal.timeout(5000) },
    );
    return l.spec ?? {};
  } catch {
    return {};
  }
}

const leaseHolder = async (client: RestClient, lease: string) =>
  (await leaseSpec(client, lease)).holderIdentity ?? "";

/** A Lease MicroTime (6 fractional digits) in epoch ms. */
const microTimeMs = (t?: string) => (t ? Date.parse(t.replace(/(\.\d{3})\d*Z$/, "$1Z")) : NaN);

const loadAtStart = loadavg()[0]!;
const root = await mkdtemp(join(tmpdir(), "k8ts-bench-ha-"));
const servers: HaServer[] = [];
const frozen: number[] = [];
let writer: ContinuousWriter | undefined;
let watch: WatchChecker | undefined;
try {
  log("starting 3 servers");
  servers.push(await startHaServer("s1", join(root, "s1"), ["--cluster-init"]));
  const token = await k8ts(["token", "create", "--control-plane", "--print-join-command"], {
    KUBECONFIG: servers[0]!.kubeconfig,
  });
  const joinArgs = token.stdout.trim().split(" ").slice(2);
  for (const name of ["s2", "s3"])
    servers.push(await startHaServer(name, join(root, name), joinArgs));

  // Fault 1: kill the raft leader's member; write through a server whose member is a follower.
  const leader1 = await raftLeader(servers[0]!, servers);
  const via1 = servers.find((s) => s !== leader1)!;
  // The watch goes through the server whose member dies first.
  watch = new WatchChecker([
    leader1.url,
    ...servers.filter((s) => s !== leader1).map((s) => s.url),
  ]);
  await watch.start(via1.kubeconfig);
  // A write every 20 ms, not waiting for earlier ones: a write in flight to the
  // dead leader waits for etcd's own request timeout (5 s + 2 election
  // timeouts); later ones show when writes resume.
  writer = new ContinuousWriter(via1.kubeconfig, "f1", 10_000, 20);
  writer.start();
  await sleep(2000);
  log(`fault 1: SIGKILL etcd member of ${leader1.name} (raft leader); writing via ${via1.name}`);
  const t1 = performance.now();
  process.kill(await etcdPid(leader1.dataDir), "SIGKILL");
  await sleep(8000);
  const gap1 = writer.longestGap(t1 - 500, performance.now());
  const stuck1 = writer.slowest(t1 - 500, performance.now());
  rows.push(
    {
      fault: "etcd leader member killed",
      metric: "write unavailability (ms), a write every 20 ms",
      value: gap1,
    },
    {
      fault: "etcd leader member killed",
      metric: "slowest single write (in flight at the kill, ms)",
      value: stuck1,
    },
  );
  results.etcdMemberKill = {
    writeUnavailabilityMs: gap1,
    slowestWriteMs: stuck1,
    failures: writer.failures(t1, performance.now()),
  };
  await writer.stop();
  const acked: string[] = writer.acknowledged();

  // Fault 2: freeze two members (no quorum) for 10 s.
  const via2 = servers[0]!;
  writer = new ContinuousWriter(via2.kubeconfig, "f2", 35_000);
  writer.start();
  await sleep(2000);
  const others = servers.filter((s) => s !== via2);
  log(`fault 2: SIGSTOP etcd members of ${others.map((s) => s.name).join(", ")} for 15 s`);
  for (const s of others) {
    const pid = await etcdPid(s.dataDir);
    process.kill(pid, "SIGSTOP");
    frozen.push(pid);
  }
  const t2 = performance.now();
  await sleep(15_000);
  for (const pid of frozen.splice(0)) process.kill(pid, "SIGCONT");
  const thawed = performance.now();
  await sleep(8000);
  // Attempts answered while frozen (started before or during the freeze).
  const during = writer.attempts.filter((a) => a.end > t2 && a.start < thawed);
  const failed = during.filter((a) => !a.ok);
  const firstAck = writer.attempts.find((a) => a.ok && a.end > thawed);
  const errors = Object.entries(writer.failures(t2 - 20_000, thawed))
    .map(([e, n]) => `${n}x ${e}`)
    .join(", ");
  rows.push(
    {
      fault: "2 of 3 members frozen",
      metric: "writes acknowledged while frozen",
      value: during.length - failed.length,
    },
    {
      fault: "2 of 3 members frozen",
      metric: `writes failed while frozen (${errors})`,
      value: failed.length,
    },
    {
      fault: "2 of 3 members frozen",
      metric: "mean time to error answer (ms)",
      value: failed.length
        ? failed.reduce((sum, a) => sum + a.end - a.start, 0) / failed.length
        : undefined,
    },
    {
      fault: "2 of 3 members frozen",
      metric: "recovery after thaw (ms)",
      value: firstAck ? firstAck.end - thawed : undefined,
    },
  );
  results.quorumLoss = {
    failures: writer.failures(t2, thawed),
    recoveryMs: firstAck ? firstAck.end - thawed : null,
  };
  await writer.stop();
  acked.push(...writer.acknowledged());

  // Fault 3: kill the server holding the controller-manager lease.
  const probe = new RestClient(loadKubeconfig(servers[0]!.kubeconfig));
  const holder = await leaseHolder(probe, "kube-controller-manager");
  probe.close();
  const victim = servers.find((s) => holder.startsWith(`${s.name}_`))!;
  const survivor = servers.find((s) => s !== victim)!;
  writer = new ContinuousWriter(survivor.kubeconfig, "f3");
  writer.start();
  await sleep(2000);
  log(`fault 3: SIGKILL server ${victim.name} (lease holder); writing via ${survivor.name}`);
  const client = new RestClient(loadKubeconfig(survivor.kubeconfig));
  const t3 = performance.now();
  await victim.kill("SIGKILL");
  const leases = ["kube-controller-manager", "kube-scheduler"];
  // The killed holder's last renewal (nobody else writes a lease until it moves).
  const lastRenew: Record<string, number> = {};
  for (const lease of leases) {
    const spec = await leaseSpec(client, lease);
    if (spec.holderIdentity?.startsWith(`${victim.name}_`))
      lastRenew[lease] = microTimeMs(spec.renewTime);
  }
  const moved: Record<string, number> = {};
  const pending = () => leases.filter((l) => l in lastRenew && !(l in moved));
  while (pending().length > 0 && performance.now() - t3 < 60_000) {
    for (const lease of pending()) {
      const h = await leaseHolder(client, lease);
      if (h && !h.startsWith(`${victim.name}_`)) moved[lease] = performance.now() - t3;
    }
    await sleep(200);
  }
  // The new holder's acquireTime minus the killed holder's last renewTime: the
  // takeover delay itself (same machine, same clock), free of this loop's polling.
  const afterRenew: Record<string, number> = {};
  for (const lease of Object.keys(moved))
    afterRenew[lease] =
      microTimeMs((await leaseSpec(client, lease)).acquireTime) - lastRenew[lease]!;
  await sleep(2000);
  const gap3 = writer.longestGap(t3 - 500, performance.now());
  for (const [lease, name] of [
    ["kube-controller-manager", "controller-manager"],
    ["kube-scheduler", "scheduler"],
  ] as const) {
    if (!(lease in lastRenew)) {
      rows.push({
        fault: "lease holder server killed",
        metric: `${name} lease (held by a survivor: did not move)`,
        value: "-",
      });
      continue;
    }
    rows.push(
      {
        fault: "lease holder server killed",
        metric: `${name} lease moved after the kill (ms)`,
        value: moved[lease],
      },
      {
        fault: "lease holder server killed",
        metric: `${name} lease taken after the holder's last renewal (ms)`,
        value: afterRenew[lease],
      },
    );
  }
  rows.push({
    fault: "lease holder server killed",
    metric: "write unavailability via survivor (ms)",
    value: gap3,
  });
  results.leaderKill = {
    leaseMovedMs: moved,
    leaseTakenAfterLastRenewalMs: afterRenew,
    writeUnavailabilityMs: gap3,
  };
  await writer.stop();
  acked.push(...writer.acknowledged());
  writer = undefined;

  const stored = new Set(
    (
      await client.request<{ items: { metadata: { name: string } }[] }>(
        "GET",
        "/api/v1/namespaces/default/configmaps?labelSelector=bench%3Dha",
      )
    ).items.map((i) => i.metadata.name),
  );
  client.close();
  const seen = await watch.finish(acked, stored);
  watch = undefined;
  rows.push(
    {
      fault: "all",
      metric: "watch: acknowledged writes never delivered",
      value: seen.missed.length,
    },
    { fault: "all", metric: "watch: objects added twice", value: seen.duplicated.length },
    {
      fault: "all",
      metric: "watch: cache differing from storage",
      value: seen.cacheMismatch.length,
    },
    { fault: "all", metric: "watch: dropped streams recovered", value: seen.recoveredErrors },
  );
  results.watch = seen;
  const lost = acked.filter((n) => !stored.has(n));
  rows.push(
    { fault: "all", metric: "acknowledged writes", value: acked.length },
    { fault: "all", metric: "acknowledged writes missing", value: lost.length },
  );
  results.writes = { acknowledged: acked.length, missing: lost };
  // Timings stretch on a loaded machine: the load is part of the figures.
  results.loadAverage = { start: loadAtStart, end: loadavg()[0] };
  rows.push({
    fault: "all",
    metric: "machine load, 1-min average (start / end)",
    value: `${loadAtStart.toFixed(1)} / ${loadavg()[0]!.toFixed(1)}`,
  });
  printTable(rows, { columns: ["fault", "metric", "value"], alignLeft: ["fault", "metric"] });
  await writeJson(args.json, results);
} finally {
  for (const pid of frozen) process.kill(pid, "SIGCONT");
  await writer?.stop();
  await watch?.close();
  for (const s of servers) await s.kill("SIGTERM");
  await rm(root, { recursive: true, force: true });
}
