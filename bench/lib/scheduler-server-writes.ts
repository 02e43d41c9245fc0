/**
 * The API server's CPU per SchedulingBasic write below HTTP: an in-process
 * control plane (as `k8ts apiserver` builds it: admission, SQLite in a temp
 * dir, the pods' and events' watch caches running as a cluster's informers
 * keep them) and the three writes a scheduled pod costs, each through its
 * REST handler as the router calls it (no TLS, HTTP, authentication or
 * routing; bench/lib/handler-call.ts): POST pods (the bench's pod), POST
 * pods/binding (as DefaultBinder sends it) and the Scheduled event (as the
 * scheduler's EventBroadcaster sends it, events.k8s.io/v1). 32 writes in
 * flight, as bench/scheduler.ts creates pods. Phases alternate over rounds,
 * so a load change on a shared machine hits each alike; CPU is this
 * process's (every thread: GC helpers, fdatasync) per write.
 *
 * Run it compiled (`node dist/bench/lib/scheduler-server-writes.js`) for
 * profiles without tsx's helpers in them.
 *
 *   scheduler-server-writes [--ops N] [--rounds R] [--profile-dir DIR]
 *     [--heap-dir DIR] [--no-watch-cache]
 *
 * With --profile-dir, each phase of the last round is profiled (every
 * 100 µs): DIR/<phase>.cpuprofile. With --heap-dir, its allocations are
 * sampled (every 4 KiB, collected objects included): DIR/<phase>.heapprofile.
 * --no-watch-cache leaves the pods' and events' watch caches stopped, to
 * tell their share (the binding then reads the pod from storage). The
 * other side of each write (TLS, HTTP, auth, watch fan-out) is
 * bench/lib/scheduler-server-cost.ts's.
 */
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { Session } from "node:inspector/promises";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import type { KObject, ResourceDef } from "../../src/api/types.ts";
import { keyPrefix } from "../../src/apiserver/object-store.ts";
import { handleBinding } from "../../src/apiserver/handlers/binding.ts";
import { handleCreate } from "../../src/apiserver/handlers/create.ts";
import { startControlPlane } from "../../src/cli/control-plane.ts";
import { callHandler } from "./handler-call.ts";
import { workloads } from "./scheduler-workloads.ts";
import { printTable, type Row } from "./table.ts";

function parseArgs(argv: string[]) {
  const args = {
    ops: 2000,
    rounds: 3,
    profileDir: undefined as string | undefined,
    heapDir: undefined as string | undefined,
    watchCache: true,
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === "--no-watch-cache") {
      args.watchCache = false;
      continue;
    }
    const v = argv[++i];
    if (v === undefined) throw new Error(`Cannot parse ${a}: a value must follow`);
    if (a === "--ops") args.ops = Number(v);
    else if (a === "--rounds") args.rounds = Number(v);
    else if (a === "--profile-dir") args.profileDir = v;
    else if (a === "--heap-dir") args.heapDir = v;
    else
      throw new Error(
        `Cannot parse argument ${a}: expected --ops N, --rounds R, --profile-dir DIR, --heap-dir DIR or --no-watch-cache`,
      );
  }
  return args;
}

const args = parseArgs(process.argv.slice(2));
const basic = workloads(1).find((w) => w.name === "SchedulingBasic")!;
const dataDir = await mkdtemp(join(tmpdir(), "k8ts-sched-writes-"));
const plane = await startControlPlane({ dataDir, securePort: 0, bindAddress: "127.0.0.1" });
const server = plane.apiServer.context;
const pods = server.registry.get("", "v1", "pods")!;
const events = server.registry.get("events.k8s.io", "v1", "events")!;
const user = { username: "system:admin", groups: ["system:masters", "system:authenticated"] };
const namespace = "default";
/** Each created pod's uid, for its Binding and event (as the scheduler has them). */
const uids = new Map<string, string>();
let eventSeq = 0;

const post = (def: ResourceDef, path: string, body: KObject, handler = handleCreate) =>
  callHandler(server, {
    method: "POST",
    def,
    namespace,
    name: body.metadata?.name ?? "",
    path,
    body: JSON.stringify(body),
    contentType: "application/json",
    user,
    handler,
  });

/** One write of each phase for the pod named `name`. */
const phases: Record<string, (name: string, i: number) => Promise<unknown>> = {
  async create(name, i) {
    const pod = basic.pod(i);
    pod.metadata = { ...pod.metadata, name };
    const answer = await post(pods, `/api/v1/namespaces/${namespace}/pods`, pod);
    uids.set(name, (JSON.parse(answer) as KObject).metadata?.uid ?? "");
  },
  binding: (name, i) =>
    post(
      pods,
      `/api/v1/namespaces/${namespace}/pods/${name}/binding`,
      {
        apiVersion: "v1",
        kind: "Binding",
        metadata: { name, namespace, uid: uids.get(name) },
        target: { apiVersion: "v1", kind: "Node", name: `perf-node-${i % basic.nodes}` },
      },
      handleBinding,
    ),
  event: (name, i) =>
    post(events, `/apis/events.k8s.io/v1/namespaces/${namespace}/events`, {
      apiVersion: "events.k8s.io/v1",
      kind: "Event",
      metadata: { name: `${name}.${(++eventSeq).toString(16)}`, namespace },
      eventTime: new Date().toISOString().replace("Z", "000Z"),
      reportingController: "default-scheduler",
      reportingInstance: "default-scheduler-bench",
      action: "Binding",
      reason: "Scheduled",
      regarding: { kind: "Pod", namespace, name, uid: uids.get(name), apiVersion: "v1" },
      note: `Successfully assigned ${namespace}/${name} to perf-node-${i % basic.nodes}`,
      type: "Normal",
    }),
};

/** Runs n writes of one phase over pods prefix-0..n-1, 32 in flight. */
async function run(phase: string, prefix: string, n: number): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < n) {
      const i = next++;
      await phases[phase]!(`${prefix}-${i}`, i);
    }
  };
  await Promise.all(Array.from({ length: 32 }, worker));
}

const perOp = new Map<string, number[]>(Object.keys(phases).map((p) => [p, []]));
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1] ?? NaN;
const session = args.profileDir || args.heapDir ? new Session() : undefined;
try {
  if (args.watchCache)
    for (const def of [pods, events])
      await server.watchCaches.forPrefix(keyPrefix(def)).ensureStarted();
  for (const dir of [args.profileDir, args.heapDir]) if (dir) await mkdir(dir, { recursive: true });
  session?.connect();
  await session?.post("Profiler.enable");
  await session?.post("Profiler.setSamplingInterval", { interval: 100 });
  // Round -1 warms up (JIT, caches) and is not counted.
  for (let r = -1; r < args.rounds; r++) {
    const n = r < 0 ? Math.min(500, args.ops) : args.ops;
    for (const phase of Object.keys(phases)) {
      const last = session && r === args.rounds - 1;
      const profiled = last && args.profileDir;
      const sampled = last && args.heapDir;
      if (profiled) await session.post("Profiler.start");
      // Every allocation sampled (every 4 KiB on average), collected or not.
      if (sampled)
        await session.post("HeapProfiler.startSampling", {
          samplingInterval: 4096,
          includeObjectsCollectedByMajorGC: true,
          includeObjectsCollectedByMinorGC: true,
        });
      const cpu = process.cpuUsage();
      await run(phase, `r${r + 1}`, n);
      const used = process.cpuUsage(cpu);
      if (profiled) {
        const { profile } = await session.post("Profiler.stop");
        await writeFile(join(args.profileDir!, `${phase}.cpuprofile`), JSON.stringify(profile));
      }
      if (sampled) {
        const { profile } = await session.post("HeapProfiler.stopSampling");
        await writeFile(join(args.heapDir!, `${phase}.heapprofile`), JSON.stringify(profile));
      }
      if (r >= 0) perOp.get(phase)!.push((used.user + used.system) / n);
    }
    if (r >= 0) process.stderr.write(`[server-writes] round ${r + 1}/${args.rounds} done\n`);
  }
  const rows: Row[] = [...perOp].map(([phase, us]) => ({
    write: phase,
    "median µs CPU/op": median(us),
    rounds: us.map((x) => x.toFixed(0)).join(" "),
  }));
  process.stdout.write(
    `server CPU per SchedulingBasic write below HTTP (in process, all threads; ${args.ops} per phase and round; load ${loadavg()[0]!.toFixed(1)})\n`,
  );
  printTable(rows);
} finally {
  session?.disconnect();
  await plane.stop();
  await rm(dataDir, { recursive: true, force: true });
}
