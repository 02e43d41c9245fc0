/**
 * The create/get/update phases of `npm run bench:api` alone, for profiling:
 * configmap create, get and update (merge patch) at a chosen concurrency against a real
 * `k8ts server` on SQLite, reporting throughput, client p50/p99, the
 * server's CPU milliseconds per operation (from /proc) and the load average;
 * optionally a CPU profile of the server's main thread per phase (through
 * the V8 inspector).
 *
 * Flags: --clients N (100) --ops N (3000 per phase) --rounds N (1; phases
 * repeat, figures per round) --watchers N (0; watches on the namespace, so
 * the watch cache runs as in a busy cluster) --profile-dir DIR (one
 * .cpuprofile per phase and round) --alloc-dir DIR (one .heapprofile per
 * phase and round: sampled allocations, collected ones included) --stalls
 * (GC pauses and event-loop delays ≥ 5 ms in the server and in this process,
 * per phase, with the longest gap between completions and what overlapped it:
 * bench/lib/stall-probe.mjs; --spans also writes each operation's start and end to
 * the JSON) --server-node-arg ARG (repeatable: a Node flag for
 * the server; with --trace-gc each phase also reports the server's scavenges
 * and mark-compacts, their pauses, and KB allocated per operation from the
 * heap sizes around them: bench/lib/trace-gc.ts) --server-log FILE (the
 * server's output) --json FILE.
 */
import { readFileSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { loadavg } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { performance } from "node:perf_hooks";
import { loadKubeconfig } from "../src/client/kubeconfig.ts";
import { RestClient, type ResourceRef } from "../src/client/rest-client.ts";
import { startCluster } from "../test/e2e/harness.ts";
import { flag, progress, writeJson } from "./lib/args.ts";
import { InspectorSession, inspectorUrl } from "./lib/inspector.ts";
import { timedOps } from "./lib/percentiles.ts";
import { processCpuMs } from "./lib/server-side.ts";
import { printTable, type Row } from "./lib/table.ts";
import { traceGcSummary } from "./lib/trace-gc.ts";
import { longest, parseStalls, phaseStalls, type OpSpan, type Stall } from "./lib/stalls.ts";

const clients = Number(flag("clients", "100"));
const ops = Number(flag("ops", "3000"));
const rounds = Number(flag("rounds", "1"));
const watchers = Number(flag("watchers", "0"));
const profileDir = flag("profile-dir", "");
const allocDir = flag("alloc-dir", "");
const jsonFile = flag("json", "");
const stalls = process.argv.includes("--stalls") || process.argv.includes("--spans");
const keepSpans = process.argv.includes("--spans");
const serverNodeArgs = process.argv.flatMap((a, i, all) =>
  a === "--server-node-arg" && all[i + 1] ? [all[i + 1]!] : [],
);
const serverLog = flag("server-log", "");
const traceGc = serverNodeArgs.includes("--trace-gc");
const probe = fileURLToPath(new URL("./lib/stall-probe.mjs", import.meta.url));
const benchStalls: Stall[] = [];
if (stalls) (await import("./lib/stall-probe.mjs")).onStall((s) => benchStalls.push(s));
const cms: ResourceRef = { group: "", version: "v1", resource: "configmaps", namespaced: true };
const nsRef: ResourceRef = { group: "", version: "v1", resource: "namespaces", namespaced: false };

const timed = timedOps;

/** The process's resident set (MiB), from /proc. */
function rssMiB(pid: number): number {
  const kb = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1];
  return Math.round(Number(kb) / 1024);
}

const cluster = await startCluster({
  args: ["--disable-controller-manager", "--disable-scheduler"],
  nodeArgs: [
    ...(profileDir || allocDir ? ["--inspect=127.0.0.1:0"] : []),
    ...(stalls ? ["--import", probe] : []),
    ...serverNodeArgs,
  ],
});
const rows: Row[] = [];
const stallLog: object[] = [];
const abort = new AbortController();
let inspector: InspectorSession | undefined;
const client = new RestClient({
  ...loadKubeconfig(cluster.kubeconfig),
  qps: 1e6,
  burst: 1e6,
  maxSockets: 128,
});
const watchClient = new RestClient({ ...loadKubeconfig(cluster.kubeconfig), qps: 1e6, burst: 1e6 });
try {
  if (profileDir || allocDir) {
    const url = inspectorUrl(cluster.logs());
    if (!url) throw new Error("the server printed no inspector address");
    inspector = await InspectorSession.connect(url);
  }
  await client.create(nsRef, undefined, { metadata: { name: "bench" } });
  for (let w = 0; w < watchers; w++)
    void (async () => {
      try {
        for await (const _ of watchClient.watch(cms, "bench", {}, abort.signal));
      } catch {
        // aborted
      }
    })();
  // Untimed: open the clients' connections and warm the server's code paths.
  await timed(clients * 4, clients, () => client.get(nsRef, undefined, "default"));
  await timed(500, clients, (i) =>
    client.create(cms, "bench", { metadata: { name: `warm-${i}` }, data: { k: "x" } }),
  );
  const body = (name: string) => ({
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { name },
    data: { k: "x".repeat(200) },
  });
  for (let round = 0; round < rounds; round++) {
    for (const phase of ["create", "get", "update"] as const) {
      const label = `${phase}-${round}`;
      progress("api-profile", `${label}: ${ops} ops at ${clients} clients`);
      if (profileDir) await inspector?.startProfile();
      if (allocDir) await inspector?.startAllocationSampling();
      const load0 = loadavg()[0]!;
      const logOffset = cluster.logs().length;
      const spans: OpSpan[] = [];
      const cpu0 = processCpuMs(cluster.pid);
      const r = await timed(ops, clients, async (i) => {
        const t = performance.timeOrigin + performance.now();
        await (phase === "create"
          ? client.create(cms, "bench", body(`r${round}-${i}`))
          : phase === "get"
            ? client.get(cms, "bench", `r${round}-${i}`)
            : client.patch(cms, "bench", `r${round}-${i}`, "merge", { data: { k: "y" } }));
        spans.push([t, performance.timeOrigin + performance.now()]);
      });
      const cpuMsPerOp = (processCpuMs(cluster.pid) - cpu0) / ops;
      // The server's last reports of the phase may still be in its pipe.
      if (stalls || traceGc) await new Promise((resolve) => setTimeout(resolve, 100));
      const st = stalls
        ? phaseStalls(spans, {
            server: parseStalls(cluster.logs(), logOffset),
            bench: benchStalls,
          })
        : undefined;
      const gc = traceGc ? traceGcSummary(cluster.logs(), logOffset) : undefined;
      if (profileDir) await inspector!.stopProfile(join(profileDir, `${label}.cpuprofile`));
      if (allocDir) await inspector!.stopAllocationSampling(join(allocDir, `${label}.heapprofile`));
      rows.push({
        operation: phase,
        round,
        "ops/s": r.perSecond,
        "p50 ms": r.p50,
        "p99 ms": r.p99,
        "srv CPU ms/op": cpuMsPerOp,
        "max ms": r.max,
        "srv RSS MiB": rssMiB(cluster.pid),
        load: `${load0.toFixed(1)}→${loadavg()[0]!.toFixed(1)}`,
        ...(gc && {
          "alloc KB/op": Math.round((gc.allocatedMB * 1024) / ops),
          "scav n": gc.scavenges,
          "scav ms": Math.round(gc.scavengeMs),
          "scav max": Math.round(gc.scavengeMaxMs),
          "MC n": gc.markCompacts,
          "MC ms": Math.round(gc.markCompactMs),
        }),
        ...(st && {
          "gap ms": st.gapMs,
          "srv gc": longest(st, "server", "gc"),
          "srv loop": longest(st, "server", "loop"),
          "bench gc": longest(st, "bench", "gc"),
          "bench loop": longest(st, "bench", "loop"),
          "in gap": st.inGap.slice(0, 3).join(", "),
        }),
      });
      if (st) stallLog.push({ phase: label, ...st, ...(keepSpans && { spans }) });
    }
  }
} finally {
  abort.abort();
  inspector?.close();
  client.close();
  watchClient.close();
  if (serverLog) await writeFile(serverLog, cluster.logs());
  await cluster.stop();
}
printTable(rows);
if (jsonFile) await writeJson(jsonFile, { rows, stalls: stallLog });
