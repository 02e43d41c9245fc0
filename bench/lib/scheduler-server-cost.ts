/**
 * The API server's CPU per request for each write SchedulingBasic makes per
 * pod, one kind at a time: POST pods (the bench's create), POST pods/binding
 * (as DefaultBinder sends it) and the Scheduled event (through the
 * scheduler's EventBroadcaster), with two pod watchers open as in
 * bench/scheduler.ts (the scheduler's informer and the bench's own watch);
 * then two references: a pod GET (what any request costs: TLS, HTTP, auth,
 * routing, a cached read and its reply) and a second binding of each pod
 * (409 after admission and the read: a binding without its write).
 * Phases alternate over rounds, so a load change on a shared machine hits
 * every phase alike; CPU is read from /proc (10 ms ticks).
 *
 *   tsx bench/lib/scheduler-server-cost.ts [--pods N] [--rounds R] [--cpu-prof-dir DIR]
 *
 * With --cpu-prof-dir each phase of each round is profiled through the
 * server's inspector: DIR/<phase>-<round>.cpuprofile.
 */
import { mkdir } from "node:fs/promises";
import { loadavg } from "node:os";
import { join } from "node:path";
import type { KObject } from "../../src/api/types.ts";
import { ApiError } from "../../src/client/api-error.ts";
import { realClock } from "../../src/client/clock.ts";
import { loadKubeconfig } from "../../src/client/kubeconfig.ts";
import { podsRef } from "../../src/client/resources.ts";
import { RestClient, resourcePath } from "../../src/client/rest-client.ts";
import { EventBroadcaster } from "../../src/scheduler/events/event-broadcaster.ts";
import { startCluster } from "../../test/e2e/harness.ts";
import { progress } from "./args.ts";
import type { InspectorSession } from "./inspector.ts";
import { pool } from "./pool.ts";
import { connectInspector } from "./process-profile.ts";
import { processCpuMs } from "./proc-stat.ts";
import { printTable, type Row } from "./table.ts";
import { workloads } from "./scheduler-workloads.ts";

function parseArgs(argv: string[]) {
  const args = { pods: 2000, rounds: 3, cpuProfDir: undefined as string | undefined };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const v = argv[++i];
    if (v === undefined) throw new Error(`Cannot parse ${a}: a value must follow`);
    if (a === "--pods") args.pods = Number(v);
    else if (a === "--rounds") args.rounds = Number(v);
    else if (a === "--cpu-prof-dir") args.cpuProfDir = v;
    else
      throw new Error(
        `Cannot parse argument ${a}: expected --pods N, --rounds R or --cpu-prof-dir DIR`,
      );
  }
  return args;
}

const args = parseArgs(process.argv.slice(2));
const basic = workloads(1).find((w) => w.name === "SchedulingBasic")!;
const cluster = await startCluster({
  nodeArgs: args.cpuProfDir ? ["--inspect=127.0.0.1:0"] : [],
  args: [
    "--disable-scheduler",
    "--disable-controller-manager",
    "--disable-admission-plugins",
    "TaintNodesByCondition",
  ],
});
const config = { ...loadKubeconfig(cluster.kubeconfig), qps: 1e6, burst: 1e6 };
const client = new RestClient(config);
const watchClient = new RestClient(config);
const abort = new AbortController();
let inspector: InspectorSession | undefined;
const broadcaster = new EventBroadcaster(client, { clock: realClock, hostname: "bench" });
const recorder = broadcaster.newRecorder("default-scheduler");
try {
  if (args.cpuProfDir) {
    inspector = await connectInspector("server", cluster.logs());
    await mkdir(args.cpuProfDir, { recursive: true });
  }
  for (let w = 0; w < 2; w++)
    void (async () => {
      try {
        for await (const _ of watchClient.watch(podsRef, undefined, {}, abort.signal));
      } catch {
        // aborted
      }
    })();
  let serial = 0;
  const created: KObject[] = [];
  /** POSTs pod's Binding as DefaultBinder does (the answer not decoded). */
  const bind = (pod: KObject, i: number) => {
    const meta = pod.metadata!;
    return client.request("POST", resourcePath(podsRef, "default", meta.name, "binding"), {
      body: {
        apiVersion: "v1",
        kind: "Binding",
        metadata: { name: meta.name, namespace: "default", uid: meta.uid },
        target: { apiVersion: "v1", kind: "Node", name: `perf-node-${i % 1000}` },
      },
      ignoreAnswer: true,
    });
  };
  const phases = {
    create: (i: number) =>
      client.create<KObject>(podsRef, "default", basic.pod(serial + i)).then((p) => {
        created[serial + i] = p;
      }),
    binding: (i: number) => bind(created[serial + i]!, i),
    event: async (i: number) => {
      const pod = created[serial + i]!;
      recorder.eventf(
        { ...pod, apiVersion: "v1", kind: "Pod" },
        undefined,
        "Normal",
        "Scheduled",
        "Binding",
        `Successfully assigned default/${pod.metadata!.name} to perf-node-${i % 1000}`,
      );
      // The broadcaster writes 16 at a time: wait for each batch of 32 loops.
      if (i % 32 === 31) await broadcaster.flush();
    },
    // The floor of any request (TLS, HTTP, auth, routing, a cached read, reply): a pod GET.
    get: (i: number) =>
      client.request("GET", resourcePath(podsRef, "default", created[serial + i]!.metadata!.name), {
        ignoreAnswer: true,
      }),
    // A binding without its write: the pod is bound already, so 409 after admission and the
    // read of the current pod (no storage write, no watch event); binding minus this is the write.
    rebind: (i: number) =>
      bind(created[serial + i]!, i).then(
        () => {
          throw new Error("a second binding of one pod succeeded");
        },
        (err: unknown) => {
          if (!(err instanceof ApiError) || err.code !== 409) throw err;
        },
      ),
  };
  const rows: Row[] = [];
  const cpu = new Map<string, number[]>();
  for (let round = -1; round < args.rounds; round++) {
    const n = round < 0 ? 1000 : args.pods; // round -1 warms the server up
    for (const [phase, op] of Object.entries(phases)) {
      const label = `${phase}-${round}`;
      if (round >= 0) progress("scheduler-server-cost", `${label}: ${n} ops`);
      if (inspector && round >= 0) await inspector.startProfile();
      const load0 = loadavg()[0]!;
      const server0 = processCpuMs(cluster.pid);
      const client0 = process.cpuUsage();
      await pool(n, 32, op);
      await broadcaster.flush();
      const serverMs = (processCpuMs(cluster.pid) - server0) / n;
      const c = process.cpuUsage(client0);
      if (inspector && round >= 0)
        await inspector.stopProfile(join(args.cpuProfDir!, `${label}.cpuprofile`));
      if (round < 0) continue;
      cpu.set(phase, [...(cpu.get(phase) ?? []), serverMs]);
      rows.push({
        phase,
        round,
        ops: n,
        "server ms/op": serverMs,
        "client ms/op": (c.user + c.system) / 1000 / n,
        load: `${load0.toFixed(1)}-${loadavg()[0]!.toFixed(1)}`,
      });
    }
    serial += n;
  }
  printTable(rows);
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
  process.stdout.write(
    `median server ms/op: ${[...cpu].map(([k, v]) => `${k} ${median(v).toFixed(3)}`).join(", ")}\n`,
  );
} finally {
  abort.abort();
  broadcaster.close();
  inspector?.close();
  client.close();
  watchClient.close();
  await cluster.stop();
}
