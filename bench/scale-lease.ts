/**
 * bench:scale's lease-renewal cost (issue 11): `k8ts server --disable-agent`
 * and N hollow nodes in this process renewing their node Leases every R ms —
 * by default 1,000 nodes every 2 s, the 500 PUT/s that 5,000 nodes make at
 * upstream's 10 s — measured for S seconds once every node registered:
 * renewals/s, PUT latency p50/p99 from the client, how evenly renewals are
 * spread (the busiest 100 ms against the mean), the server's CPU (share of a
 * core and ms per renewal) and, with --cpu-prof-dir, its top functions.
 * Then the hollow nodes stop and the server's CPU is read for B more
 * seconds without renewals (its background: controllers, timers), so the
 * cost per renewal is also given above that baseline.
 *
 * `tsx bench/scale-lease.ts [--nodes N] [--renew-ms R] [--seconds S]
 * [--baseline-seconds B (20; 0: none)] [--cpu-prof-dir DIR] [--perf FILE]`.
 * --perf records the server with Linux perf (on-CPU samples of every thread,
 * JavaScript named through --perf-basic-prof) into FILE over the window: the
 * V8 profile samples wall time, so under load it charges preemption to
 * whatever ran (a socket write that woke the reader, say); perf does not. Only 127.0.0.1; everything started is removed.
 */
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { spawn } from "node:child_process";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import type { KObject } from "../src/api/types.ts";
import { loadKubeconfig } from "../src/client/kubeconfig.ts";
import { namespacesRef } from "../src/client/resources.ts";
import { RestClient, type ResourceRef, type WriteOptions } from "../src/client/rest-client.ts";
import { loadProfile } from "../src/simulate/profile.ts";
import { Simulator } from "../src/simulate/simulator.ts";
import { createLogger } from "../src/util/logger.ts";
import { freePort } from "../test/e2e/harness.ts";
import { flag, progress } from "./lib/args.ts";
import { processCpuMs } from "./lib/proc-stat.ts";
import { topSelfTimeOfFile } from "./lib/cpu-profile.ts";
import { percentiles } from "./lib/percentiles.ts";
import { printTable } from "./lib/table.ts";
import { ProcessSampler } from "./scale-measure.ts";
import { fetchRequestCounts, requestRows } from "./scale-requests.ts";
import { K8tsChild } from "./scale-procs.ts";

const nodes = Number(flag("nodes", "1000"));
const renewMs = Number(flag("renew-ms", "2000"));
const seconds = Number(flag("seconds", "60"));
const baselineSeconds = Number(flag("baseline-seconds", "20"));
const profDir = flag("cpu-prof-dir");
const perfFile = flag("perf");
const log = (m: string) => progress("scale-lease", m);

/** CPU seconds of a process's main thread (its task with tid = pid). */
function mainThreadCpuSeconds(pid: number): number {
  return processCpuMs(pid, pid) / 1000;
}
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Times every Lease PUT (start time and latency). */
class TimedClient extends RestClient {
  starts: number[] = [];
  latencies: number[] = [];
  errors = 0;

  override async update<T extends KObject>(
    ref: ResourceRef,
    obj: T,
    opts?: WriteOptions & { subresource?: string },
  ): Promise<T> {
    if (ref.resource !== "leases") return super.update(ref, obj, opts);
    const t = performance.now();
    try {
      return await super.update(ref, obj, opts);
    } catch (err) {
      this.errors++;
      throw err;
    } finally {
      this.starts.push(t);
      this.latencies.push(performance.now() - t);
    }
  }
}

const dataDir = mkdtempSync(join(tmpdir(), "k8ts-bench-lease-"));
const port = await freePort();
const server = new K8tsChild(
  "server",
  ["server", "--disable-agent", "--data-dir", dataDir, "--bind-address", "127.0.0.1"].concat([
    "--secure-port",
    String(port),
  ]),
  perfFile ? ["--perf-basic-prof"] : [],
  log,
);
let sim: Simulator | undefined;
let client: TimedClient | undefined;
try {
  const kubeconfig = join(dataDir, "admin.kubeconfig");
  for (let i = 0; ; i++) {
    if (!server.running) throw new Error(`server exited:\n${server.output()}`);
    try {
      client ??= new TimedClient({ ...loadKubeconfig(kubeconfig), qps: 1e6, burst: 1e6 });
      await client.list(namespacesRef);
      break;
    } catch {
      if (i > 600) throw new Error("the server did not answer");
      await sleep(200);
    }
  }
  log(`registering ${nodes} hollow nodes (lease renewal every ${renewMs} ms)`);
  const t0 = performance.now();
  sim = await Simulator.start({
    client: client!,
    nodes,
    profile: loadProfile("fast"),
    dataDir: join(dataDir, "simulate"),
    leaseRenewMs: renewMs,
    serveStats: false,
    log: createLogger("simulate", { level: "warn" }),
  });
  log(`registered in ${((performance.now() - t0) / 1000).toFixed(1)} s; settling one period`);
  await sleep(renewMs * 2);
  const c = client!;
  const sampler = new ProcessSampler({ server: server.child.pid! });
  sampler.start();
  const main0 = mainThreadCpuSeconds(server.child.pid!);
  const inspector = profDir ? await server.inspector() : undefined;
  await inspector?.startProfile();
  const perf = perfFile
    ? spawn("perf", ["record", "-F", "999", "-g", "-o", perfFile, "-p", String(server.child.pid)], {
        stdio: "ignore",
      })
    : undefined;
  const cfg = loadKubeconfig(join(dataDir, "admin.kubeconfig"));
  const requests0 = await fetchRequestCounts(cfg);
  const from = performance.now();
  const first = c.starts.length;
  await sleep(seconds * 1000);
  const to = performance.now();
  const requests = requestRows(requests0, await fetchRequestCounts(cfg), 1, 8);
  if (perf) {
    const done = new Promise((r) => perf.once("exit", r));
    perf.kill("SIGINT");
    await done;
  }
  const starts = c.starts.slice(first).filter((t) => t < to);
  const latencies = c.latencies.slice(first, first + starts.length);
  const usage = sampler.stop().server!;
  const mainCpu = mainThreadCpuSeconds(server.child.pid!) - main0;
  const load = sampler.load();
  const profile: { function: string; "%": number }[] = [];
  if (inspector && profDir) {
    mkdirSync(profDir, { recursive: true });
    const file = join(profDir, "server-lease.cpuprofile");
    await inspector.stopProfile(file);
    for (const t of topSelfTimeOfFile(file, 15)) profile.push({ function: t.fn, "%": t.percent });
  }
  // Spread: renewals per 100 ms window, busiest against the mean.
  const windows = new Map<number, number>();
  for (const t of starts) {
    const w = Math.floor((t - from) / 100);
    windows.set(w, (windows.get(w) ?? 0) + 1);
  }
  const mean = starts.length / (((to - from) / 1000) * 10);
  const busiest = Math.max(0, ...windows.values());
  // Baseline: the same server with no renewals (the nodes stopped; the node
  // lifecycle controller's 40 s grace keeps the nodes Ready meanwhile).
  let baseline = NaN;
  let mainBaseline = NaN;
  if (baselineSeconds > 0) {
    await sim.stop();
    sim = undefined;
    await sleep(2000);
    const idle = new ProcessSampler({ server: server.child.pid! });
    const idleMain0 = mainThreadCpuSeconds(server.child.pid!);
    await sleep(baselineSeconds * 1000);
    baseline = idle.cpuSeconds().server! / baselineSeconds;
    mainBaseline = (mainThreadCpuSeconds(server.child.pid!) - idleMain0) / baselineSeconds;
  }
  const lat = percentiles(latencies);
  const secondsRun = (to - from) / 1000;
  process.stdout.write(`\nbench:scale lease renewals, ${nodes} nodes every ${renewMs} ms\n\n`);
  printTable([
    { figure: "renewals/s (target)", value: (nodes * 1000) / renewMs },
    { figure: "renewals/s (measured)", value: starts.length / secondsRun },
    { figure: "PUT errors", value: c.errors },
    {
      figure: "PUT latency p50 / p99 (ms)",
      value: `${lat.p50.toFixed(1)} / ${lat.p99.toFixed(1)}`,
    },
    { figure: "renewals per 100 ms: mean / busiest", value: `${mean.toFixed(1)} / ${busiest}` },
    { figure: "server CPU (share of one core)", value: usage.cpuSeconds / secondsRun },
    { figure: "server CPU per renewal (ms)", value: (usage.cpuSeconds * 1000) / starts.length },
    { figure: "server CPU without renewals (share of one core)", value: baseline },
    {
      figure: "server CPU per renewal above that (ms)",
      value: ((usage.cpuSeconds - baseline * secondsRun) * 1000) / starts.length,
    },
    {
      figure: "of which the main thread (ms; the rest: components, GC, pool)",
      value: ((mainCpu - mainBaseline * secondsRun) * 1000) / starts.length,
    },
    { figure: "server peak RSS (MiB)", value: usage.peakRssMiB },
    {
      figure: "load average 1m mean / max",
      value: `${load.mean.toFixed(1)} / ${load.max.toFixed(1)}`,
    },
  ]);
  // Every request the server answered in the window (the bench's own metrics GET included).
  process.stdout.write("\n");
  printTable(
    requests.map((r) => ({ call: r.call, "per second": Number(r.requests) / secondsRun })),
  );
  if (profile.length) {
    process.stdout.write("\n");
    printTable(profile);
  }
} catch (err) {
  log(`failed: ${err instanceof Error ? err.message : String(err)} (load ${loadavg()[0]})`);
  process.exitCode = 1;
} finally {
  await sim?.stop();
  client?.close();
  await server.stop();
  rmSync(dataDir, { recursive: true, force: true });
  // --perf-basic-prof's symbol map; kept while FILE is read (perf report) unless removed by hand.
  if (!perfFile) rmSync(`/tmp/perf-${server.child.pid}.map`, { force: true });
}
