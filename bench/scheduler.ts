/**
 * Scheduler benchmark, modelled on upstream scheduler_perf: for each workload
 * a fresh `k8ts server` (SQLite), N Node objects created through the API (no
 * kubelets), a `k8ts scheduler` process, then M pods created through the API.
 * Reports pods/s from the first create to the last bind, and p50/p99 per-pod
 * latency (create sent -> binding seen on a watch), beside upstream's floors.
 *
 * Each workload also runs the scheduling cycle in-process first ("core":
 * the same framework and plugins over a cache, no API calls) to separate the
 * scheduler's own speed from the API server's write throughput.
 *
 * Flags: --json FILE, --quick (scale 0.05), --scale F (0 < F <= 1),
 * --workload NAME (repeatable), --core-only, --cpu-prof-dir DIR (V8 CPU
 * profiles of the API server and of the scheduler process over the pod phase
 * only, through their inspectors: DIR/<workload>-{server,scheduler}.cpuprofile),
 * --perf-dir DIR (Linux perf on-CPU samples of both over the pod phase,
 * JavaScript named through --perf-basic-prof: DIR/<workload>-{server,scheduler}.perf.data;
 * the V8 profiles sample wall time, which a loaded machine's preemption inflates),
 * --in-server (the scheduler inside `k8ts server`, as it runs by default: its
 * components thread, over the loopback socket without TLS, instead of a
 * `k8ts scheduler` process over TLS; "server" CPU is then the server's main
 * thread and "sched" its other threads, the scheduler's included).
 * --init-pods N (pods scheduled in a namespace of their own before the
 * measured phase, not measured; default the workload's, as upstream's
 * initPods: 1,000 for SchedulingBasic at scale 1, 0 for the others).
 * Environment: K8TS_BENCH_SERVER_NODE_ARGS and K8TS_BENCH_SCHEDULER_NODE_ARGS
 * (extra node flags of the server and of the scheduler process, e.g.
 * "--trace-gc" or "--log-deopt --logfile=F"), K8TS_BENCH_SCHEDULER_STDOUT (a
 * file for the scheduler's stdout, where --trace-gc writes).
 * Progress goes to stderr; every phase is bounded in count and time.
 */
import { spawn } from "node:child_process";
import { openSync, readFileSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { loadavg } from "node:os";
import { dirname, join } from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import type { KObject } from "../src/api/types.ts";
import { loadKubeconfig } from "../src/client/kubeconfig.ts";
import { nodesRef, podsRef } from "../src/client/resources.ts";
import { RestClient, resourcePath } from "../src/client/rest-client.ts";
import { startCluster } from "../test/e2e/harness.ts";
import {
  diffRequestCounts,
  fetchRequestCounts,
  type RequestCounts,
} from "./controllers-requests.ts";
import { progress, writeJson } from "./lib/args.ts";
import type { InspectorSession } from "./lib/inspector.ts";
import { pool } from "./lib/pool.ts";
import { minorFaults, processCpuMs, threadCpu } from "./lib/proc-stat.ts";
import { connectInspector, perfFlags, profFlags, recordPerf } from "./lib/process-profile.ts";
import { percentiles } from "./lib/percentiles.ts";
import { runCore, type CoreResult } from "./lib/scheduler-core.ts";
import { runInitPods, waitForNodesInScheduler } from "./lib/scheduler-init.ts";
import { workloads, type Workload } from "./lib/scheduler-workloads.ts";
import { printTable, type Row } from "./lib/table.ts";
import { K8TS_NODE_FLAGS } from "../src/util/node-flags.ts";

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), "..");

interface Args {
  json?: string;
  scale: number;
  only: string[];
  /** Skip the end-to-end phase (in-process decision rate only). */
  coreOnly: boolean;
  /** Where the server's and scheduler's CPU profiles go (none when unset). */
  cpuProfDir?: string;
  /** Where the server's and scheduler's perf records go (none when unset). */
  perfDir?: string;
  /** The scheduler runs inside the API server process (components thread). */
  inServer: boolean;
  /** Init pods before the measured phase (default: the workload's, as upstream's). */
  initPods?: number;
}

function parseArgs(argv: string[]): Args {
  const args: Args = { scale: 1, only: [], coreOnly: false, inServer: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const next = () => {
      const v = argv[++i];
      if (!v) throw new Error(`Cannot parse ${a}: a value must follow`);
      return v;
    };
    if (a === "--json") args.json = next();
    else if (a === "--quick") args.scale = 0.05;
    else if (a === "--scale") args.scale = Number(next());
    else if (a === "--workload") args.only.push(next());
    else if (a === "--core-only") args.coreOnly = true;
    else if (a === "--cpu-prof-dir") args.cpuProfDir = next();
    else if (a === "--perf-dir") args.perfDir = next();
    else if (a === "--in-server") args.inServer = true;
    else if (a === "--init-pods") args.initPods = Number(next());
    else
      throw new Error(
        `Cannot parse argument ${a}: expected --json FILE, --quick, --scale F, --workload NAME, --core-only, --cpu-prof-dir DIR, --perf-dir DIR, --in-server or --init-pods N`,
      );
  }
  if (!(args.scale > 0 && args.scale <= 1))
    throw new Error(`Cannot parse --scale ${args.scale}: must be in (0, 1]`);
  return args;
}

interface Result {
  workload: string;
  nodes: number;
  pods: number;
  /** Pods scheduled before the measured phase (upstream's initPods), not counted. */
  initPods: number;
  bound: number;
  createPerSec: number;
  podsPerSec: number;
  p50Ms: number;
  p99Ms: number;
  floorText: string;
  floor: number;
  target: number;
  /** CPU ms per bound pod from the first create to the last bind (load-independent cost). */
  serverCpuMsPerPod: number;
  schedulerCpuMsPerPod: number;
  /** The scheduler process's minor page faults per bound pod (the server's with --in-server). */
  schedulerFaultsPerPod: number;
  /** The bench's own CPU (pod creates, the watch of bindings) per bound pod. */
  benchCpuMsPerPod: number;
  /**
   * The server's main thread alone per bound pod (the thread every request
   * runs on: its saturation bounds e2e pods/s); without --in-server.
   */
  serverMainCpuMsPerPod?: number;
  /** The scheduler process's CPU from its start to having every node cached (start-up). */
  schedulerStartCpuMs?: number;
  /** Peak RSS (VmHWM) of the server and of the scheduler process at the end, MiB. */
  serverPeakRssMiB?: number;
  schedulerPeakRssMiB?: number;
  /** Server and scheduler CPU per bound pod once every Scheduled event is written too. */
  serverCpuMsPerPodAllEvents: number;
  schedulerCpuMsPerPodAllEvents: number;
  /** POST events per bound pod when those were read (1 once all are written). */
  eventsPerPod: number;
  /** 1-minute load average when the pod phase started and ended. */
  load: [number, number];
  /** API requests the server counted over the pod phase, per bound pod ("VERB resource[/sub]"). */
  requestsPerPod: Record<string, number>;
}

/** Where the scheduler process's stdout goes: K8TS_BENCH_SCHEDULER_STDOUT's file, else nowhere. */
function schedulerStdout(): "ignore" | number {
  const file = process.env.K8TS_BENCH_SCHEDULER_STDOUT;
  return file ? openSync(file, "w") : "ignore";
}

/** CPU ms of the API server: with the scheduler inside, its main thread and the other threads apart. */
function serverCpu(
  pid: number,
  inServer: boolean,
): { server: number; scheduler: number; main: number } {
  const main = processCpuMs(pid, pid);
  if (!inServer) return { server: processCpuMs(pid), scheduler: 0, main };
  const t = threadCpu(pid);
  return { server: t.main * 1000, scheduler: t.others * 1000, main };
}

/** A process's peak resident set (VmHWM in /proc/PID/status), MiB; undefined once it is gone. */
function peakRssMiB(pid: number): number | undefined {
  try {
    const kb = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1];
    return kb === undefined ? undefined : Number(kb) / 1024;
  } catch {
    return undefined;
  }
}

async function runWorkload(
  w: Workload,
  timeoutMs: number,
  profDir?: string,
  perfDir?: string,
  inServer = false,
  initPods = 0,
): Promise<Result> {
  progress("scheduler", `${w.name}: starting API server`);
  // No controller manager here, so nothing would lift the not-ready taint
  // that TaintNodesByCondition puts on every new node: leave that plugin out.
  const cluster = await startCluster({
    // e.g. K8TS_BENCH_SERVER_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" to profile the server.
    nodeArgs: [
      ...(process.env.K8TS_BENCH_SERVER_NODE_ARGS?.split(" ").filter(Boolean) ?? []),
      ...profFlags(profDir),
      ...perfFlags(perfDir),
    ],
    args: [
      ...(inServer ? [] : ["--disable-scheduler"]),
      "--disable-controller-manager",
      "--disable-admission-plugins",
      "TaintNodesByCondition",
    ],
  });
  const client = new RestClient({ ...loadKubeconfig(cluster.kubeconfig), qps: 1e6, burst: 1e6 });
  let schedLog = "";
  let sched: ReturnType<typeof spawn> | undefined;
  const inspectors: InspectorSession[] = [];
  const perfStops: (() => Promise<void>)[] = [];
  const abort = new AbortController();
  try {
    progress("scheduler", `${w.name}: creating ${w.nodes} nodes`);
    let lastNode = { name: "", rv: -1 };
    await pool(
      w.nodes,
      32,
      async (i) => {
        const node = await client.create(nodesRef, undefined, w.node(i));
        const rv = Number(node.metadata?.resourceVersion);
        if (rv > lastNode.rv) lastNode = { name: node.metadata?.name ?? "", rv };
      },
      (d) => progress("scheduler", `${w.name}: ${d}/${w.nodes} nodes`),
    );
    if (inServer) await waitForNodesInScheduler(client, lastNode.name);
    // Started after the nodes exist: it must have every node cached before pods arrive.
    else
      sched = spawn(
        process.execPath,
        [
          // e.g. K8TS_BENCH_SCHEDULER_NODE_ARGS="--trace-gc" with K8TS_BENCH_SCHEDULER_STDOUT=FILE.
          ...(process.env.K8TS_BENCH_SCHEDULER_NODE_ARGS?.split(" ").filter(Boolean) ?? []),
          ...profFlags(profDir),
          ...perfFlags(perfDir),
          ...K8TS_NODE_FLAGS,
          join(repoRoot, "bin", "k8ts"),
          "scheduler",
          "--kubeconfig",
          cluster.kubeconfig,
          "--kube-api-qps",
          "100000",
          "--kube-api-burst",
          "100000",
        ],
        { stdio: ["ignore", schedulerStdout(), "pipe"] },
      );
    sched?.stderr?.on("data", (d: Buffer) => (schedLog = (schedLog + d.toString()).slice(-20_000)));
    const deadline = performance.now() + 120_000;
    while (sched && !new RegExp(`"scheduler started".*"nodes":${w.nodes}\\b`).test(schedLog)) {
      if (sched.exitCode !== null || performance.now() > deadline)
        throw new Error(`scheduler did not start:\n${schedLog}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    // Polled every 100 ms: a tick or two of the scheduler's idle wait may count too.
    const schedulerStartCpuMs = sched ? processCpuMs(sched.pid!) : undefined;
    await runInitPods(client, cluster.kubeconfig, w, initPods, timeoutMs);
    const sent = new Map<string, number>();
    const boundAt = new Map<string, number>();
    let allBound: () => void = () => {};
    const finished = new Promise<void>((r) => (allBound = r));
    const list = await client.list(podsRef, "default", { limit: 1 });
    const watching = (async () => {
      let rv = list.metadata.resourceVersion;
      while (!abort.signal.aborted) {
        try {
          for await (const ev of client.watch<KObject>(
            podsRef,
            "default",
            // Bound pods only: the bench sees each pod once, at its bind (the
            // server does not send it every create, nor decode them here).
            { resourceVersion: rv, allowWatchBookmarks: true, fieldSelector: "spec.nodeName!=" },
            abort.signal,
          )) {
            rv = ev.object.metadata?.resourceVersion ?? rv;
            const name = ev.object.metadata?.name ?? "";
            if (
              (ev.object.spec as { nodeName?: string } | undefined)?.nodeName &&
              !boundAt.has(name)
            ) {
              boundAt.set(name, performance.now());
              if (boundAt.size === w.pods) allBound();
            }
          }
        } catch {
          if (abort.signal.aborted) return;
        }
      }
    })();
    progress("scheduler", `${w.name}: creating ${w.pods} pods`);
    const requests0 = await fetchRequestCounts(loadKubeconfig(cluster.kubeconfig));
    if (profDir) {
      inspectors.push(await connectInspector("API server", cluster.logs()));
      if (sched) inspectors.push(await connectInspector("scheduler", schedLog));
      for (const inspector of inspectors) await inspector.startProfile();
    }
    if (perfDir) {
      await mkdir(perfDir, { recursive: true });
      perfStops.push(recordPerf(cluster.pid, join(perfDir, `${w.name}-server.perf.data`)));
      if (sched)
        perfStops.push(recordPerf(sched.pid!, join(perfDir, `${w.name}-scheduler.perf.data`)));
    }
    const load0 = loadavg()[0]!;
    const server0 = serverCpu(cluster.pid, inServer);
    const schedCpu0 = sched ? processCpuMs(sched.pid!) : server0.scheduler;
    const schedFaults0 = minorFaults(sched?.pid ?? cluster.pid);
    const benchCpu0 = process.cpuUsage();
    const start = performance.now();
    await pool(
      w.pods,
      32,
      async (i) => {
        const pod = w.pod(i);
        sent.set(pod.metadata!.name!, performance.now());
        // The answer (the created pod) is not read: not decoded either.
        await client.request("POST", resourcePath(podsRef, "default"), {
          body: pod,
          ignoreAnswer: true,
        });
      },
      (d) => progress("scheduler", `${w.name}: ${d}/${w.pods} pods created, ${boundAt.size} bound`),
    );
    const createdMs = performance.now() - start;
    const timer = setTimeout(allBound, timeoutMs);
    const ticker = setInterval(
      () => progress("scheduler", `${w.name}: ${boundAt.size}/${w.pods} bound`),
      5000,
    );
    await finished;
    const server1 = serverCpu(cluster.pid, inServer);
    const serverCpuMs = server1.server - server0.server;
    const serverMainCpuMs = server1.main - server0.main;
    const schedCpuMs = (sched ? processCpuMs(sched.pid!) : server1.scheduler) - schedCpu0;
    const schedFaults = minorFaults(sched?.pid ?? cluster.pid) - schedFaults0;
    const benchCpu = process.cpuUsage(benchCpu0);
    const benchCpuMs = (benchCpu.user + benchCpu.system) / 1000;
    for (const stop of perfStops.splice(0)) await stop();
    if (profDir) {
      await mkdir(profDir, { recursive: true });
      await inspectors[0]!.stopProfile(join(profDir, `${w.name}-server.cpuprofile`));
      await inspectors[1]?.stopProfile(join(profDir, `${w.name}-scheduler.cpuprofile`));
    }
    clearTimeout(timer);
    clearInterval(ticker);
    const requests: RequestCounts = diffRequestCounts(
      requests0,
      await fetchRequestCounts(loadKubeconfig(cluster.kubeconfig)),
    );
    // The Scheduled events trail the binds: the cost per pod with every
    // event written counts them all (bounded wait of 60 s).
    const eventsDeadline = performance.now() + 60_000;
    let events = requests.get("POST events") ?? 0;
    while (events < boundAt.size && performance.now() < eventsDeadline) {
      await new Promise((r) => setTimeout(r, 250));
      const now = await fetchRequestCounts(loadKubeconfig(cluster.kubeconfig));
      events = diffRequestCounts(requests0, now).get("POST events") ?? 0;
    }
    const server2 = serverCpu(cluster.pid, inServer);
    const withEvents = {
      server: server2.server - server0.server,
      scheduler: (sched ? processCpuMs(sched.pid!) : server2.scheduler) - schedCpu0,
      events,
    };
    const last = Math.max(...boundAt.values());
    const latencies = [...boundAt].map(([name, t]) => t - (sent.get(name) ?? t));
    const p = percentiles(latencies);
    abort.abort();
    await watching;
    return {
      workload: w.name,
      nodes: w.nodes,
      pods: w.pods,
      initPods,
      bound: boundAt.size,
      createPerSec: (w.pods / createdMs) * 1000,
      podsPerSec: (boundAt.size / (last - start)) * 1000,
      p50Ms: p.p50,
      p99Ms: p.p99,
      floorText: w.floorText,
      floor: w.floor,
      target: w.target,
      serverCpuMsPerPod: serverCpuMs / Math.max(1, boundAt.size),
      schedulerCpuMsPerPod: schedCpuMs / Math.max(1, boundAt.size),
      schedulerFaultsPerPod: schedFaults / Math.max(1, boundAt.size),
      benchCpuMsPerPod: benchCpuMs / Math.max(1, boundAt.size),
      ...(!inServer && { serverMainCpuMsPerPod: serverMainCpuMs / Math.max(1, boundAt.size) }),
      schedulerStartCpuMs,
      serverPeakRssMiB: peakRssMiB(cluster.pid),
      schedulerPeakRssMiB: sched ? peakRssMiB(sched.pid!) : undefined,
      serverCpuMsPerPodAllEvents: withEvents.server / Math.max(1, boundAt.size),
      schedulerCpuMsPerPodAllEvents: withEvents.scheduler / Math.max(1, boundAt.size),
      eventsPerPod: withEvents.events / Math.max(1, boundAt.size),
      load: [load0, loadavg()[0]!],
      requestsPerPod: Object.fromEntries(
        [...requests]
          .sort((a, b) => b[1] - a[1])
          .map(([k, v]) => [k, Number((v / Math.max(1, boundAt.size)).toFixed(3))]),
      ),
    };
  } finally {
    abort.abort();
    for (const inspector of inspectors) inspector.close();
    for (const stop of perfStops) await stop();
    if (sched && sched.exitCode === null) {
      const proc = sched;
      const exited = new Promise((r) => proc.once("exit", r));
      proc.kill("SIGTERM");
      const kill = setTimeout(() => proc.kill("SIGKILL"), 5000);
      await exited;
      clearTimeout(kill);
    }
    client.close();
    await cluster.stop();
  }
}

const args = parseArgs(process.argv.slice(2));
const selected = workloads(args.scale).filter(
  (w) => !args.only.length || args.only.includes(w.name),
);
const results: (Partial<Result> & {
  workload: string;
  core: CoreResult;
  nodes: number;
  pods: number;
})[] = [];
for (const w of selected) {
  progress("scheduler", `${w.name}: in-process scheduling of ${w.pods} pods on ${w.nodes} nodes`);
  const core = runCore(w);
  progress("scheduler", `${w.name}: core ${core.podsPerSec.toFixed(0)} pods/s`);
  const r: Partial<Result> = args.coreOnly
    ? {}
    : await runWorkload(
        w,
        600_000,
        args.cpuProfDir,
        args.perfDir,
        args.inServer,
        args.initPods ?? w.initPods,
      );
  if (r.podsPerSec !== undefined)
    progress("scheduler", `${w.name}: end to end ${r.podsPerSec.toFixed(0)} pods/s`);
  results.push({
    ...r,
    workload: w.name,
    nodes: w.nodes,
    pods: w.pods,
    floorText: w.floorText,
    target: w.target,
    core,
  });
}
const rows: Row[] = results.map((r) => ({
  workload: r.workload,
  nodes: r.nodes,
  pods: r.bound === undefined ? r.pods : `${r.bound}/${r.pods}`,
  "init pods": r.initPods,
  "core pods/s": r.core.podsPerSec,
  "core p50 ms": r.core.p50Us / 1000,
  "core p99 ms": r.core.p99Us / 1000,
  "api create/s": r.createPerSec,
  "e2e pods/s": r.podsPerSec,
  "e2e p50 ms": r.p50Ms,
  "e2e p99 ms": r.p99Ms,
  "server cpu ms/pod": r.serverCpuMsPerPod,
  "server main ms/pod": r.serverMainCpuMsPerPod,
  "sched cpu ms/pod": r.schedulerCpuMsPerPod,
  "sched faults/pod": r.schedulerFaultsPerPod,
  "bench cpu ms/pod": r.benchCpuMsPerPod,
  "server+events ms/pod": r.serverCpuMsPerPodAllEvents,
  "sched+events ms/pod": r.schedulerCpuMsPerPodAllEvents,
  "sched start cpu ms": r.schedulerStartCpuMs,
  "peak rss MiB srv/sched":
    r.serverPeakRssMiB === undefined
      ? undefined
      : `${r.serverPeakRssMiB.toFixed(0)}/${r.schedulerPeakRssMiB?.toFixed(0) ?? "-"}`,
  load: r.load ? `${r.load[0].toFixed(1)}-${r.load[1].toFixed(1)}` : undefined,
  "upstream floor": r.floorText,
  target: r.target,
}));
process.stdout.write(
  `scheduler benchmark (scale ${args.scale}; floors are upstream's pods/s at 5,000 nodes; ` +
    `core = in-process scheduling cycles without I/O, e2e = first create to last bind through the API server; ` +
    `cpu ms/pod = each process's CPU time over the pod phase per bound pod, the load-independent cost; ` +
    `+events = the same once every Scheduled event is written (they trail the binds); ` +
    `load = 1-minute load average at the phase's start-end` +
    (args.inServer
      ? `; scheduler inside the server: server = its main thread, sched = its other threads)\n`
      : `)\n`),
);
printTable(rows);
for (const r of results)
  if (r.requestsPerPod)
    process.stdout.write(
      `${r.workload}: API requests per pod: ${Object.entries(r.requestsPerPod)
        .map(([k, v]) => `${k} ${v}`)
        .join(", ")}\n`,
    );
await writeJson(args.json, { scale: args.scale, results });
