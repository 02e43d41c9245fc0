/**
 * bench:controllers — time from creating a Deployment of N replicas to all
 * its pods bound and Ready, on simulated nodes (issue 7's benchmark; kwok's
 * CI gate is 10,000 pods Running on one node in <= 120 s). One `k8ts server
 * --disable-agent` (controller manager and scheduler in its process) and one
 * `k8ts simulate`; for each size: create, wait for status.readyReplicas = N,
 * report pods/s and the server's CPU and peak memory; then the delete phase:
 * DELETE the Deployment (Background propagation: the garbage collector
 * deletes its ReplicaSet, then the pods, which the simulated kubelets finish
 * gracefully) and report the time to the last pod gone, pods/s and the
 * server's CPU for it.
 *
 * Flags: --sizes 1000,10000 --nodes 100 --timeout SECONDS (per size, 300)
 * --json FILE; --quick: 1,000 replicas on 20 nodes; --cpu-prof-dir DIR writes
 * the server's CPU profile there when it exits (rollouts and deletions). Target: 10,000 replicas Ready in <= 30 s on this machine.
 */
import { loadavg } from "node:os";
import { performance } from "node:perf_hooks";
import type { KObject } from "../src/api/types.ts";
import { loadKubeconfig } from "../src/client/kubeconfig.ts";
import { deploymentsRef } from "../src/client/resources.ts";
import { flag, progress, writeJson } from "./lib/args.ts";
import { printTable, type Row } from "./lib/table.ts";
import { ProcessSampler } from "./scale-measure.ts";
import { diffRequestCounts, fetchRequestCounts } from "./controllers-requests.ts";
import { startSimulatedCluster, waitFor } from "./lib/simulated-cluster.ts";
import { waitPodsGone } from "./lib/pods-left.ts";

const argv = process.argv.slice(2);
const quick = argv.includes("--quick");
const sizes = flag("sizes", quick ? "1000" : "1000,10000")
  .split(",")
  .map(Number);
const nodes = Number(flag("nodes", quick ? "20" : "100"));
const timeoutS = Number(flag("timeout", "300"));
if (sizes.some((n) => !(n > 0)) || !(nodes > 0) || !(timeoutS > 0))
  throw new Error("Cannot parse arguments: expected --sizes N,M --nodes N --timeout SECONDS");
if (Math.max(...sizes) > nodes * 110)
  throw new Error(`--nodes ${nodes} hold at most ${nodes * 110} pods (110 per node)`);

const log = (m: string) => progress("controllers", m);

const deployment = (name: string, replicas: number): KObject => ({
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: { name, namespace: "default" },
  spec: {
    replicas,
    selector: { matchLabels: { app: name } },
    template: {
      metadata: { labels: { app: name } },
      spec: {
        containers: [
          { name: "c", image: "pause", resources: { requests: { cpu: "1m", memory: "1Mi" } } },
        ],
      },
    },
  },
});

const profileDir = flag("cpu-prof-dir", "");
const cluster = await startSimulatedCluster({
  name: "controllers",
  nodes,
  serverNodeArgs: profileDir ? ["--cpu-prof", `--cpu-prof-dir=${profileDir}`] : [],
  log,
});
const { server, kubeconfig, client: c } = cluster;
const rows: Row[] = [];
/** API requests per replica while the Deployment rolled out (the busiest kinds). */
const perReplica: Record<string, string | number>[] = [];
try {
  for (const size of sizes) {
    const name = `bench-${size}`;
    const sampler = new ProcessSampler({ server: server.child.pid! });
    sampler.start();
    const load0 = loadavg()[0]!;
    const requests0 = await fetchRequestCounts(loadKubeconfig(kubeconfig));
    log(`Deployment ${name}: ${size} replicas`);
    const t0 = performance.now();
    await c.create(deploymentsRef, "default", deployment(name, size));
    let ready = 0;
    await waitFor(
      `${size} replicas Ready`,
      async () => {
        const d = await c.get<KObject & { status?: { readyReplicas?: number } }>(
          deploymentsRef,
          "default",
          name,
        );
        if ((d.status?.readyReplicas ?? 0) !== ready) {
          ready = d.status?.readyReplicas ?? 0;
          log(
            `${name}: ${ready}/${size} Ready after ${((performance.now() - t0) / 1000).toFixed(1)} s`,
          );
        }
        return ready >= size;
      },
      timeoutS,
      250,
    );
    const seconds = (performance.now() - t0) / 1000;
    const used = sampler.stop().server!;
    const requests = diffRequestCounts(
      requests0,
      await fetchRequestCounts(loadKubeconfig(kubeconfig)),
    );
    perReplica.push({
      replicas: size,
      ...Object.fromEntries(
        [...requests]
          .sort((a, b) => b[1] - a[1])
          .slice(0, 12)
          .map(([k, v]) => [k, (v / size).toFixed(2)]),
      ),
    });
    const row: Row = {
      replicas: size,
      nodes,
      "ready s": seconds.toFixed(1),
      "pods/s": Math.round(size / seconds),
      "server CPU s": used.cpuSeconds.toFixed(1),
      "server peak RSS MiB": Math.round(used.peakRssMiB),
      "load before": load0.toFixed(1),
      target: size === 10_000 ? "<= 30 s" : "",
    };
    rows.push(row);
    // The delete phase: DELETE deployment to the last pod gone.
    const deleteSampler = new ProcessSampler({ server: server.child.pid! });
    deleteSampler.start();
    const loadDelete = loadavg()[0]!;
    log(`Deployment ${name}: deleting (Background propagation)`);
    const t1 = performance.now();
    await c.delete(deploymentsRef, "default", name, { propagationPolicy: "Background" });
    const deleteS = await waitPodsGone(c, {
      namespace: "default",
      labelSelector: `app=${name}`,
      t0: t1,
      timeoutS,
      progress: (left, s) => log(`${name}: ${left} pods left after ${s.toFixed(1)} s`),
    });
    const deleteUsed = deleteSampler.stop().server!;
    Object.assign(row, {
      "delete s": deleteS.toFixed(1),
      "deleted pods/s": Math.round(size / deleteS),
      "delete server CPU s": deleteUsed.cpuSeconds.toFixed(1),
      "load before delete": loadDelete.toFixed(1),
    });
    log(`${name}: all ${size} pods gone ${deleteS.toFixed(1)} s after DELETE`);
  }
} finally {
  await cluster.stop();
}
console.log(
  "controllers benchmark (Deployment created to all replicas Ready, then deleted to its last pod gone; controller manager and scheduler inside k8ts server; simulated nodes)",
);
printTable(rows);
for (const r of perReplica) {
  console.log(`API requests per replica while ${r.replicas} replicas rolled out:`);
  for (const [k, v] of Object.entries(r)) if (k !== "replicas") console.log(`  ${v}  ${k}`);
}
await writeJson(flag("json", "") || undefined, { rows, requestsPerReplica: perReplica });
