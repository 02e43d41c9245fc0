/**
 * Pod startup benchmark, as the Kubernetes pod-startup SLO measures it
 * (create sent -> pod Running with all containers running, seen on a watch),
 * on one node: a `k8ts server --disable-agent` plus a `k8ts kubelet` process
 * with its own containerd, busybox imported offline, pulls disabled.
 *
 * - latency mode: N pods created at a steady 5 pods/s (p50/p99 against the
 *   SLO p99 <= 5 s and the project's 1.5 s target);
 * - throughput mode: M pods created at once (time until all Running);
 * - raw CRI baseline: sandbox + create + start through the CRI client alone,
 *   same pod shape, same arrival pattern, on the same containerd.
 * Also reports the kubelet's idle RSS. Flags: --json FILE, --quick.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import type { Pod } from "kubernetes-types/core/v1.d.ts";
import type { KObject } from "../src/api/types.ts";
import { loadKubeconfig } from "../src/client/kubeconfig.ts";
import { nodesRef, podsRef } from "../src/client/resources.ts";
import { RestClient } from "../src/client/rest-client.ts";
import { removeCgroup } from "../src/kubelet/cgroups.ts";
import { CriRuntime } from "../src/kubelet/runtime/cri/cri-runtime.ts";
import { containerConfig, labelPodUID, sandboxConfig } from "../src/kubelet/pod/runtime-config.ts";
import { startCluster } from "../test/e2e/harness.ts";
import { parseBenchArgs, progress, writeJson } from "./lib/args.ts";
import { percentiles } from "./lib/percentiles.ts";
import { printTable, type Row } from "./lib/table.ts";
import { K8TS_NODE_FLAGS } from "../src/util/node-flags.ts";

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), "..");
const args = parseBenchArgs();
const latencyPods = args.quick ? 10 : 100;
const burstPods = args.quick ? 10 : 50;
const ratePerSec = 5;
const nodeName = `bench-node-${process.pid}`;
const cgroupRoot = `/k8ts-bench-${process.pid}`;
/** The raw-CRI pods' own cgroup root, outside the kubelet's (whose housekeeping scans its own). */
const rawCgroupRoot = `${cgroupRoot}-raw`;
const log = (m: string) => progress("pods", m);

const podSpec = (name: string): Pod => ({
  apiVersion: "v1",
  kind: "Pod",
  metadata: { name, namespace: "default", labels: { bench: "pods" } },
  spec: {
    nodeName,
    terminationGracePeriodSeconds: 0,
    containers: [
      {
        name: "main",
        image: "busybox",
        imagePullPolicy: "IfNotPresent",
        command: ["sleep", "3600"],
      },
    ],
  },
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Creates pods at `starts[i]` ms offsets; resolves to per-pod startup latency (ms) and total time. */
async function runThroughApi(client: RestClient, prefix: string, starts: number[]) {
  const created = new Map<string, number>();
  const running = new Map<string, number>();
  const abort = new AbortController();
  const list = await client.list(podsRef, "default", { labelSelector: "bench=pods" });
  const watch = (async () => {
    try {
      for await (const ev of client.watch<Pod>(
        podsRef,
        "default",
        { labelSelector: "bench=pods", resourceVersion: list.metadata.resourceVersion },
        abort.signal,
      )) {
        const p = ev.object;
        const name = p.metadata?.name ?? "";
        const all = p.status?.containerStatuses ?? [];
        if (
          !running.has(name) &&
          p.status?.phase === "Running" &&
          all.length &&
          all.every((c) => c.state?.running)
        ) {
          running.set(name, performance.now());
          if (running.size === starts.length) return;
        }
      }
    } catch (err) {
      if (!abort.signal.aborted) throw err;
    }
  })();
  const t0 = performance.now();
  await Promise.all(
    starts.map(async (offset, i) => {
      const wait = t0 + offset - performance.now();
      if (wait > 0) await sleep(wait);
      const name = `${prefix}-${i}`;
      created.set(name, performance.now());
      await client.create(podsRef, "default", podSpec(name) as KObject);
    }),
  );
  await Promise.race([watch, sleep(180_000)]);
  abort.abort();
  if (running.size < starts.length)
    throw new Error(`only ${running.size}/${starts.length} pods reached Running`);
  const latencies = [...created].map(([n, t]) => running.get(n)! - t);
  return { latencies, totalMs: Math.max(...running.values()) - t0 };
}

/** A CRI config without the kubelet's pod-uid label. */
function unlabelled<T extends { labels: Record<string, string> }>(config: T): T {
  const { [labelPodUID]: _uid, ...labels } = config.labels;
  return { ...config, labels };
}

/** The same pod shape straight through CRI. */
async function runThroughCri(rt: CriRuntime, logsDir: string, starts: number[]) {
  const latencies: number[] = [];
  const sandboxes: string[] = [];
  const t0 = performance.now();
  let last = 0;
  await Promise.all(
    starts.map(async (offset, i) => {
      const wait = t0 + offset - performance.now();
      if (wait > 0) await sleep(wait);
      const base = podSpec(`raw-${i}`);
      const uid = `raw-${process.pid}-${i}-${Math.random().toString(36).slice(2, 8)}`;
      const pod: Pod = { ...base, metadata: { ...base.metadata, uid } };
      const t = performance.now();
      // Without the kubelet's pod-uid label: the kubelet sharing this containerd would
      // otherwise take these pods for orphans of its own and kill them.
      const sb = unlabelled(sandboxConfig(pod, 0, { logsDir, cgroupRoot: rawCgroupRoot }));
      const id = await rt.runPodSandbox(sb);
      sandboxes.push(id);
      const c = pod.spec!.containers[0];
      const cid = await rt.createContainer(
        id,
        unlabelled(
          containerConfig(pod, c, 0, {
            image: "busybox",
            command: c.command!,
            args: [],
            envs: [],
            mounts: [],
            memoryCapacity: 1 << 30,
            isInit: false,
          }),
        ),
        sb,
      );
      await rt.startContainer(cid);
      const done = performance.now();
      latencies.push(done - t);
      last = Math.max(last, done);
    }),
  );
  const totalMs = last - t0;
  await Promise.all(
    sandboxes.map(async (id) => {
      await rt.stopPodSandbox(id);
      // Unlabelled, these are not the kubelet's to collect; a removal racing
      // ours (an older kubelet's GC) is still no error.
      await rt.removePodSandbox(id).catch((err: unknown) => {
        if (!/not found|removing state/i.test(String(err))) throw err;
      });
    }),
  );
  return { latencies, totalMs };
}

async function deleteAll(client: RestClient, rt: CriRuntime): Promise<void> {
  const list = await client.list<Pod>(podsRef, "default", { labelSelector: "bench=pods" });
  await Promise.all(
    list.items.map((p) =>
      client
        .delete(podsRef, "default", p.metadata!.name!, { gracePeriodSeconds: 0 })
        .catch(() => {}),
    ),
  );
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    const left = (await client.list(podsRef, "default", { labelSelector: "bench=pods" })).items
      .length;
    const sandboxes = (await rt.listPodSandbox()).length;
    if (left === 0 && sandboxes === 0) return;
    await sleep(250);
  }
  throw new Error("pods were not cleaned up within 120 s");
}

function rssKiB(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return m ? Number(m[1]) : NaN;
}

const cluster = await startCluster();
const client = new RestClient({ ...loadKubeconfig(cluster.kubeconfig), qps: 200, burst: 400 });
const dataDir = mkdtempSync(join(tmpdir(), "k8ts-bench-kubelet-"));
const kubeletLog: string[] = [];
const kubelet = spawn(
  process.execPath,
  [
    ...K8TS_NODE_FLAGS,
    join(repoRoot, "bin", "k8ts"),
    "kubelet",
    "--kubeconfig",
    cluster.kubeconfig,
    "--node-name",
    nodeName,
    "--data-dir",
    dataDir,
    "--pod-cidr",
    "10.42.210.0/24",
    "--cgroup-root",
    cgroupRoot,
    "--image-pull",
    "disabled",
    "--port",
    "0",
  ],
  { stdio: ["ignore", "ignore", "pipe"] },
);
kubelet.stderr!.on("data", (d: Buffer) => kubeletLog.push(d.toString()));
const kubeletExit = new Promise<void>((r) => kubelet.once("exit", () => r()));
let rt: CriRuntime | undefined;
try {
  log("waiting for the node to be Ready");
  for (let i = 0; ; i++) {
    const node = await client
      .get<{ status?: { conditions?: { type: string; status: string }[] } }>(
        nodesRef,
        undefined,
        nodeName,
      )
      .catch(() => undefined);
    if (node?.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True")) break;
    if (i > 600) throw new Error(`node not Ready:\n${kubeletLog.join("").slice(-3000)}`);
    await sleep(100);
  }
  rt = new CriRuntime(`unix://${join(dataDir, "containerd", "containerd.sock")}`);
  await sleep(3000);
  const idleRss = rssKiB(kubelet.pid!);
  const steady = Array.from({ length: latencyPods }, (_, i) => (i * 1000) / ratePerSec);
  const burst = Array.from({ length: burstPods }, () => 0);
  const rawLogs = join(dataDir, "raw-logs");

  log(`latency mode: ${latencyPods} pods at ${ratePerSec}/s through the kubelet`);
  const kLat = await runThroughApi(client, "lat", steady);
  await deleteAll(client, rt);
  log(`latency mode: raw CRI baseline`);
  const rLat = await runThroughCri(rt, rawLogs, steady);
  log(`throughput mode: ${burstPods} pods at once through the kubelet`);
  const kBurst = await runThroughApi(client, "burst", burst);
  await deleteAll(client, rt);
  log(`throughput mode: raw CRI baseline`);
  const rBurst = await runThroughCri(rt, rawLogs, burst);

  const pk = percentiles(kLat.latencies);
  const pr = percentiles(rLat.latencies);
  const pkb = percentiles(kBurst.latencies);
  const prb = percentiles(rBurst.latencies);
  const rows: Row[] = [
    {
      mode: `latency (${latencyPods} @ ${ratePerSec}/s)`,
      path: "k8ts kubelet",
      "p50 ms": pk.p50,
      "p99 ms": pk.p99,
      "max ms": pk.max,
      "pods/s": (latencyPods / kLat.totalMs) * 1000,
    },
    {
      mode: `latency (${latencyPods} @ ${ratePerSec}/s)`,
      path: "raw CRI",
      "p50 ms": pr.p50,
      "p99 ms": pr.p99,
      "max ms": pr.max,
      "pods/s": (latencyPods / rLat.totalMs) * 1000,
    },
    {
      mode: `throughput (${burstPods} at once)`,
      path: "k8ts kubelet",
      "p50 ms": pkb.p50,
      "p99 ms": pkb.p99,
      "max ms": pkb.max,
      "all running ms": kBurst.totalMs,
      "pods/s": (burstPods / kBurst.totalMs) * 1000,
    },
    {
      mode: `throughput (${burstPods} at once)`,
      path: "raw CRI",
      "p50 ms": prb.p50,
      "p99 ms": prb.p99,
      "max ms": prb.max,
      "all running ms": rBurst.totalMs,
      "pods/s": (burstPods / rBurst.totalMs) * 1000,
    },
  ];
  printTable(rows);
  const overhead = pk.p50 - pr.p50;
  const ratio = kBurst.totalMs / rBurst.totalMs;
  process.stdout.write(
    `\nSLO p99 <= 5000 ms: ${pk.p99 <= 5000 ? "met" : "MISSED"}; target p99 <= 1500 ms: ${pk.p99 <= 1500 ? "met" : "missed"}\n` +
      `kubelet overhead (p50 - raw p50): ${overhead.toFixed(0)} ms (target <= 100 ms)\n` +
      `throughput: ${ratio.toFixed(2)}x raw CRI time (target <= 1.3x)\n` +
      `kubelet idle RSS: ${(idleRss / 1024).toFixed(1)} MiB (kubelet process; containerd not included)\n`,
  );
  await writeJson(args.json, {
    latencyMode: {
      pods: latencyPods,
      ratePerSec,
      kubelet: pk,
      rawCri: pr,
      overheadP50Ms: overhead,
    },
    throughputMode: {
      pods: burstPods,
      kubelet: { ...pkb, allRunningMs: kBurst.totalMs },
      rawCri: { ...prb, allRunningMs: rBurst.totalMs },
      ratio,
    },
    kubeletIdleRssKiB: idleRss,
  });
  await deleteAll(client, rt);
} finally {
  rt?.close();
  kubelet.kill("SIGTERM");
  await Promise.race([kubeletExit, sleep(30_000)]);
  if (kubelet.exitCode === null) kubelet.kill("SIGKILL");
  removeCgroup(cgroupRoot);
  removeCgroup(rawCgroupRoot);
  client.close();
  await cluster.stop();
  rmSync(dataDir, { recursive: true, force: true });
}
