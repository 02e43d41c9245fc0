/**
 * bench:memory — the API server's memory per pod: `npx tsx bench/memory.ts
 * [--pods 10000] [--nodes 100] [--components] [--snapshot-dir DIR]
 * [--no-delete] [--pause S] [--running-pause S] [--node-arg FLAG]... [--env K=V]...
 * [--json FILE]`.
 *
 * Starts `k8ts server --disable-agent` on a temporary data dir (without its
 * controller manager and scheduler unless --components: the API server
 * alone), opens the watches the components and kubelets keep (pods twice,
 * pods per node by spec.nodeName, nodes twice, replicasets), then stores
 * --nodes Ready Nodes and --pods pods in ReplicaSets of 100, each bound to a
 * node, given a Running status (a status PATCH as the kubelet writes it)
 * and one Event. It samples the server's memory (after a full GC) when
 * empty, with every pod Running (--running-pause S after the last one, 2 by
 * default; the watch cache settles objects 10 s after their last write), after deleting every pod (graceful DELETE,
 * then the kubelet's grace-0 DELETE) and their ReplicaSets, and once more
 * after a pause; per-pod figures are above the empty sample. With
 * --snapshot-dir it writes heap snapshots of the server's main thread and
 * of each worker thread at each sample (read them with bench/scale-heap.ts).
 */
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import type { KObject } from "../src/api/types.ts";
import { loadKubeconfig } from "../src/client/kubeconfig.ts";
import type { ResourceRef } from "../src/client/rest-client.ts";
import {
  leasesRef,
  namespacesRef,
  nodesRef,
  podsRef,
  replicaSetsRef,
  serviceAccountsRef,
} from "../src/client/resources.ts";
import { RestClient } from "../src/client/rest-client.ts";
import { freePort } from "../test/e2e/harness.ts";
import { progress, writeJson } from "./lib/args.ts";
import { pool } from "./lib/pool.ts";
import { printTable } from "./lib/table.ts";
import {
  nodeObject,
  nodeStatus,
  PODS_PER_NAMESPACE,
  podEvent,
  podObject,
  replicaSetObject,
  runningStatus,
} from "./memory-objects.ts";
import { sampleMemory, sampleRow, type MemorySample } from "./memory-sample.ts";
import { Watchers } from "./memory-watchers.ts";
import { K8tsChild } from "./scale-procs.ts";

const eventsRef: ResourceRef = { group: "", version: "v1", resource: "events", namespaced: true };
const PODS_PER_RS = 100;
const WIDTH = 16;

interface Options {
  pods: number;
  nodes: number;
  components: boolean;
  snapshotDir?: string;
  nodeArgs: string[];
  env: Record<string, string>;
  json?: string;
  pauseS: number;
  /** Seconds between the last pod Running and the Running sample. */
  runningPauseS: number;
  /** Stop after the Running sample (--no-delete). */
  noDelete: boolean;
}

function parse(argv: string[]): Options {
  const o: Options = {
    pods: 10_000,
    nodes: 100,
    components: false,
    nodeArgs: [],
    env: {},
    pauseS: 10,
    runningPauseS: 2,
    noDelete: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const val = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`Cannot parse ${a}: a value must follow`);
      return v;
    };
    if (a === "--pods") o.pods = Number(val());
    else if (a === "--nodes") o.nodes = Number(val());
    else if (a === "--pause") o.pauseS = Number(val());
    else if (a === "--running-pause") o.runningPauseS = Number(val());
    else if (a === "--components") o.components = true;
    else if (a === "--no-delete") o.noDelete = true;
    else if (a === "--snapshot-dir") o.snapshotDir = val();
    else if (a === "--node-arg") o.nodeArgs.push(val());
    else if (a === "--json") o.json = val();
    else if (a === "--env") {
      const [k, ...v] = val().split("=");
      o.env[k!] = v.join("=");
    } else throw new Error(`Cannot parse argument ${a}`);
  }
  return o;
}

const log = (m: string) => progress("memory", m);
const opts = parse(process.argv.slice(2));
const dataDir = mkdtempSync(join(tmpdir(), "k8ts-bench-memory-"));
const port = await freePort();
const argv = ["server", "--disable-agent", "--data-dir", dataDir, "--bind-address", "127.0.0.1"];
argv.push("--secure-port", String(port));
if (!opts.components) argv.push("--disable-controller-manager", "--disable-scheduler");
Object.assign(process.env, opts.env);
const server = new K8tsChild("server", argv, opts.nodeArgs, log);
const loads: number[] = [];
const loadTimer = setInterval(() => loads.push(loadavg()[0]!), 5000);
let client: RestClient | undefined;
let watchers: Watchers | undefined;
const samples: { phase: string; sample: MemorySample; count: number }[] = [];

const newClient = () =>
  new RestClient({
    ...loadKubeconfig(join(dataDir, "admin.kubeconfig")),
    qps: -1,
    userAgent: "bench-memory",
  });

async function waitForServer(): Promise<RestClient> {
  const until = Date.now() + 180_000;
  for (;;) {
    if (!server.running) throw new Error(`server exited:\n${server.output().slice(-3000)}`);
    let c: RestClient | undefined;
    try {
      c = newClient();
      await c.list(namespacesRef);
      return c;
    } catch {
      c?.close();
      if (Date.now() > until) throw new Error("timed out waiting for the server");
      await new Promise((r) => setTimeout(r, 300));
    }
  }
}

async function sample(phase: string, count: number): Promise<void> {
  const dir = opts.snapshotDir;
  if (dir) mkdirSync(dir, { recursive: true });
  const n = samples.length + 1;
  const s = await sampleMemory(
    server,
    dir ? (i) => join(dir, `${n}-${phase}-worker${i}.heapsnapshot`) : undefined,
  );
  samples.push({ phase, sample: s, count });
  log(
    `${phase}: rss ${(s.rss / 2 ** 20).toFixed(0)} MiB, heap ${(s.heapUsed / 2 ** 20).toFixed(0)} MiB`,
  );
  if (dir) {
    const file = join(dir, `${n}-${phase}.heapsnapshot`);
    await server.heapSnapshot(file);
    log(`wrote ${file}`);
  }
}

const ignoreConflict = (err: unknown) => {
  if ((err as { status?: number }).status !== 409) throw err;
};

let leaseTimer: NodeJS.Timeout | undefined;

/** Creates each node's Lease and renews them every 10 s (the node lifecycle controller watches them). */
function keepLeases(c: RestClient, nodes: string[]): void {
  const renew = (create: boolean) =>
    pool(nodes.length, 4, async (i) => {
      const spec = { holderIdentity: nodes[i], leaseDurationSeconds: 40, renewTime: microNow() };
      if (create)
        await c.create(leasesRef, "kube-node-lease", { metadata: { name: nodes[i] }, spec });
      else await c.patch(leasesRef, "kube-node-lease", nodes[i]!, "merge", { spec });
    }).catch((err) => log(`lease renewal failed: ${String(err)}`));
  void renew(true);
  leaseTimer = setInterval(() => void renew(false), 10_000);
}

const microNow = () => new Date().toISOString().replace("Z", "000Z");

async function run(c: RestClient): Promise<void> {
  const now = new Date().toISOString().replace(/\.\d+Z$/, "Z");
  const nsCount = Math.ceil(opts.pods / PODS_PER_NAMESPACE);
  const namespaces = Array.from({ length: nsCount }, (_, i) => `mem-${i}`);
  const nodes = Array.from({ length: opts.nodes }, (_, i) => `hollow-${i}`);
  for (const ns of namespaces) {
    await c.create(namespacesRef, undefined, { metadata: { name: ns } }).catch(ignoreConflict);
    await c.create(serviceAccountsRef, ns, { metadata: { name: "default" } }).catch(ignoreConflict);
  }
  await pool(nodes.length, WIDTH, async (i) => {
    await c.create(nodesRef, undefined, nodeObject(nodes[i]!));
    await c.patch(
      nodesRef,
      undefined,
      nodes[i]!,
      "merge",
      { status: nodeStatus(now) },
      {
        subresource: "status",
      },
    );
  });
  if (opts.components) keepLeases(c, nodes);
  await new Promise((r) => setTimeout(r, 2000));
  await sample("empty", 0);

  const w = (watchers = new Watchers(newClient));
  for (const spec of [
    { ref: podsRef },
    { ref: podsRef },
    { ref: nodesRef },
    { ref: nodesRef },
    { ref: replicaSetsRef },
    ...nodes.map((n) => ({ ref: podsRef, fieldSelector: `spec.nodeName=${n}` })),
  ])
    await w.start(spec);

  const rsCount = Math.ceil(opts.pods / PODS_PER_RS);
  const sets: KObject[] = [];
  const createSets = () =>
    pool(rsCount, WIDTH, async (i) => {
      const ns = namespaces[Math.floor((i * PODS_PER_RS) / PODS_PER_NAMESPACE)]!;
      const replicas = Math.min(PODS_PER_RS, opts.pods - i * PODS_PER_RS);
      const rs = replicaSetObject(`app-${i}`, replicas);
      rs.metadata!.namespace = ns;
      sets[i] = opts.components ? rs : await c.create(replicaSetsRef, ns, rs);
    });
  // With the controller manager running, the ReplicaSets come after their
  // pods and adopt them (a ReplicaSet created first would make its own).
  await createSets();
  const started = Date.now();
  const pods: KObject[] = [];
  await pool(opts.pods, WIDTH, async (i) => {
    const rs = sets[Math.floor(i / PODS_PER_RS)]!;
    const ns = rs.metadata!.namespace!;
    const node = i % nodes.length;
    const name = `${rs.metadata!.name}-${i.toString(36).padStart(5, "0")}`;
    const pod = await c.create(podsRef, ns, podObject(name, rs, nodes[node]!, !opts.components));
    const ip = `10.0.${node >> 8}.${node & 255}`;
    await c.patch(podsRef, ns, name, "strategic", runningStatus(i, ip, now), {
      subresource: "status",
      fieldManager: "kubelet",
    });
    await c.create(eventsRef, ns, podEvent(pod, "Scheduled", now));
    pods[i] = pod;
    if ((i + 1) % 2000 === 0) log(`${i + 1} pods Running`);
  });
  if (opts.components) {
    await pool(rsCount, WIDTH, async (i) => {
      sets[i] = await c.create(replicaSetsRef, sets[i]!.metadata!.namespace, sets[i]!);
    });
  }
  log(`${opts.pods} pods in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  await new Promise((r) => setTimeout(r, opts.runningPauseS * 1000));
  await sample("running", opts.pods);
  if (opts.noDelete) return;

  const deleting = Date.now();
  await pool(opts.pods, WIDTH, async (i) => {
    const m = pods[i]!.metadata!;
    await c.delete(podsRef, m.namespace, m.name!);
    await c.delete(podsRef, m.namespace, m.name!, { gracePeriodSeconds: 0 });
  });
  await pool(sets.length, WIDTH, async (i) => {
    const m = sets[i]!.metadata!;
    await c.delete(replicaSetsRef, m.namespace, m.name!);
  });
  log(`deleted in ${((Date.now() - deleting) / 1000).toFixed(1)} s`);
  await sample("deleted", opts.pods);
  await new Promise((r) => setTimeout(r, opts.pauseS * 1000));
  await sample(`deleted+${opts.pauseS}s`, opts.pods);
  log(`watch events received: ${w.events}`);
}

try {
  client = await waitForServer();
  await run(client);
  const base = samples[0]!.sample;
  printTable(samples.map((s) => sampleRow(s.phase, s.sample, base, s.count)));
  const load = loads.length ? loads.reduce((a, b) => a + b, 0) / loads.length : loadavg()[0]!;
  process.stdout.write(
    `pods ${opts.pods}, nodes ${opts.nodes}, ${opts.components ? "with" : "without"} components; load ${load.toFixed(1)} mean, ${Math.max(...loads, 0).toFixed(1)} max\n`,
  );
  await writeJson(opts.json, { opts, samples, load });
} finally {
  clearInterval(loadTimer);
  clearInterval(leaseTimer);
  await watchers?.stop();
  client?.close();
  await server.stop();
  rmSync(dataDir, { recursive: true, force: true });
}
