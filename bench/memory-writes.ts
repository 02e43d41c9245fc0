/**
 * What the API server keeps per write, in process (issue 3's p99: the old-space
 * GC work a write stream causes): an in-process control plane (SQLite in a temp
 * dir, the resource's watch cache started as informers keep it), then phases of
 * bench:api's shape at 100 writes in flight: creates, then merge PATCHes of
 * every created object, both through the REST handlers without HTTP (the
 * watch cache's history ring holds each write's event for `capacity` further
 * writes). Per phase, from v8.GCProfiler (main isolate):
 * bytes promoted per write (old space grown across scavenges), scavenges and
 * their pause total, mark-compacts and their pause total, CPU per write (all
 * threads), and the old space after a full GC at the end of the phase.
 *
 * Flags: --kind configmap|pod|lease (configmap) --ops N (6000) --rounds N (2)
 * --concurrency N (100) --capacity N (the history ring's events; default the
 * server's) --heap-profile PREFIX (PREFIX-create.heapprofile and -update: sampled
 * allocations of the last round's phases still alive at its end, i.e. what the
 * phase kept, by allocation stack). Run with --expose-gc for the heap after GC.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import v8 from "node:v8";
import { writeFile } from "node:fs/promises";
import { Session } from "node:inspector/promises";
import type { KObject, ResourceDef } from "../src/api/types.ts";
import { startControlPlane } from "../src/cli/control-plane.ts";
import { handleCreate } from "../src/apiserver/handlers/create.ts";
import { handlePatch } from "../src/apiserver/handlers/patch.ts";
import { WatchCacheSet } from "../src/apiserver/watch-cache-set.ts";
import { keyPrefix } from "../src/apiserver/object-store.ts";
import { flag } from "./lib/args.ts";
import { callHandler } from "./lib/handler-call.ts";

const kind = flag("kind", "configmap");
const ops = Number(flag("ops", "6000"));
const rounds = Number(flag("rounds", "2"));
const concurrency = Number(flag("concurrency", "100"));
const capacity = flag("capacity", "");
const heapProfile = flag("heap-profile", "");

const resources: Record<string, [string, string, string]> = {
  configmap: ["", "v1", "configmaps"],
  pod: ["", "v1", "pods"],
  lease: ["coordination.k8s.io", "v1", "leases"],
};
const namespace = "default";

function body(name: string): KObject {
  if (kind === "pod")
    return {
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name, namespace, labels: { app: "bench" } },
      spec: { containers: [{ name: "c", image: "registry.k8s.io/pause:3.10" }] },
    };
  if (kind === "lease")
    return {
      apiVersion: "coordination.k8s.io/v1",
      kind: "Lease",
      metadata: { name, namespace },
      spec: { holderIdentity: name, leaseDurationSeconds: 40 },
    };
  // bench:api's ConfigMap: 200 bytes of data.
  return {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { name, namespace },
    data: { k: "x".repeat(200) },
  };
}

interface PhaseFigures {
  cpuUsPerOp: number;
  promotedBytesPerOp: number;
  /** Old space grown over the phase (promoted, pretenured, large), plus what mark-compacts freed. */
  oldGrowthBytesPerOp: number;
  scavenges: number;
  scavengeMs: number;
  maxScavengeMs: number;
  markCompacts: number;
  markCompactMs: number;
  maxMarkCompactMs: number;
  oldSpaceMiBAfterGc?: number;
}

const oldSpace = (s: v8.HeapSpaceInfo[]) =>
  s.find(
    (x) => x.space_name === "old_space" || (x as { spaceName?: string }).spaceName === "old_space",
  );

/** Runs n operations `concurrency` at a time and reads the GC's side of it. */
async function phase(
  n: number,
  op: (i: number) => Promise<unknown>,
  profileTo?: string,
): Promise<PhaseFigures> {
  const session = profileTo ? new Session() : undefined;
  if (session) {
    session.connect();
    await session.post("HeapProfiler.enable");
    await session.post("HeapProfiler.startSampling", { samplingInterval: 1024 });
  }
  const oldUsed = () => v8.getHeapSpaceStatistics().find((x) => x.space_name === "old_space")!;
  const old0 = oldUsed().space_used_size;
  const profiler = new v8.GCProfiler();
  profiler.start();
  const cpu = process.cpuUsage();
  let next = 0;
  const worker = async () => {
    while (next < n) await op(next++);
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const used = process.cpuUsage(cpu);
  const stats = profiler.stop()?.statistics ?? [];
  const old1 = oldUsed().space_used_size;
  const f: PhaseFigures = {
    cpuUsPerOp: (used.user + used.system) / n,
    promotedBytesPerOp: 0,
    oldGrowthBytesPerOp: 0,
    scavenges: 0,
    scavengeMs: 0,
    maxScavengeMs: 0,
    markCompacts: 0,
    markCompactMs: 0,
    maxMarkCompactMs: 0,
  };
  let promoted = 0;
  let freed = 0;
  for (const s of stats) {
    const ms = s.cost / 1000;
    if (s.gcType === "Scavenge" || s.gcType === "MinorMarkCompact") {
      f.scavenges++;
      f.scavengeMs += ms;
      f.maxScavengeMs = Math.max(f.maxScavengeMs, ms);
      const before = oldSpace(s.beforeGC.heapSpaceStatistics as never) as unknown as {
        spaceUsedSize: number;
      };
      const after = oldSpace(s.afterGC.heapSpaceStatistics as never) as unknown as {
        spaceUsedSize: number;
      };
      promoted += after.spaceUsedSize - before.spaceUsedSize;
    } else if (s.gcType === "MarkSweepCompact") {
      f.markCompacts++;
      const before = oldSpace(s.beforeGC.heapSpaceStatistics as never) as unknown as {
        spaceUsedSize: number;
      };
      const after = oldSpace(s.afterGC.heapSpaceStatistics as never) as unknown as {
        spaceUsedSize: number;
      };
      freed += before.spaceUsedSize - after.spaceUsedSize;
      f.markCompactMs += ms;
      f.maxMarkCompactMs = Math.max(f.maxMarkCompactMs, ms);
    }
  }
  f.promotedBytesPerOp = promoted / n;
  f.oldGrowthBytesPerOp = (old1 - old0 + freed) / n;
  const gc = (globalThis as { gc?: () => void }).gc;
  if (session) {
    gc?.();
    const { profile } = await session.post("HeapProfiler.stopSampling");
    await writeFile(profileTo!, JSON.stringify(profile));
    session.disconnect();
  }
  if (gc) {
    gc();
    const old = v8.getHeapSpaceStatistics().find((x) => x.space_name === "old_space")!;
    f.oldSpaceMiBAfterGc = old.space_used_size / 2 ** 20;
  }
  return f;
}

const dataDir = await mkdtemp(join(tmpdir(), "k8ts-memory-writes-"));
const plane = await startControlPlane({ dataDir, securePort: 0, bindAddress: "127.0.0.1" });
const server = plane.apiServer.context;
try {
  if (capacity) {
    // Before the resource's cache exists: the bench's writes use this set's caches.
    server.watchCaches = new WatchCacheSet(server.store.backend, {
      capacity: Number(capacity),
    });
  }
  const def: ResourceDef = server.registry.get(...resources[kind]!)!;
  await server.watchCaches.forPrefix(keyPrefix(def)).ensureStarted();
  const user = { username: "system:admin", groups: ["system:masters", "system:authenticated"] };
  const root = def.group ? `/apis/${def.group}/${def.version}` : `/api/${def.version}`;
  const post = (name: string) =>
    callHandler(server, {
      method: "POST",
      def,
      namespace,
      name,
      path: `${root}/namespaces/${namespace}/${def.resource}`,
      body: JSON.stringify(body(name)),
      contentType: "application/json",
      user,
      handler: handleCreate,
    });
  const patch = (name: string, n: number) =>
    callHandler(server, {
      method: "PATCH",
      def,
      namespace,
      name,
      body: JSON.stringify({ metadata: { labels: { round: String(n) } } }),
      contentType: "application/merge-patch+json",
      user,
      handler: handlePatch,
    });
  for (let r = -1; r < rounds; r++) {
    const label = r < 0 ? "warm-up" : `round ${r}`;
    const last = heapProfile && r === rounds - 1;
    const create = await phase(
      ops,
      (i) => post(`r${r + 1}-${i}`),
      last ? `${heapProfile}-create.heapprofile` : undefined,
    );
    const update = await phase(
      ops,
      (i) => patch(`r${r + 1}-${i}`, i),
      last ? `${heapProfile}-update.heapprofile` : undefined,
    );
    for (const [name, f] of [
      ["create", create],
      ["update", update],
    ] as const) {
      console.log(
        `${label} ${name}: ${f.cpuUsPerOp.toFixed(0)} µs CPU/op, promoted ${f.promotedBytesPerOp.toFixed(0)} B/op, ` +
          `old space +${f.oldGrowthBytesPerOp.toFixed(0)} B/op, ` +
          `scavenges ${f.scavenges} (${f.scavengeMs.toFixed(0)} ms, max ${f.maxScavengeMs.toFixed(1)}), ` +
          `mark-compacts ${f.markCompacts} (${f.markCompactMs.toFixed(0)} ms, max ${f.maxMarkCompactMs.toFixed(1)})` +
          (f.oldSpaceMiBAfterGc !== undefined
            ? `, old space ${f.oldSpaceMiBAfterGc.toFixed(1)} MiB after GC`
            : ""),
      );
    }
  }
} finally {
  await plane.stop();
  await rm(dataDir, { recursive: true, force: true });
}
