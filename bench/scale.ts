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
 * --churn-qps Q scale changes/s (20) --timeout S whole run (600)
 * --profile NAME (fast) --datastore-endpoint URL --json FILE --quick
 * --cpu-prof-dir DIR (write the server's V8 CPU profile there on exit).
 * Only 127.0.0.1; every process and file it starts is removed at the end.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
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
import { LatencyRecorder, ProcessSampler, sloMs, type Scope } from "./scale-measure.ts";
import { manifest, paced, planWorkload, type WorkloadObject } from "./scale-load.ts";
import { PodTracker } from "./scale-pods.ts";
import { parseScaleArgs } from "./scale-args.ts";

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), "..");
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

function startProcess(
  name: string,
  argv: string[],
  nodeArgs: string[] = [],
): { child: ChildProcess; output: () => string } {
  let out = "";
  const child = spawn(process.execPath, [...nodeArgs, join(repoRoot, "bin", "k8ts"), ...argv], {
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, K8TS_LOG_LEVEL: "warn" },
  });
  const keep = (d: Buffer) => {
    out += d.toString();
    if (out.length > 200_000) out = out.slice(-100_000);
  };
  child.stdout!.on("data", keep);
  child.stderr!.on("data", keep);
  child.once("exit", (code) => log(`${name} exited (${code})`));
  return { child, output: () => out };
}

async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once("exit", r));
  child.kill("SIGTERM");
  const t = setTimeout(() => child.kill("SIGKILL"), 15_000);
  await exited;
  clearTimeout(t);
}

async function waitFor(what: string, check: () => boolean | Promise<boolean>, until = deadline) {
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await sleep(200);
  }
}

function dirSize(dir: string): number {
  let total = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    total += e.isDirectory() ? dirSize(p) : statSync(p).size;
  }
  return total;
}

const dataDir = mkdtempSync(join(tmpdir(), "k8ts-bench-scale-"));
const port = await freePort();
const server = startProcess(
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
  args.cpuProfDir ? ["--cpu-prof", `--cpu-prof-dir=${args.cpuProfDir}`] : [],
);
let sim: ReturnType<typeof startProcess> | undefined;
let tracker: PodTracker | undefined;
let client: RestClient | undefined;
const phases: Row[] = [];
const plan = planWorkload(args.pods);
let api: LatencyRecorder | undefined;
let sampler: ProcessSampler | undefined;
let registerS = NaN;
let rampFrom = 0;
let rampTo = 0;
let scaleFrom = 0;
let scaleTo = 0;

/** Prints the tables and writes the JSON with whatever was measured so far. */
async function report(status: string): Promise<void> {
  if (!api || !tracker || !sampler) return;
  const rec = api;
  const usage = sampler.stop();
  const startup = percentiles(tracker.startupLatencies(rampFrom, rampTo || Infinity));
  const churnStartup = percentiles(
    tracker.startupLatencies(scaleFrom || Infinity, scaleTo || Infinity),
  );
  const scopes = (["mutating", "get", "namespace-list", "cluster-list"] as Scope[]).map((s) => ({
    scope: s,
    ...rec.scope(s),
  }));
  const slo: Row[] = [
    ...scopes.map((s) => ({
      SLO: `API ${s.scope} p99`,
      target: `${sloMs[s.scope] / 1000} s`,
      "p50 ms": s.p50,
      "p90 ms": s.p90,
      "p99 ms": s.p99,
      count: s.count,
      result: s.count === 0 ? "n/a" : s.p99 <= sloMs[s.scope] && s.errors === 0 ? "PASS" : "FAIL",
    })),
    {
      SLO: "pod startup p99 (ramp)",
      target: "5 s",
      "p50 ms": startup.p50,
      "p90 ms": startup.p90,
      "p99 ms": startup.p99,
      count: startup.count,
      result: startup.p99 <= 5000 ? "PASS" : "FAIL",
    },
    {
      SLO: "pod startup p99 (scale-up)",
      target: "5 s",
      "p50 ms": churnStartup.p50,
      "p90 ms": churnStartup.p90,
      "p99 ms": churnStartup.p99,
      count: churnStartup.count,
      result: churnStartup.p99 <= 5000 ? "PASS" : "FAIL",
    },
  ];
  const calls = api.calls().map((x) => ({
    call: `${x.verb} ${x.resource}`,
    scope: x.scope,
    count: x.count,
    errors: x.errors,
    "p50 ms": x.p50,
    "p90 ms": x.p90,
    "p99 ms": x.p99,
    "max ms": x.max,
  }));
  const store = dirSize(join(dataDir, "db")) / 2 ** 20;
  const figures: Row[] = [
    {
      figure: "nodes / pods planned",
      value: `${args.nodes} / ${plan.deploymentPods + plan.jobPods}`,
    },
    { figure: "node registration (s)", value: registerS },
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
  ];
  process.stdout.write(
    `\nbench:scale (${status}) ${args.nodes} nodes, ${args.pods} pods (profile ${args.profile})\n\n`,
  );
  printTable(slo);
  process.stdout.write("\n");
  printTable(figures);
  process.stdout.write("\n");
  printTable(phases);
  process.stdout.write("\n");
  printTable(calls);
  const result = {
    nodes: args.nodes,
    pods: args.pods,
    profile: args.profile,
    datastore: args.datastore ?? "sqlite",
    slo,
    figures: Object.fromEntries(figures.map((f) => [f.figure, f.value])),
    phases,
    calls,
  };
  await writeJson(args.json, { ...result, status });
}
try {
  const kubeconfig = join(dataDir, "admin.kubeconfig");
  await waitFor("the server", async () => {
    if (server.child.exitCode !== null) throw new Error(`server exited:\n${server.output()}`);
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
  sim = startProcess("simulate", [
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
  ]);
  await waitFor("node registration", () => {
    if (sim!.child.exitCode !== null) throw new Error(`simulate exited:\n${sim!.output()}`);
    return /nodes registered/.test(sim!.output());
  });
  registerS = (performance.now() - tNodes) / 1000;
  await waitFor("nodes Ready", async () => {
    const nodes = await c.list<{ status?: { conditions?: { type: string; status: string }[] } }>(
      nodesRef,
    );
    const ready = nodes.items.filter((n) =>
      n.status?.conditions?.some((x) => x.type === "Ready" && x.status === "True"),
    ).length;
    return ready >= args.nodes;
  });
  log(`${args.nodes} nodes Ready after ${registerS.toFixed(1)} s`);
  sampler = new ProcessSampler({ server: server.child.pid!, simulate: sim.child.pid! });
  sampler.start();

  tracker = new PodTracker(c, "bench=scale");
  await tracker.start();
  const phase = async (name: string, fn: () => Promise<Record<string, unknown> | void>) => {
    const start = performance.now();
    log(`phase ${name}`);
    const extra = (await fn()) ?? {};
    const s = (performance.now() - start) / 1000;
    phases.push({ phase: name, seconds: s, ...extra } as Row);
    return start;
  };

  // 1. Create everything at a steady rate, wait until the Deployments' pods run.
  await phase("create", async () => {
    await paced(plan.namespaces, args.qps, 50, (ns) =>
      calls.create(namespacesRef, undefined, {
        apiVersion: "v1",
        kind: "Namespace",
        metadata: { name: ns, labels: { bench: "scale" } },
      }),
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
    return {
      objects: r.done,
      failed: r.failed,
      "objects/s": r.done / createdS,
      "pods Running/s": plan.deploymentPods / ((rampTo - rampFrom) / 1000),
    };
  });

  // 2. Reads: single GETs, namespace LISTs, cluster LISTs.
  await phase("read", async () => {
    const deployments = plan.objects.filter((o) => o.kind === "Deployment");
    const reads = Array.from({ length: Math.min(600, deployments.length * 4) }, (_, i) => i);
    await paced(reads, 40, 20, async (i) => {
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
    await paced(deployments, args.churnQps, 50, (d) =>
      calls.patch(deploymentsRef, d.namespace, d.name, "merge", {
        spec: { replicas: d.replicas + Math.ceil(d.replicas / 2) },
      }),
    );
    await waitFor("scaled-up pods Running", () => {
      const k = tracker!.counts();
      return k.running >= plan.deploymentPods + extra;
    });
    return { changes: deployments.length, pods: extra };
  });
  scaleTo = performance.now();
  await phase("scale-down", async () => {
    await paced(deployments, args.churnQps, 50, (d) =>
      calls.patch(deploymentsRef, d.namespace, d.name, "merge", { spec: { replicas: d.replicas } }),
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
    await paced(plan.namespaces, args.qps, 50, (ns) => calls.delete(namespacesRef, undefined, ns));
    await waitFor("all pods deleted", () => tracker!.counts().live <= 0);
    return { objects: r.done, failed: r.failed };
  });

  await report("complete");
} catch (err) {
  log(`failed: ${err instanceof Error ? err.message : String(err)}`);
  await report(`incomplete: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 1;
} finally {
  await tracker?.stop();
  client?.close();
  if (sim) await stopProcess(sim.child);
  await stopProcess(server.child);
  rmSync(dataDir, { recursive: true, force: true });
}
