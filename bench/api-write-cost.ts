/**
 * The server's CPU per write without HTTP: an in-process control plane (as
 * `k8ts apiserver` builds it: auth stack, built-in admission, webhooks and
 * policies, SQLite in a temp dir), `--concurrency` writes in flight. Prints
 * CPU µs per write (all threads of this process) and the admission plugins
 * that returned a promise (an await per write in runWriteStages), with how
 * many per write.
 *
 * --op create: RestStore.create called directly. --op put / patch: the PUT
 * and merge-PATCH handlers (handleUpdate, handlePatch) called with a request
 * context whose body is given at once and whose reply is kept (no HTTP, no
 * authentication, no routing), each write changing one field of an object
 * created beforehand (a Lease's renewTime, as a node's renewal; a
 * ConfigMap's or Pod's label). A PUT sends back the object last answered,
 * resourceVersion and managedFields included, as a client that read it does.
 * The client's part (parsing the answer, building the next body) runs in
 * this process too; it is measured alone afterwards and printed apart.
 *
 * The resource's watch cache is started first, as a cluster's informers keep
 * it running (--no-cache: not).
 *
 * Flags: --op create|put|patch (create) --kind configmap|pod|lease (configmap)
 * --ops N (5000) --rounds N (3) --concurrency N (100) --profile FILE (a
 * .cpuprofile of the last round, sampled every 100 µs) --heap-profile FILE
 * (a .heapprofile of the last round: sampled allocations).
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { Session } from "node:inspector/promises";
import type { KObject, ResourceDef } from "../src/api/types.ts";
import { startControlPlane } from "../src/cli/control-plane.ts";
import type { AdmissionPlugin } from "../src/apiserver/pipeline.ts";
import { RestStore, type WriteOptions } from "../src/apiserver/rest-store.ts";
import { handleUpdate } from "../src/apiserver/handlers/update.ts";
import { handlePatch } from "../src/apiserver/handlers/patch.ts";
import { flag } from "./lib/args.ts";
import { callHandler } from "./lib/handler-call.ts";
import { keyPrefix } from "../src/apiserver/object-store.ts";

const op = flag("op", "create");
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
const resources: Record<string, [string, string, string]> = {
  configmap: ["", "v1", "configmaps"],
  pod: ["", "v1", "pods"],
  lease: ["coordination.k8s.io", "v1", "leases"],
};
const def: ResourceDef = server.registry.get(...resources[kind]!)!;
const namespace = kind === "lease" ? "kube-node-lease" : "default";
const store = new RestStore(server);
const user = { username: "system:admin", groups: ["system:masters", "system:authenticated"] };
const opts = (): WriteOptions => ({
  dryRun: false,
  user,
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
        metadata: { name, namespace, labels: { app: "bench" } },
        spec: { containers: [{ name: "c", image: "registry.k8s.io/pause:3.10" }] },
      }
    : kind === "lease"
      ? {
          apiVersion: "coordination.k8s.io/v1",
          kind: "Lease",
          metadata: {
            name,
            namespace,
            ownerReferences: [{ apiVersion: "v1", kind: "Node", name, uid: `uid-${name}` }],
          },
          spec: {
            holderIdentity: name,
            leaseDurationSeconds: 40,
            renewTime: new Date().toISOString().replace("Z", "000Z"),
          },
        }
      : { apiVersion: "v1", kind: "ConfigMap", metadata: { name, namespace }, data: { key: "v" } };

/** A microsecond timestamp as a Lease's renewTime (RFC 3339, 6 digits). */
const microTime = (n: number) =>
  new Date(1_700_000_000_000 + n)
    .toISOString()
    .replace("Z", `${String(n % 1000).padStart(3, "0")}Z`);

/** The next write's body (JSON text) from the answer text of the last one, as a client builds it. */
function nextBody(answer: string, n: number): string {
  if (op === "patch") {
    return kind === "lease"
      ? JSON.stringify({ spec: { renewTime: microTime(n) } })
      : JSON.stringify({ metadata: { labels: { round: String(n) } } });
  }
  const obj = JSON.parse(answer) as KObject & { spec: Record<string, unknown> };
  if (kind === "lease") obj.spec = { ...obj.spec, renewTime: microTime(n) };
  else obj.metadata = { ...obj.metadata, labels: { ...obj.metadata?.labels, round: String(n) } };
  return JSON.stringify(obj);
}

/** The last answer per object (the update ops' objects, created first). */
const answers: string[] = [];
let counter = 0;

async function update(i: number): Promise<void> {
  const name = `u-${i}`;
  const text = nextBody(answers[i]!, ++counter);
  answers[i] = await callHandler(server, {
    method: op === "patch" ? "PATCH" : "PUT",
    def,
    namespace,
    name,
    body: text,
    contentType: op === "patch" ? "application/merge-patch+json" : "application/json",
    user,
    handler: op === "patch" ? handlePatch : handleUpdate,
  });
}

async function run(prefix: string, n: number): Promise<void> {
  let next = 0;
  // Each worker updates its own objects, one write per object at a time.
  const worker = async (w: number) => {
    while (next < n) {
      const i = next++;
      if (op === "create") await store.create(def, body(`${prefix}-${i}`), opts());
      else await update(w + concurrency * (i % 4));
    }
  };
  await Promise.all(Array.from({ length: concurrency }, (_, w) => worker(w)));
}

/** The client-side part of an update (nextBody) alone, µs per op. */
function clientPart(n: number): number {
  const cpu = process.cpuUsage();
  let size = 0;
  for (let i = 0; i < n; i++) size += nextBody(answers[i % answers.length]!, i).length;
  const used = process.cpuUsage(cpu);
  return size > 0 ? (used.user + used.system) / n : 0;
}

let session: Session | undefined;
try {
  // A cluster's informers keep the resource's watch cache running (updates start from it).
  if (!process.argv.includes("--no-cache"))
    await server.watchCaches.forPrefix(keyPrefix(def)).ensureStarted();
  if (op === "create") await run("warm", 1000);
  else {
    for (let i = 0; i < concurrency * 4; i++) {
      const created = await store.create(def, body(`u-${i}`), opts());
      answers.push(server.store.answerJson(created) || JSON.stringify(created));
    }
    await run("warm", 2000);
  }
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
    const client = op === "create" ? "" : `, of which client ${clientPart(ops).toFixed(1)}`;
    console.log(
      `round ${r}: ${kind} ${op} ${us.toFixed(1)} µs CPU/op${client}, ${((ops / wall) * 1000).toFixed(0)} ops/s`,
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
