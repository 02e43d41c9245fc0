/**
 * bench:scale — a ClusterLoader2 "load"-like run in one process tree (issue
 * 11): `k8ts server --disable-agent` on a temp dir, `k8ts simulate` with N
 * hollow nodes, then the phases of ClusterLoader2's load test: namespaces
 * and Services; Deployments (each with its ConfigMap and Secret) and Jobs
 * paced by their pods (saturation); reads; CL2's latency pods (1-replica
 * Deployments at 5/s on the loaded cluster, on which the 5 s pod startup
 * SLO is checked); Deployments scaled to a random size in [X/2, 3X/2];
 * everything deleted. Below the full size (150,000 pods) the fixed paces
 * (latency pods, scale step, reads, idle window) are scaled to the run's
 * size unless --cl2 (scale-params.ts); the table says which were used.
 * Pod startup is CL2's PodStartupLatency (watch-observed create → Running;
 * see scale-pods.ts). Prints the SLO table with PASS/FAIL, per-call
 * latencies, throughput and peak RSS/CPU of the server and the simulator.
 *
 * Flags: --nodes N (100) --pods P (3000) --qps Q object creates and deletes/s
 * (100) --pod-throughput auto|P (saturation pace: adaptive, or P pods/s as
 * CL2_LOAD_TEST_THROUGHPUT; auto) --max-backlog B (adaptive: pods asked for
 * and not yet run before the next object waits; 250) --latency-pods N
 * (CL2: max(500, nodes); scaled: see scale-params.ts) --latency-qps Q (5) --cl2
 * --churn-qps Q scale changes/s (20, at most 20) --timeout S whole run (600)
 * --full (5,000 nodes, 150,000 pods, 2,400 s) --profile NAME (fast)
 * --backend sqlite|etcd|both (sqlite: the embedded store; etcd: a real etcd
 * started for the run on loopback, its data in the run's temp dir; both: the
 * same load on each, one after another, then a sqlite-vs-etcd table; sqlite)
 * --datastore-endpoint URL (an existing store, with sqlite) --json FILE --quick --progress-interval S (10)
 * --cpu-prof-dir DIR (write the server's V8 CPU profile there on exit)
 * --sim-cpu-prof (the simulator's too) --heap-snapshot-dir DIR (the
 * server's heap snapshot when every pod runs, or at a timeout before; read it with
 * bench/scale-heap.ts). A progress line (phase, pods, load average, RSS)
 * goes to stderr every few seconds. The run is bounded:
 * at --timeout the current phase fails and the tables are printed with what
 * was measured; 3 minutes later a watchdog kills every child and exits.
 * Only 127.0.0.1; every process and file it starts is removed at the end.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { loadKubeconfig, type ClientConfig } from "../src/client/kubeconfig.ts";
import { deploymentsRef, namespacesRef, nodesRef } from "../src/client/resources.ts";
import { RestClient } from "../src/client/rest-client.ts";
import { freePort } from "../test/e2e/harness.ts";
import { progress, writeJson } from "./lib/args.ts";
import { percentiles } from "./lib/percentiles.ts";
import { printTable, type Row } from "./lib/table.ts";
import { heapSnapshot, heaps, PhaseProfiles } from "./scale-inspect.ts";
import { LatencyRecorder, ProcessSampler } from "./scale-measure.ts";
import { childHeapLimitMiB, K8tsChild, startServer, startSimulator } from "./scale-procs.ts";
import {
  callRows,
  memoryRows,
  podStartupSloMs,
  sloRows,
  type MemoryPoints,
} from "./scale-report.ts";
import { manifest, paced, planLatency, planWorkload, scaleTargets } from "./scale-load.ts";
import { paramRows, runParams } from "./scale-params.ts";
import {
  bundleCreator,
  createNamespacesAndServices,
  deleteEverything,
  scaleDeployments,
  type StepContext,
} from "./scale-steps.ts";
import { benchCpuSeconds, PhaseRunner } from "./scale-phase.ts";
import { pacedByPods, parsePodPace, type PacedByPodsResult } from "./scale-pace.ts";
import { PodTracker } from "./scale-pods.ts";
import { readLoad } from "./scale-reads.ts";
import { fetchRequestCounts, requestRows, type RequestCounts } from "./scale-requests.ts";
import { parseScaleArgs } from "./scale-args.ts";
import { startBackend } from "./scale-backend.ts";
import { runBoth } from "./scale-both.ts";

const args = parseScaleArgs();
const log = (m: string) => progress("scale", m);
// Both backends: this bench runs once per backend in a child process, then compares.
if (args.backend === "both") process.exit(await runBoth(process.argv.slice(2), args.json, log));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const t0 = Date.now();
const deadline = t0 + args.timeoutS * 1000;

async function waitFor(
  what: string,
  check: () => boolean | Promise<boolean>,
  pollMs = 200,
  until = deadline,
) {
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await sleep(pollMs);
  }
}

const dataDir = mkdtempSync(join(tmpdir(), "k8ts-bench-scale-"));
const port = await freePort();
const backend = await startBackend(
  args.backend === "etcd" ? "etcd" : "sqlite",
  dataDir,
  args.datastore,
);
if (backend.pid) log(`etcd (pid ${backend.pid}) serving at ${backend.endpoint}`);
const server = startServer(dataDir, port, backend.endpoint, log);
let sim: K8tsChild | undefined;
// The hard bound: whatever hangs, every child is killed and the temp dir removed.
const watchdog = setTimeout(
  () => {
    log(`hard time bound (${args.timeoutS + 180} s) reached: killing the server and simulator`);
    for (const c of [server, sim]) if (c?.running) c.child.kill("SIGKILL");
    rmSync(dataDir, { recursive: true, force: true });
    process.exit(2);
  },
  (args.timeoutS + 180) * 1000,
);
watchdog.unref();
let phaseName = "start";
/** --cpu-prof-dir: the server's profile per phase, and the simulator's with --sim-cpu-prof. */
const profiles = new PhaseProfiles(
  args.cpuProfDir,
  () => [server, ...(args.simCpuProf && sim ? [sim] : [])],
  log,
);
let ticker: NodeJS.Timeout | undefined;
let tracker: PodTracker | undefined;
let client: RestClient | undefined;
let cfg: ClientConfig;
let phases: Row[] = [];
const plan = planWorkload(args.pods);
let api: LatencyRecorder | undefined;
let sampler: ProcessSampler | undefined;
let registerS = NaN;
/** CPU ms per second per 1,000 idle nodes, by process. */
const idleCpu: Record<string, number> = {};
let readyS = NaN;
let rampFrom = 0;
let rampTo = 0;
let scaleFrom = 0;
let scaleTo = 0;
let latencyFrom = 0;
let latencyTo = 0;
let saturation: PacedByPodsResult | undefined;
/** apiserver_request_total around the saturation phase. */
let requestsBefore: RequestCounts = new Map();
let requestsAfter: RequestCounts = new Map();
const params = runParams({
  nodes: args.nodes,
  pods: args.pods,
  deployments: plan.objects.filter((o) => o.kind === "Deployment"),
  cl2: args.cl2,
  latencyPods: args.latencyPods,
  latencyQps: args.latencyQps,
});
const latency = planLatency(plan.namespaces, params.latencyPods);
const pace = parsePodPace(args.podThroughput, args.maxBacklog);
const paceText =
  "podsPerSecond" in pace
    ? `${pace.podsPerSecond} pods/s`
    : `adaptive, backlog < ${pace.maxBacklog} pods`;
/** Pods present at the "loaded" memory point (all Deployment pods, or whatever ran at a timeout). */
let podsLoaded = plan.deploymentPods;
/** The store's size when every Deployment pod runs (MiB). */
let storeLoaded = NaN;
const memory: MemoryPoints = { rssIdle: {}, rssLoaded: {}, heapIdle: {}, heapLoaded: {} };
const fmt1 = (n: number) => n.toFixed(1);
/** The store the run's server used, for the tables and the JSON. */
const storeName = args.datastore ?? (backend.kind === "etcd" ? "etcd" : "sqlite");

/** One progress line: elapsed, phase, pods, load, RSS. */
function progressLine(): void {
  const k = tracker?.counts();
  const rss = sampler?.rssMiB() ?? {};
  const pods = k ? `pods live ${k.live} replicaset ${k.replicaSet} running ${k.running}` : "";
  const mem = Object.entries(rss)
    .map(([n, m]) => `${n} ${m.toFixed(0)} MiB`)
    .join(", ");
  const s = ((Date.now() - t0) / 1000).toFixed(0);
  log(`${s} s ${phaseName}: ${pods}; load ${loadavg()[0]!.toFixed(1)}; ${mem}`);
}

/** Prints the tables and writes the JSON with whatever was measured so far. */
async function report(status: string): Promise<void> {
  if (!api || !tracker || !sampler) return;
  const load = sampler.load();
  const usage = sampler.stop();
  const until = (t: number) => t || Infinity;
  const window = (name: string, group: string, from: number, to: number, thresholdMs: number) => ({
    name,
    samples: percentiles(tracker!.transitions(group, from || Infinity, until(to)).podStartup),
    thresholdMs,
    missing: to ? tracker!.neverRan(group, from, to) : 0,
  });
  const hour = 3_600_000;
  const slo = sloRows(api, [
    window("latency pods: CL2 SLO", "latency", latencyFrom, latencyTo, podStartupSloMs),
    window("load pods, saturation: CL2 1 h", "load", rampFrom, rampTo, hour),
    window("load pods, saturation: vs 5 s, info", "load", rampFrom, rampTo, podStartupSloMs),
    window("load pods, scale: CL2 1 h", "load", scaleFrom, scaleTo, hour),
  ]);
  const lat = tracker.transitions("latency", latencyFrom || Infinity, until(latencyTo));
  const ms = (xs: number[]) => {
    const p = percentiles(xs);
    return `${p.p50.toFixed(0)} / ${p.p99.toFixed(0)}`;
  };
  const calls = callRows(api);
  const store = backend.storeBytes() / 2 ** 20;
  const etcdUsage = usage.etcd
    ? [
        { figure: "etcd peak RSS (MiB)", value: usage.etcd.peakRssMiB },
        { figure: "etcd CPU (s)", value: usage.etcd.cpuSeconds },
      ]
    : [];
  const figures: Row[] = [
    {
      figure: "nodes / pods planned",
      value: `${args.nodes} / ${plan.deploymentPods + plan.jobPods}`,
    },
    { figure: "node registration (s)", value: registerS },
    { figure: "nodes Ready (s)", value: readyS },
    ...paramRows(params, plan.objects.filter((o) => o.kind === "Deployment").length),
    { figure: "saturation pace", value: paceText },
    {
      figure: "saturation pods asked/s",
      value: saturation ? saturation.pods / (saturation.spanMs / 1000 || NaN) : NaN,
    },
    { figure: "time to all Running (s)", value: ((rampTo || performance.now()) - rampFrom) / 1000 },
    { figure: "latency pods create→schedule p50 / p99 (ms)", value: ms(lat.createToSchedule) },
    { figure: "latency pods schedule→run p50 / p99 (ms)", value: ms(lat.scheduleToRun) },
    {
      figure: "scheduler bindings/s (ramp)",
      value: tracker.bindingThroughput(rampFrom, rampTo || Infinity),
    },
    { figure: "server and simulator heap limit (MiB)", value: childHeapLimitMiB() },
    { figure: "server peak RSS (MiB)", value: usage.server!.peakRssMiB },
    { figure: "server CPU (s)", value: usage.server!.cpuSeconds },
    { figure: "simulator peak RSS (MiB)", value: usage.simulate!.peakRssMiB },
    { figure: "simulator CPU (s)", value: usage.simulate!.cpuSeconds },
    ...etcdUsage,
    { figure: "bench process CPU (s)", value: benchCpuSeconds() },
    { figure: "store at all Running (MiB)", value: storeLoaded },
    { figure: "store on disk at end (MiB)", value: store },
    { figure: "watch re-lists", value: tracker.relists },
    {
      figure: "simulate heap per node at registration (KiB)",
      value: Number(/~([\d.]+) KiB heap per node/.exec(sim?.output() ?? "")?.[1] ?? NaN),
    },
    ...Object.entries(idleCpu).map(([n, ms]) => ({
      figure: `${n} CPU per 1,000 idle nodes (ms/s)`,
      value: ms,
    })),
    ...memoryRows(memory, args.nodes, podsLoaded),
    { figure: "load average 1m mean / max", value: `${fmt1(load.mean)} / ${fmt1(load.max)}` },
  ];
  process.stdout.write(
    `\nbench:scale (${status}) ${args.nodes} nodes, ${args.pods} pods (profile ${args.profile}, ${storeName})\n\n`,
  );
  // Saturation cut short: requests so far over the load pods seen so far.
  const cut = !requestsAfter.size && server.running;
  if (cut) requestsAfter = await fetchRequestCounts(cfg).catch(() => new Map());
  const satPods = cut ? tracker.seenSince("load", rampFrom) : plan.deploymentPods + plan.jobPods;
  const perPod = requestRows(requestsBefore, requestsAfter, satPods);
  for (const t of [slo, figures, phases, calls, perPod, profiles.rows]) {
    if (t.length) printTable(t);
    process.stdout.write("\n");
  }
  const result = {
    nodes: args.nodes,
    pods: args.pods,
    profile: args.profile,
    datastore: storeName,
    slo,
    figures: Object.fromEntries(figures.map((f) => [f.figure, f.value])),
    phases,
    calls,
    requestsPerPod: perPod,
    profiles: profiles.rows,
  };
  await writeJson(args.json, { ...result, status });
}
try {
  const kubeconfig = join(dataDir, "admin.kubeconfig");
  await waitFor("the server", async () => {
    if (!server.running) throw new Error(`server exited:\n${server.output()}`);
    try {
      cfg = loadKubeconfig(kubeconfig);
      client ??= new RestClient({ ...cfg, qps: 1e6, burst: 1e6 });
      await client.list(namespacesRef);
      return true;
    } catch {
      return false;
    }
  });
  const c = client!;
  const calls = new LatencyRecorder(c);
  api = calls;

  log(`starting ${args.nodes} simulated nodes (profile ${args.profile})`);
  const tNodes = performance.now();
  sim = startSimulator(args.nodes, args.profile, dataDir, log);
  await waitFor("node registration", () => {
    if (!sim!.running) throw new Error(`simulate exited:\n${sim!.output()}`);
    return /nodes registered/.test(sim!.output());
  });
  registerS = (performance.now() - tNodes) / 1000;
  await waitFor(
    "nodes Ready",
    async () => {
      const nodes = await c.list<{ status?: { conditions?: { type: string; status: string }[] } }>(
        nodesRef,
      );
      const ready = nodes.items.filter((n) =>
        n.status?.conditions?.some((x) => x.type === "Ready" && x.status === "True"),
      ).length;
      return ready >= args.nodes;
    },
    2000,
  );
  readyS = (performance.now() - tNodes) / 1000;
  log(
    `${args.nodes} nodes registered after ${registerS.toFixed(1)} s, Ready after ${readyS.toFixed(1)} s`,
  );
  sampler = new ProcessSampler({
    server: server.child.pid!,
    simulate: sim.child.pid!,
    ...(backend.pid ? { etcd: backend.pid } : {}),
  });
  sampler.start();
  memory.rssIdle = sampler.rssMiB();
  memory.heapIdle = await heaps([server, sim]);
  // Nodes idle for a while: what heartbeats (leases, node status) cost each process.
  const idle0 = sampler.cpuSeconds();
  await profiles.start();
  await sleep(params.idleSeconds * 1000);
  await profiles.stop("idle");
  const idle1 = sampler.cpuSeconds();
  for (const n of Object.keys(idle0))
    idleCpu[n] = ((idle1[n]! - idle0[n]!) * 1000) / params.idleSeconds / (args.nodes / 1000);
  log(`nodes idle: heap after GC ${JSON.stringify(memory.heapIdle)} MiB`);
  ticker = setInterval(progressLine, args.progressS * 1000);

  tracker = new PodTracker(c, "bench=scale");
  await tracker.start();
  const runner = new PhaseRunner(() => sampler!.cpuSeconds(), {
    onStart: async (name) => {
      phaseName = name;
      log(`phase ${name} at ${((Date.now() - t0) / 1000).toFixed(0)} s`);
      await profiles.start();
    },
    onEnd: (name) => profiles.stop(name),
  });
  phases = runner.rows;
  const phase = runner.run.bind(runner);

  const steps: StepContext = {
    calls,
    tracker,
    plan,
    deadline,
    qps: args.qps,
    waitFor: (what, check) => waitFor(what, check),
  };
  // 1. Namespaces and Services (CL2 creates them before the workload).
  const podOwners = plan.objects.filter((o) => o.kind === "Deployment" || o.kind === "Job");
  await phase("objects", () => createNamespacesAndServices(steps));

  // 2. Saturation: Deployments (each with its ConfigMap and Secret, CL2's bundle) and
  // Jobs paced by their pods (CL2's load throughput, or adaptive), then wait until every
  // Deployment pod runs.
  await phase("saturation", async () => {
    requestsBefore = await fetchRequestCounts(cfg).catch(() => new Map());
    rampFrom = performance.now();
    const r = await pacedByPods(podOwners, bundleCreator(steps), {
      pace,
      ran: () => tracker!.ranSince("load", rampFrom),
      inFlight: 50,
      deadline,
    });
    saturation = r;
    await waitFor("all Deployment pods Running", () => {
      const k = tracker!.counts("load");
      return k.replicaSet >= plan.deploymentPods && k.running >= plan.deploymentPods;
    });
    rampTo = performance.now();
    requestsAfter = await fetchRequestCounts(cfg).catch(() => new Map());
    memory.rssLoaded = sampler!.rssMiB();
    storeLoaded = backend.storeBytes() / 2 ** 20;
    return {
      objects: r.done,
      failed: r.failed,
      "pods asked/s": r.pods / (r.spanMs / 1000 || NaN),
      "held by backlog (s)": r.heldMs / 1000,
      "pods Running/s": plan.deploymentPods / ((rampTo - rampFrom) / 1000),
    };
  });

  memory.heapLoaded = await heaps([server, sim]);
  log(`all Running: heap after GC ${JSON.stringify(memory.heapLoaded)} MiB`);
  await heapSnapshot(server, args.heapSnapshotDir, log);

  // 3. Reads: single GETs, namespace LISTs, cluster LISTs.
  const deployments = plan.objects.filter((o) => o.kind === "Deployment");
  await phase("read", () =>
    readLoad(calls, deployments, deadline, { reads: params.reads, qps: params.readQps }),
  );

  // 4. CL2's pod-startup-latency module: 1-replica Deployments at 5/s on the loaded
  // cluster; the 5 s pod startup SLO is checked on these pods.
  await phase("latency", async () => {
    latencyFrom = performance.now();
    const r = await paced(
      latency,
      params.latencyQps,
      50,
      (o) => calls.create(deploymentsRef, o.namespace, manifest(o)),
      deadline,
    );
    await waitFor("latency pods Running", () => {
      const k = tracker!.counts("latency");
      return k.replicaSet >= latency.length && k.running >= latency.length;
    });
    latencyTo = performance.now();
    return { objects: r.done, failed: r.failed };
  });

  // 5. Churn: Deployments to a random size in [X/2, 3X/2] (CL2's scale step; a scaled-down
  // run changes params.scaled of them).
  const targets = scaleTargets(deployments.map((d) => d.replicas));
  await phase("scale", async () => {
    scaleFrom = performance.now();
    const r = await scaleDeployments(steps, deployments, params.scaled, targets, args.churnQps);
    scaleTo = performance.now();
    return r;
  });

  // 6. Delete everything, then the namespaces; wait for every pod to go.
  await phase("delete", () => deleteEverything(steps, latency));

  await report("complete");
} catch (err) {
  log(`failed: ${err instanceof Error ? err.message : String(err)}`);
  if (tracker && sampler && !Object.keys(memory.heapLoaded).length) {
    // Timed out before all pods ran: the memory point is taken with the pods there are.
    podsLoaded = tracker.counts().live;
    memory.rssLoaded = sampler.rssMiB();
    storeLoaded = backend.storeBytes() / 2 ** 20;
    memory.heapLoaded = await heaps([server, sim]);
    log(
      `at the timeout: ${podsLoaded} pods, heap after GC ${JSON.stringify(memory.heapLoaded)} MiB`,
    );
    await heapSnapshot(server, args.heapSnapshotDir, log);
  }
  await report(`incomplete: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 1;
} finally {
  if (ticker) clearInterval(ticker);
  await tracker?.stop();
  client?.close();
  const simStopS = (await sim?.stop()) ?? 0;
  const profile = args.cpuProfDir ? join(args.cpuProfDir, "server-stop.cpuprofile") : undefined;
  const serverStopS = await server.stop({ profile, log });
  log(`stopped: simulator in ${fmt1(simStopS)} s, server in ${fmt1(serverStopS)} s`);
  await backend.stop();
  rmSync(dataDir, { recursive: true, force: true });
  clearTimeout(watchdog);
}
