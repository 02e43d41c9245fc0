/**
 * What `k8ts simulate` itself costs (issue 11): one `k8ts server
 * --disable-agent` and one `k8ts simulate --nodes N`, then three phases,
 * each measured alone by the simulator's CPU seconds (and the server's):
 *
 *   idle    nodes registered, no pods: CPU per lease renewal (one renewal
 *           and one node status check per node per 10 s);
 *   pods    N pods created with spec.nodeName set (no scheduler) until all
 *           Running: CPU per pod started;
 *   delete  the pods deleted (grace period 0) until gone: CPU per pod stopped.
 *
 * Flags: --pods N (2000) --nodes N (40) --idle-seconds S (30) --concurrency N
 * (creates in flight, 32) --timeout SECONDS (300) --profile-dir DIR (one
 * .cpuprofile of the simulator per phase, through its inspector) --json FILE.
 */
import { loadavg } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { ApiError } from "../src/client/api-error.ts";
import { podsRef } from "../src/client/resources.ts";
import type { RestClient } from "../src/client/rest-client.ts";
import { flag, progress, writeJson } from "./lib/args.ts";
import { printTable, type Row } from "./lib/table.ts";
import { ProcessSampler } from "./scale-measure.ts";
import { sleep, startSimulatedCluster, waitFor } from "./lib/simulated-cluster.ts";

const pods = Number(flag("pods", "2000"));
const nodes = Number(flag("nodes", "40"));
const idleS = Number(flag("idle-seconds", "30"));
const concurrency = Number(flag("concurrency", "32"));
const timeoutS = Number(flag("timeout", "300"));
const profileDir = flag("profile-dir", "");
if (!(pods > 0) || !(nodes > 0) || !(concurrency > 0) || pods > nodes * 110 || !(idleS > 0))
  throw new Error("Cannot parse arguments: expected --pods N --nodes N (110 pods per node)");

const log = (m: string) => progress("scale-simulate", m);
const app = "sim-cost";

/** Creates the pods, concurrency at a time, on nodeNames round-robin. */
async function createPods(c: RestClient, nodeNames: string[]): Promise<void> {
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < pods; i = next++) {
      await c.create(podsRef, "default", {
        apiVersion: "v1",
        kind: "Pod",
        metadata: { name: `${app}-${i}`, namespace: "default", labels: { app } },
        spec: {
          nodeName: nodeNames[i % nodeNames.length],
          containers: [{ name: "c", image: "pause" }],
        },
      });
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}

/** True when no pod of the app is outside phase Running (one cheap list of at most one pod). */
async function allRunning(c: RestClient): Promise<boolean> {
  const notRunning = await c.list(podsRef, "default", {
    labelSelector: `app=${app}`,
    fieldSelector: "status.phase!=Running",
    limit: 1,
  });
  return notRunning.items.length === 0;
}

async function noneLeft(c: RestClient): Promise<boolean> {
  const left = await c.list(podsRef, "default", { labelSelector: `app=${app}`, limit: 1 });
  return left.items.length === 0;
}

const isTimeout = (err: unknown) => err instanceof ApiError && err.code === 504;

const cluster = await startSimulatedCluster({ name: "simulate", nodes, log });
const { server, client: c, nodeNames } = cluster;
const sim = cluster.sim!;
const rows: Row[] = [];
try {
  // Let start-up work (node registration, first syncs) settle before measuring.
  await sleep(5000);
  for (const phase of ["idle", "pods", "delete"] as const) {
    const inspector = profileDir ? await sim.inspector() : undefined;
    await inspector?.startProfile();
    const sampler = new ProcessSampler({ server: server.child.pid!, simulate: sim.child.pid! });
    sampler.start();
    const load0 = loadavg()[0]!;
    log(`${phase}: ${phase === "idle" ? `${idleS} s` : `${pods} pods`}`);
    const t0 = performance.now();
    if (phase === "idle") await sleep(idleS * 1000);
    else if (phase === "pods") {
      await createPods(c, nodeNames);
      await waitFor("pods Running", () => allRunning(c), timeoutS, 500);
    } else {
      // The server keeps deleting after a 504 (a collection delete of thousands
      // of pods may outlast the request timeout on a loaded machine).
      await c
        .request(
          "DELETE",
          `/api/v1/namespaces/default/pods?labelSelector=app%3D${app}&gracePeriodSeconds=0`,
        )
        .catch((err: unknown) => {
          if (!isTimeout(err)) throw err;
          log("the collection delete timed out; waiting for the pods to go");
        });
      await waitFor("pods gone", () => noneLeft(c), timeoutS, 500);
    }
    const seconds = (performance.now() - t0) / 1000;
    const used = sampler.stop();
    if (inspector) await inspector.stopProfile(join(profileDir, `simulate-${phase}.cpuprofile`));
    // Per lease renewal in the idle phase (one per node per 10 s), per pod otherwise.
    const units = phase === "idle" ? (nodes * seconds) / 10 : pods;
    rows.push({
      phase,
      units: Math.round(units),
      seconds: seconds.toFixed(1),
      "simulate CPU ms/unit": ((1000 * used.simulate!.cpuSeconds) / units).toFixed(3),
      "server CPU ms/unit": ((1000 * used.server!.cpuSeconds) / units).toFixed(3),
      "simulate peak RSS MiB": used.simulate!.peakRssMiB.toFixed(0),
      "load before": load0.toFixed(1),
      "load mean": sampler.load().mean.toFixed(1),
    });
    log(JSON.stringify(rows[rows.length - 1]));
    await sleep(3000);
  }
} finally {
  await cluster.stop();
}
console.log(
  `simulator cost, ${nodes} nodes (unit: idle = one lease renewal + one status check, pods/delete = one pod)`,
);
printTable(rows);
await writeJson(flag("json", "") || undefined, { rows });
