/**
 * The server's CPU per write without HTTP: an in-process control plane (as
 * `k8ts apiserver` builds it: auth stack, built-in admission, webhooks and
 * policies, SQLite in a temp dir) and RestStore.create called directly,
 * `--concurrency` writes in flight. Prints CPU µs per write (all threads of
 * this process) and the admission plugins that returned a promise (an await
 * per write in runWriteStages), with how many per write.
 *
 * Flags: --kind configmap|pod (configmap) --ops N (5000) --rounds N (3)
 * --concurrency N (100) --profile FILE (a .cpuprofile of the last round, sampled every
 * 100 µs) --heap-profile FILE (a .heapprofile of the last round: sampled allocations).
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { Session } from "node:inspector/promises";
import type { KObject } from "../src/api/types.ts";
import { startControlPlane } from "../src/cli/control-plane.ts";
import type { AdmissionPlugin } from "../src/apiserver/pipeline.ts";
import { RestStore, type WriteOptions } from "../src/apiserver/rest-store.ts";

function flag(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? (process.argv[i + 1] ?? fallback) : fallback;
}

const kind = flag("kind", "configmap");
const ops = Number(flag("ops", "5000"));
const rounds = Number(flag("rounds", "3"));
const concurrency = Number(flag("concurrency", "100"));
const profile = flag("profile", "");
const heapProfile = flag("heap-profile", "");

const dataDir = await mkdtemp(join(tmpdir(), "k8ts-write-cost-"));
const plane = await startControlPlane({ dataDir, securePort: 0, bindAddress: "127.0.0.1" });
const server = plane.apiServer.context;
/** Promises returned by each plugin method in the current round. */
const promises = new Map<string, number>();
const counted = (name: string, fn: (a: never) => unknown) =>
  function (this: unknown, attrs: never) {
    const out = fn.call(this, attrs);
    if (out instanceof Promise) promises.set(name, (promises.get(name) ?? 0) + 1);
    return out;
  };
for (const p of server.pipeline.admission as AdmissionPlugin[]) {
  if (p.admit) p.admit = counted(`${p.name} admit`, p.admit.bind(p) as never) as never;
  if (p.validate) p.validate = counted(`${p.name} validate`, p.validate.bind(p) as never) as never;
}
const def = server.registry.get("", "v1", kind === "pod" ? "pods" : "configmaps")!;
const store = new RestStore(server);
const opts = (): WriteOptions => ({
  dryRun: false,
  user: { username: "system:admin", groups: ["system:masters", "system:authenticated"] },
  subresource: "",
  fieldManager: "bench",
  warnings: [],
  auditAnnotations: {},
});
const body = (name: string): KObject =>
  kind === "pod"
    ? {
        apiVersion: "v1",
        kind: "Pod",
        metadata: { name, namespace: "default", labels: { app: "bench" } },
        spec: { containers: [{ name: "c", image: "registry.k8s.io/pause:3.10" }] },
      }
    : {
        apiVersion: "v1",
        kind: "ConfigMap",
        metadata: { name, namespace: "default" },
        data: { key: "value" },
      };

async function run(prefix: string, n: number): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < n) {
      const i = next++;
      await store.create(def, body(`${prefix}-${i}`), opts());
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}

let session: Session | undefined;
try {
  await run("warm", 1000);
  for (let r = 0; r < rounds; r++) {
    if ((profile || heapProfile) && r === rounds - 1) {
      session = new Session();
      session.connect();
      if (profile) {
        await session.post("Profiler.enable");
        await session.post("Profiler.setSamplingInterval", { interval: 100 });
        await session.post("Profiler.start");
      }
      if (heapProfile) {
        await session.post("HeapProfiler.enable");
        // Allocations kept or collected alike (upstream's default drops collected ones).
        await session.post("HeapProfiler.startSampling", {
          samplingInterval: 4096,
          includeObjectsCollectedByMajorGC: true,
          includeObjectsCollectedByMinorGC: true,
        });
      }
    }
    promises.clear();
    const cpu = process.cpuUsage();
    const t = performance.now();
    await run(`r${r}`, ops);
    const used = process.cpuUsage(cpu);
    const wall = performance.now() - t;
    const us = (used.user + used.system) / ops;
    console.log(
      `round ${r}: ${kind} create ${us.toFixed(1)} µs CPU/op, ${((ops / wall) * 1000).toFixed(0)} ops/s`,
    );
    for (const [name, count] of [...promises].sort((a, b) => b[1] - a[1]))
      console.log(`  ${(count / ops).toFixed(2)} promises/write  ${name}`);
  }
  if (session && profile) {
    const { profile: p } = await session.post("Profiler.stop");
    await writeFile(profile, JSON.stringify(p));
  }
  if (session && heapProfile) {
    const { profile: p } = await session.post("HeapProfiler.stopSampling");
    await writeFile(heapProfile, JSON.stringify(p));
  }
} finally {
  session?.disconnect();
  await plane.stop();
  await rm(dataDir, { recursive: true, force: true });
}
