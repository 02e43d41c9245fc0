/**
 * bench:controllers broken down: where a Deployment replica's server CPU
 * goes. One `k8ts server --disable-agent` and one `k8ts simulate`, then the
 * same N pods brought to Ready three ways, each measured alone (server CPU
 * seconds and API requests per pod, which the machine's load barely
 * changes, and optionally a CPU profile of the phase through the inspector):
 *
 *   bound       pods created by this client with spec.nodeName set
 *               (create + the simulated kubelet's status patch);
 *   scheduled   pods created without a node (+ scheduler, binding, event);
 *   deployment  a Deployment of N replicas (+ deployment and ReplicaSet
 *               controllers, which also create the pods in-process).
 *
 * "deployment − scheduled" is what the controllers cost per replica. A
 * fourth phase, delete (right after deployment), deletes that Deployment
 * with Background propagation and measures until its last pod is gone
 * (garbage collector, graceful deletion by the simulated kubelet).
 * Failed requests are listed apart, by code ("DELETE pods 404").
 *
 * Flags: --pods N (1000) --nodes N (20) --phases bound,scheduled,deployment[,delete]
 * --concurrency N (creates in flight, 32) --timeout SECONDS (300)
 * --profile-dir DIR (one .cpuprofile per phase) --json FILE.
 */
import { loadavg } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import type { KObject } from "../src/api/types.ts";
import { ApiError } from "../src/client/api-error.ts";
import { loadKubeconfig } from "../src/client/kubeconfig.ts";
import { deploymentsRef, podsRef } from "../src/client/resources.ts";
import { RestClient } from "../src/client/rest-client.ts";
import { flag, progress, writeJson } from "./lib/args.ts";
import { printTable, type Row } from "./lib/table.ts";
import { diffRequestCounts, fetchRequestCounts } from "./controllers-requests.ts";
import { ProcessSampler } from "./scale-measure.ts";
import { sleep, startSimulatedCluster, waitFor } from "./lib/simulated-cluster.ts";
import { waitPodsGone } from "./lib/pods-left.ts";

const pods = Number(flag("pods", "1000"));
const nodes = Number(flag("nodes", "20"));
const concurrency = Number(flag("concurrency", "32"));
const timeoutS = Number(flag("timeout", "300"));
const phases = flag("phases", "bound,scheduled,deployment").split(",");
const profileDir = flag("profile-dir", "");
if (!(pods > 0) || !(nodes > 0) || !(concurrency > 0) || pods > nodes * 110)
  throw new Error("Cannot parse arguments: expected --pods N --nodes N (110 pods per node)");

const log = (m: string) => progress("controllers-breakdown", m);

const template = (app: string) => ({
  metadata: { labels: { app } },
  spec: {
    containers: [
      { name: "c", image: "pause", resources: { requests: { cpu: "1m", memory: "1Mi" } } },
    ],
  },
});

/** Creates count pods labelled app, concurrency at a time, on nodeNames round-robin when given. */
async function createPods(c: RestClient, app: string, count: number, nodeNames?: string[]) {
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < count; i = next++) {
      const t = template(app);
      await c.create(podsRef, "default", {
        apiVersion: "v1",
        kind: "Pod",
        metadata: { name: `${app}-${i}`, namespace: "default", labels: t.metadata.labels },
        spec: nodeNames ? { ...t.spec, nodeName: nodeNames[i % nodeNames.length] } : t.spec,
      });
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}

/** True when no pod labelled app is left (one cheap list of at most one pod). */
async function allGone(c: RestClient, app: string) {
  return (
    (await c.list(podsRef, "default", { labelSelector: `app=${app}`, limit: 1 })).items.length === 0
  );
}

/**
 * True when the phase's pods are all Running: a Deployment's readyReplicas,
 * else no labelled pod left outside Running (the pods were all created before
 * the first check; one cheap list of at most one pod).
 */
async function allRunning(c: RestClient, app: string, count: number, phase: string) {
  if (phase === "deployment") {
    const d = await c.get<KObject & { status?: { readyReplicas?: number } }>(
      deploymentsRef,
      "default",
      app,
    );
    return (d.status?.readyReplicas ?? 0) >= count;
  }
  const notRunning = await c.list(podsRef, "default", {
    labelSelector: `app=${app}`,
    fieldSelector: "status.phase!=Running",
    limit: 1,
  });
  return notRunning.items.length === 0;
}

const cluster = await startSimulatedCluster({ name: "breakdown", nodes, log });
const { server, kubeconfig, client: c } = cluster;
const sim = cluster.sim!;
const nodeNames = cluster.nodeNames;
const rows: Row[] = [];
const requestRows: Record<string, Record<string, number>> = {};
try {
  // Let start-up work (node registration, first syncs) settle before measuring.
  await sleep(5000);
  for (const [i, phase] of phases.entries()) {
    const deleting = phase === "delete";
    if (deleting && phases[i - 1] !== "deployment")
      throw new Error("the delete phase must follow the deployment phase");
    const app = deleting ? "bd-deployment" : `bd-${phase}`;
    const inspector = profileDir ? await server.inspector() : undefined;
    await inspector?.startProfile();
    const sampler = new ProcessSampler({ server: server.child.pid!, simulate: sim.child.pid! });
    sampler.start();
    const load0 = loadavg()[0]!;
    const requests0 = await fetchRequestCounts(loadKubeconfig(kubeconfig), { errors: true });
    log(`${phase}: ${pods} pods`);
    const t0 = performance.now();
    if (phase === "bound") await createPods(c, app, pods, nodeNames);
    else if (phase === "scheduled") await createPods(c, app, pods);
    else if (phase === "deployment")
      await c.create(deploymentsRef, "default", {
        apiVersion: "apps/v1",
        kind: "Deployment",
        metadata: { name: app, namespace: "default" },
        spec: { replicas: pods, selector: { matchLabels: { app } }, template: template(app) },
      });
    else if (deleting)
      await c.delete(deploymentsRef, "default", app, { propagationPolicy: "Background" });
    else throw new Error(`unknown phase ${phase}: expected bound, scheduled, deployment or delete`);
    if (deleting)
      await waitPodsGone(c, {
        namespace: "default",
        labelSelector: `app=${app}`,
        t0,
        timeoutS,
        progress: (left, s) => log(`delete: ${left} pods left after ${s.toFixed(1)} s`),
      });
    else
      await waitFor(`${phase} pods Running`, () => allRunning(c, app, pods, phase), timeoutS, 500);
    const seconds = (performance.now() - t0) / 1000;
    const used = sampler.stop();
    if (inspector) await inspector.stopProfile(join(profileDir, `${phase}.cpuprofile`));
    const requests = diffRequestCounts(
      requests0,
      await fetchRequestCounts(loadKubeconfig(kubeconfig), { errors: true }),
    );
    requestRows[phase] = Object.fromEntries(requests);
    rows.push({
      phase,
      pods,
      "Running (delete: gone) s": seconds.toFixed(1),
      "pods/s": Math.round(pods / seconds),
      "server CPU ms/pod": ((1000 * used.server!.cpuSeconds) / pods).toFixed(2),
      "simulate CPU ms/pod": ((1000 * used.simulate!.cpuSeconds) / pods).toFixed(2),
      "requests/pod": ([...requests.values()].reduce((a, b) => a + b, 0) / pods).toFixed(2),
      "load before": load0.toFixed(1),
      "load mean": sampler.load().mean.toFixed(1),
    });
    log(JSON.stringify(rows[rows.length - 1]));
    log(
      [...requests]
        .sort((a, b) => b[1] - a[1])
        .map(([k, v]) => `${(v / pods).toFixed(3)} ${k}`)
        .join(", "),
    );
    // Nothing to clean up after the last phase (the server goes anyway), after
    // a delete phase, or before one (it deletes this phase's Deployment).
    if (i === phases.length - 1 || deleting || phases[i + 1] === "delete") continue;
    if (phase === "deployment")
      await c.delete(deploymentsRef, "default", app, { propagationPolicy: "Background" });
    else
      await c
        .request("DELETE", `/api/v1/namespaces/default/pods?labelSelector=app%3D${app}`)
        .catch((err) => {
          // The server goes on deleting after its request timeout (60 s); wait below.
          if (!(err instanceof ApiError && err.code === 504)) throw err;
        });
    await waitFor(`${app}'s pods gone`, () => allGone(c, app), timeoutS, 1000);
    await sleep(3000);
  }
} finally {
  await cluster.stop();
}
console.log("controllers breakdown (server CPU per pod brought to Running, by how it was created)");
printTable(rows);
const kinds = [...new Set(Object.values(requestRows).flatMap((r) => Object.keys(r)))].sort();
console.log(`API requests per pod (${phases.join(" / ")}):`);
for (const k of kinds) {
  const cells = phases.map((p) => ((requestRows[p]?.[k] ?? 0) / pods).toFixed(3));
  if (cells.some((x) => Number(x) >= 0.005)) console.log(`  ${cells.join(" / ")}  ${k}`);
}
await writeJson(flag("json", "") || undefined, { rows, requests: requestRows });
