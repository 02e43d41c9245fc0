/**
 * bench:controllers — time from creating a Deployment of N replicas to all
 * its pods bound and Ready, on simulated nodes (issue 7's benchmark; kwok's
 * CI gate is 10,000 pods Running on one node in <= 120 s). One `k8ts server
 * --disable-agent` (controller manager and scheduler in its process) and one
 * `k8ts simulate`; for each size: create, wait for status.readyReplicas = N,
 * report pods/s and the server's CPU and peak memory, then delete the
 * Deployment and wait until its pods are gone.
 *
 * Flags: --sizes 1000,10000 --nodes 100 --timeout SECONDS (per size, 300)
 * --json FILE; --quick: 1,000 replicas on 20 nodes; --cpu-prof-dir DIR writes
 * the server's CPU profile there when it exits. Target: 10,000 replicas Ready in <= 30 s on this machine.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import type { KObject } from "../src/api/types.ts";
import { loadKubeconfig } from "../src/client/kubeconfig.ts";
import { deploymentsRef, namespacesRef, nodesRef, podsRef } from "../src/client/resources.ts";
import { RestClient } from "../src/client/rest-client.ts";
import { freePort } from "../test/e2e/harness.ts";
import { progress, writeJson } from "./lib/args.ts";
import { printTable, type Row } from "./lib/table.ts";
import { ProcessSampler } from "./scale-measure.ts";
import { diffRequestCounts, fetchRequestCounts } from "./controllers-requests.ts";
import { K8tsChild } from "./scale-procs.ts";

const argv = process.argv.slice(2);
const flag = (name: string, fallback: string) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 && argv[i + 1] ? argv[i + 1]! : fallback;
};
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
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function waitFor(what: string, check: () => Promise<boolean>, limitS: number, pollMs = 500) {
  const until = Date.now() + limitS * 1000;
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`timed out after ${limitS} s waiting for ${what}`);
    await sleep(pollMs);
  }
}

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

const dataDir = mkdtempSync(join(tmpdir(), "k8ts-bench-controllers-"));
const port = await freePort();
const server = new K8tsChild(
  "server",
  ["server", "--disable-agent", "--data-dir", dataDir, "--secure-port", String(port)],
  flag("cpu-prof-dir", "") ? ["--cpu-prof", `--cpu-prof-dir=${flag("cpu-prof-dir", "")}`] : [],
  log,
);
let sim: K8tsChild | undefined;
const rows: Row[] = [];
/** API requests per replica while the Deployment rolled out (the busiest kinds). */
const perReplica: Record<string, string | number>[] = [];
try {
  const kubeconfig = join(dataDir, "admin.kubeconfig");
  let client: RestClient | undefined;
  await waitFor(
    "the server",
    async () => {
      if (!server.running) throw new Error(`server exited:\n${server.output()}`);
      try {
        client ??= new RestClient({ ...loadKubeconfig(kubeconfig), qps: 1e6, burst: 1e6 });
        await client.list(namespacesRef);
        return true;
      } catch {
        return false;
      }
    },
    120,
    200,
  );
  const c = client!;
  log(`starting ${nodes} simulated nodes`);
  sim = new K8tsChild(
    "simulate",
    ["simulate", "--nodes", String(nodes), "--kubeconfig", kubeconfig, "--report-interval", "0"],
    [],
    log,
  );
  await waitFor(
    "nodes Ready",
    async () => {
      if (!sim!.running) throw new Error(`simulate exited:\n${sim!.output()}`);
      const list = await c.list<
        KObject & { status?: { conditions?: { type: string; status: string }[] } }
      >(nodesRef);
      return (
        list.items.filter((n) =>
          n.status?.conditions?.some((x) => x.type === "Ready" && x.status === "True"),
        ).length >= nodes
      );
    },
    300,
    1000,
  );
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
    rows.push({
      replicas: size,
      nodes,
      "ready s": seconds.toFixed(1),
      "pods/s": Math.round(size / seconds),
      "server CPU s": used.cpuSeconds.toFixed(1),
      "server peak RSS MiB": Math.round(used.peakRssMiB),
      "load before": load0.toFixed(1),
      target: size === 10_000 ? "<= 30 s" : "",
    });
    // After the last size everything is torn down anyway (and a CPU profile
    // should show the rollout, not the clean-up).
    if (size === sizes[sizes.length - 1]) break;
    await c.delete(deploymentsRef, "default", name, { propagationPolicy: "Background" });
    await waitFor(
      `${name}'s pods gone`,
      async () =>
        (await c.list(podsRef, "default", { labelSelector: `app=${name}`, limit: 1 })).items
          .length === 0,
      timeoutS,
      1000,
    );
  }
  client?.close();
} finally {
  for (const child of [sim, server]) {
    if (child?.running) {
      child.child.kill("SIGTERM");
      await new Promise((r) => child.child.once("exit", r));
    }
    // A failed shutdown is worth seeing (the output is otherwise dropped).
    if (child && child.child.exitCode)
      log(
        `${child.name} exited ${child.child.exitCode}; its output ends:\n${child.output().slice(-3000)}`,
      );
  }
  rmSync(dataDir, { recursive: true, force: true });
}
console.log(
  "controllers benchmark (Deployment created to all replicas Ready; controller manager and scheduler inside k8ts server; simulated nodes)",
);
printTable(rows);
for (const r of perReplica) {
  console.log(`API requests per replica while ${r.replicas} replicas rolled out:`);
  for (const [k, v] of Object.entries(r)) if (k !== "replicas") console.log(`  ${v}  ${k}`);
}
await writeJson(flag("json", "") || undefined, { rows, requestsPerReplica: perReplica });
