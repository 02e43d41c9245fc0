/**
 * bench:scale — a ClusterLoader2 "load"-like run in one process tree (issue
 * 11): `k8ts server --disable-agent` on a temp dir, `k8ts simulate` with N
 * hollow nodes, then namespaces, Deployments, Services, ConfigMaps, Secrets
 * and Jobs created at a bounded rate, every Deployment scaled up and back,
 * and everything deleted. Prints the SLO table (API call latency p99 per
 * scope, pod startup p99) with PASS/FAIL, per-call latencies, throughput and
 * peak RSS/CPU of the server and the simulator.
 *
 * Flags: --nodes N (100) --pods P (3000) --qps Q object creates/s (100)
 * --churn-qps Q scale changes/s (20, at most 20) --timeout S whole run (600)
 * --full (5,000 nodes, 150,000 pods, 2,400 s) --profile NAME (fast)
 * --datastore-endpoint URL --json FILE --quick --progress-interval S (10)
 * --cpu-prof-dir DIR (write the server's V8 CPU profile there on exit)
 * --sim-cpu-prof (the simulator's too) --heap-snapshot-dir DIR (the
 * server's heap snapshot when every pod runs, or at a timeout before; read it with
 * bench/scale-heap.ts). A progress line (phase, pods, load average, RSS)
 * goes to stderr every few seconds. The run is bounded:
 * at --timeout the current phase fails and the tables are printed with what
 * was measured; 3 minutes later a watchdog kills every child and exits.
 * Only 127.0.0.1; every process and file it starts is removed at the end.
 */
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { loadKubeconfig } from "../src/client/kubeconfig.ts";
import {
  configMapsRef,
  deploymentsRef,
  jobsRef,
  namespacesRef,
  nodesRef,
  podsRef,
  secretsRef,
  servicesRef,
} from "../src/client/resources.ts";
import { RestClient, type ResourceRef } from "../src/client/rest-client.ts";
import { freePort } from "../test/e2e/harness.ts";
import { progress, writeJson } from "./lib/args.ts";
import { percentiles } from "./lib/percentiles.ts";
import { printTable, type Row } from "./lib/table.ts";
import { topSelfTimeOfFile } from "./lib/cpu-profile.ts";
import { LatencyRecorder, ProcessSampler } from "./scale-measure.ts";
import { dirSize, K8tsChild } from "./scale-procs.ts";
import { callRows, memoryRows, sloRows, type MemoryPoints } from "./scale-report.ts";
import { manifest, paced, planWorkload, type WorkloadObject } from "./scale-load.ts";
import { PodTracker } from "./scale-pods.ts";
import { parseScaleArgs } from "./scale-args.ts";

const args = parseScaleArgs();
const log = (m: string) => progress("scale", m);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const t0 = Date.now();
const deadline = t0 + args.timeoutS * 1000;
const refs: Record<WorkloadObject["kind"], ResourceRef> = {
  Deployment: deploymentsRef,
  Job: jobsRef,
  Service: servicesRef,
  ConfigMap: configMapsRef,
  Secret: secretsRef,
};

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
const server = new K8tsChild(
  "server",
  [
    "server",
    "--disable-agent",
    "--data-dir",
    dataDir,
    "--bind-address",
    "127.0.0.1",
    "--secure-port",
    String(port),
    ...(args.datastore ? ["--datastore-endpoint", args.datastore] : []),
  ],
  [],
  log,
);
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
let ticker: NodeJS.Timeout | undefined;
let tracker: PodTracker | undefined;
let client: RestClient | undefined;
const phases: Row[] = [];
const plan = planWorkload(args.pods);
let api: LatencyRecorder | undefined;
let sampler: ProcessSampler | undefined;
let registerS = NaN;
let readyS = NaN;
let rampFrom = 0;
let rampTo = 0;
let scaleFrom = 0;
let scaleTo = 0;
/** Pods present at the "loaded" memory point (all Deployment pods, or whatever ran at a timeout). */
let podsLoaded = plan.deploymentPods;
const memory: MemoryPoints = { rssIdle: {}, rssLoaded: {}, heapIdle: {}, heapLoaded: {} };
const profiles: Row[] = [];
const fmt1 = (n: number) => n.toFixed(1);

/** One progress line: elapsed, phase, pods, load, RSS. */
function progressLine(): void {
  const k = tracker?.counts();
  const rss = sampler?.rssMiB() ?? {};
  const pods = k ? `pods live ${k.live} stateless ${k.stateless} running ${k.running}` : "";
  const mem = Object.entries(rss)
    .map(([n, m]) => `${n} ${m.toFixed(0)} MiB`)
    .join(", ");
  const s = ((Date.now() - t0) / 1000).toFixed(0);
  log(`${s} s ${phaseName}: ${pods}; load ${loadavg()[0]!.toFixed(1)}; ${mem}`);
}

/** Heap after a full GC of each child, in MiB (NaN entries left out). */
async function heaps(): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const c of [server, sim]) {
    if (!c?.running) continue;
    const mib = await c.heapMiB();
    if (!Number.isNaN(mib)) out[c.name] = mib;
  }
  return out;
}

/** With --heap-snapshot-dir: the server's heap snapshot (a failure is only logged). */
async function heapSnapshot(): Promise<void> {
  if (!args.heapSnapshotDir) return;
  mkdirSync(args.heapSnapshotDir, { recursive: true });
  const file = join(args.heapSnapshotDir, "server-loaded.heapsnapshot");
  await server
    .heapSnapshot(file)
    .then((ok) => log(ok ? `heap snapshot: ${file}` : "heap snapshot: no inspector"))
    .catch((err: Error) => log(`heap snapshot failed: ${err.message}`));
}

/** The children profiled with --cpu-prof-dir: the server, and the simulator with --sim-cpu-prof. */
const profiled = () => (args.cpuProfDir ? [server, ...(args.simCpuProf && sim ? [sim] : [])] : []);

/** Starts CPU profiles of the profiled children (a failure only skips the profile). */
async function startProfiles(): Promise<void> {
  for (const c of profiled())
    await (await c.inspector())?.startProfile().catch((err: Error) => log(err.message));
}

/** Writes <dir>/<child>-<phase>.cpuprofile and keeps the top self times for the report. */
async function stopProfiles(phase: string): Promise<void> {
  for (const c of profiled()) {
    const file = join(args.cpuProfDir!, `${c.name}-${phase}.cpuprofile`);
    try {
      await (await c.inspector())?.stopProfile(file);
      for (const t of topSelfTimeOfFile(file, 12))
        profiles.push({
          process: c.name,
          phase,
          function: t.fn,
          "self ms": t.selfMs,
          "%": t.percent,
        });
    } catch (err) {
      log(`profile ${file}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
}

/** Prints the tables and writes the JSON with whatever was measured so far. */
async function report(status: string): Promise<void> {
  if (!api || !tracker || !sampler) return;
  const load = sampler.load();
  const usage = sampler.stop();
  const startup = percentiles(tracker.startupLatencies(rampFrom, rampTo || Infinity));
  const churnStartup = percentiles(
    tracker.startupLatencies(scaleFrom || Infinity, scaleTo || Infinity),
  );
  const slo = sloRows(api, [
    ["ramp", startup],
    ["scale-up", churnStartup],
  ]);
  const calls = callRows(api);
  const store = dirSize(join(dataDir, "db")) / 2 ** 20;
  const figures: Row[] = [
    {
      figure: "nodes / pods planned",
      value: `${args.nodes} / ${plan.deploymentPods + plan.jobPods}`,
    },
    { figure: "node registration (s)", value: registerS },
    { figure: "nodes Ready (s)", value: readyS },
    { figure: "time to all Running (s)", value: ((rampTo || performance.now()) - rampFrom) / 1000 },
    {
      figure: "scheduler bindings/s (ramp)",
      value: tracker.bindingThroughput(rampFrom, rampTo || Infinity),
    },
    { figure: "server peak RSS (MiB)", value: usage.server!.peakRssMiB },
    { figure: "server CPU (s)", value: usage.server!.cpuSeconds },
    { figure: "simulator peak RSS (MiB)", value: usage.simulate!.peakRssMiB },
    { figure: "simulator CPU (s)", value: usage.simulate!.cpuSeconds },
    { figure: "store on disk at end (MiB)", value: store },
    { figure: "watch re-lists", value: tracker.relists },
    {
      figure: "simulate heap per node at registration (KiB)",
      value: Number(/~([\d.]+) KiB heap per node/.exec(sim?.output() ?? "")?.[1] ?? NaN),
    },
    ...memoryRows(memory, args.nodes, podsLoaded),
    { figure: "load average 1m mean / max", value: `${fmt1(load.mean)} / ${fmt1(load.max)}` },
  ];
  process.stdout.write(
    `\nbench:scale (${status}) ${args.nodes} nodes, ${args.pods} pods (profile ${args.profile})\n\n`,
  );
  for (const t of [slo, figures, phases, calls, profiles]) {
    if (t.length) printTable(t);
    process.stdout.write("\n");
  }
  const result = {
    nodes: args.nodes,
    pods: args.pods,
    profile: args.profile,
    datastore: args.datastore ?? "sqlite",
    slo,
    figures: Object.fromEntries(figures.map((f) => [f.figure, f.value])),
    phases,
    calls,
    profiles,
  };
  await writeJson(args.json, { ...result, status });
}
try {
  const kubeconfig = join(dataDir, "admin.kubeconfig");
  await waitFor("the server", async () => {
    if (!server.running) throw new Error(`server exited:\n${server.output()}`);
    try {
      client ??= new RestClient({ ...loadKubeconfig(kubeconfig), qps: 1e6, burst: 1e6 });
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
  sim = new K8tsChild(
    "simulate",
    [
      "simulate",
      "--nodes",
      String(args.nodes),
      "--kubeconfig",
      kubeconfig,
      "--profile",
      args.profile,
      "--report-interval",
      "0",
      "--data-dir",
      join(dataDir, "simulate"),
    ],
    ["--expose-gc"],
    log,
  );
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
  sampler = new ProcessSampler({ server: server.child.pid!, simulate: sim.child.pid! });
  sampler.start();
  memory.rssIdle = sampler.rssMiB();
  memory.heapIdle = await heaps();
  log(`nodes idle: heap after GC ${JSON.stringify(memory.heapIdle)} MiB`);
  if (args.cpuProfDir) mkdirSync(args.cpuProfDir, { recursive: true });
  ticker = setInterval(progressLine, args.progressS * 1000);

  tracker = new PodTracker(c, "bench=scale");
  await tracker.start();
  const phase = async (name: string, fn: () => Promise<Record<string, unknown> | void>) => {
    const start = performance.now();
    phaseName = name;
    log(`phase ${name} at ${((Date.now() - t0) / 1000).toFixed(0)} s`);
    await startProfiles();
    let extra: Record<string, unknown>;
    try {
      extra = (await fn()) ?? {};
    } finally {
      await stopProfiles(name);
    }
    const s = (performance.now() - start) / 1000;
    phases.push({ phase: name, seconds: s, ...extra, load: fmt1(loadavg()[0]!) } as Row);
    return start;
  };

  // 1. Create everything at a steady rate, wait until the Deployments' pods run.
  await phase("create", async () => {
    await paced(
      plan.namespaces,
      args.qps,
      50,
      (ns) =>
        calls.create(namespacesRef, undefined, {
          apiVersion: "v1",
          kind: "Namespace",
          metadata: { name: ns, labels: { bench: "scale" } },
        }),
      deadline,
    );
    rampFrom = performance.now();
    const r = await paced(
      plan.objects,
      args.qps,
      200,
      (o) => calls.create(refs[o.kind], o.namespace, manifest(o)),
      deadline,
    );
    const createdS = (performance.now() - rampFrom) / 1000;
    await waitFor("all Deployment pods Running", () => {
      const k = tracker!.counts();
      return k.stateless >= plan.deploymentPods && k.running >= plan.deploymentPods;
    });
    rampTo = performance.now();
    memory.rssLoaded = sampler!.rssMiB();
    return {
      objects: r.done,
      failed: r.failed,
      "objects/s": r.done / createdS,
      "pods Running/s": plan.deploymentPods / ((rampTo - rampFrom) / 1000),
    };
  });

  memory.heapLoaded = await heaps();
  log(`all Running: heap after GC ${JSON.stringify(memory.heapLoaded)} MiB`);
  await heapSnapshot();

  // 2. Reads: single GETs, namespace LISTs, cluster LISTs.
  await phase("read", async () => {
    const deployments = plan.objects.filter((o) => o.kind === "Deployment");
    const reads = Array.from({ length: Math.min(600, deployments.length * 4) }, (_, i) => i);
    await paced(reads, 40, 20, async (i) => {
      if (Date.now() > deadline) throw new Error("timed out");
      const d = deployments[i % deployments.length]!;
      if (i % 4 === 0) await calls.get(deploymentsRef, d.namespace, d.name);
      else if (i % 4 === 1) await calls.get(configMapsRef, d.namespace, d.name);
      else if (i % 4 === 2)
        await calls.list(podsRef, d.namespace, { labelSelector: `app=${d.name}` });
      else await calls.list(servicesRef, d.namespace);
    });
    for (let i = 0; i < 3; i++) {
      await calls.list(nodesRef, undefined);
      await calls.list(podsRef, undefined);
      await calls.list(deploymentsRef, undefined);
    }
  });

  // 3. Churn: scale every Deployment up by half, then back (bounded change rate).
  const deployments = plan.objects.filter((o) => o.kind === "Deployment");
  const extra = deployments.reduce((n, d) => n + Math.ceil(d.replicas / 2), 0);
  await phase("scale-up", async () => {
    scaleFrom = performance.now();
    await paced(
      deployments,
      args.churnQps,
      50,
      (d) =>
        calls.patch(deploymentsRef, d.namespace, d.name, "merge", {
          spec: { replicas: d.replicas + Math.ceil(d.replicas / 2) },
        }),
      deadline,
    );
    await waitFor("scaled-up pods Running", () => {
      const k = tracker!.counts();
      return k.running >= plan.deploymentPods + extra;
    });
    return { changes: deployments.length, pods: extra };
  });
  scaleTo = performance.now();
  await phase("scale-down", async () => {
    await paced(
      deployments,
      args.churnQps,
      50,
      (d) =>
        calls.patch(deploymentsRef, d.namespace, d.name, "merge", {
          spec: { replicas: d.replicas },
        }),
      deadline,
    );
    await waitFor(
      "scaled-down pods gone",
      () => tracker!.counts().stateless <= plan.deploymentPods,
    );
    return { changes: deployments.length };
  });

  // 4. Delete everything, then the namespaces; wait for every pod to go.
  await phase("delete", async () => {
    const r = await paced(
      [...plan.objects].reverse(),
      args.qps,
      200,
      (o) => calls.delete(refs[o.kind], o.namespace, o.name, { propagationPolicy: "Background" }),
      deadline,
    );
    await paced(
      plan.namespaces,
      args.qps,
      50,
      (ns) => calls.delete(namespacesRef, undefined, ns),
      deadline,
    );
    await waitFor("all pods deleted", () => tracker!.counts().live <= 0);
    return { objects: r.done, failed: r.failed };
  });

  await report("complete");
} catch (err) {
  log(`failed: ${err instanceof Error ? err.message : String(err)}`);
  if (tracker && sampler && !Object.keys(memory.heapLoaded).length) {
    // Timed out before all pods ran: the memory point is taken with the pods there are.
    podsLoaded = tracker.counts().live;
    memory.rssLoaded = sampler.rssMiB();
    memory.heapLoaded = await heaps();
    log(
      `at the timeout: ${podsLoaded} pods, heap after GC ${JSON.stringify(memory.heapLoaded)} MiB`,
    );
    await heapSnapshot();
  }
  await report(`incomplete: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 1;
} finally {
  if (ticker) clearInterval(ticker);
  await tracker?.stop();
  client?.close();
  await sim?.stop();
  await server.stop();
  rmSync(dataDir, { recursive: true, force: true });
  clearTimeout(watchdog);
}
