// The renewing side of bench/lease-cost.ts, run as a child process with the
// build under test: it imports that checkout's compiled simulator code
// (dist/src/...), so an A/B compares the simulator's side of a renewal too.
//
//   node lease-cost-client.mjs ROOT KUBECONFIG NODES
//
// On start it registers NODES Nodes (Ready) and their Leases (as the
// simulator's hollow nodes do) and answers {type:"ready"}. Then, per
// {type:"run", rate, seconds} message, it renews the Leases round-robin at
// `rate` renewals per second (a 10 ms tick) for `seconds`, and answers
// {type:"done", renewals, errors, connects, cpuMs, latencies: [p50, p99]} with its own
// CPU (process.cpuUsage) over that window. {type:"stop"} ends it.
import tls from "node:tls";
import { pathToFileURL } from "node:url";
import { join } from "node:path";

const [root, kubeconfig, nodesArg] = process.argv.slice(2);
const load = (path) => import(pathToFileURL(join(root, "dist", "src", path)).href);
const { RestClient } = await load("client/rest-client.js");
const { loadKubeconfig } = await load("client/kubeconfig.js");
const { nodesRef } = await load("client/resources.js");
const { realClock } = await load("client/clock.js");
const { LeaseRenewer } = await load("simulate/lease-renewer.js");

// TLS connections opened (each a handshake on both sides), counted per phase.
let connects = 0;
const connect = tls.connect;
tls.connect = (...args) => {
  connects++;
  return connect(...args);
};

const nodes = Number(nodesArg);
const client = new RestClient({ ...loadKubeconfig(kubeconfig), qps: -1 });
const renewers = [];
for (let i = 0; i < nodes; i++) {
  const name = `lease-cost-${i}`;
  const now = new Date().toISOString().replace(/\.\d+Z$/, "Z");
  const node = await client.create(nodesRef, undefined, {
    apiVersion: "v1",
    kind: "Node",
    metadata: { name },
    status: {
      conditions: [
        {
          type: "Ready",
          status: "True",
          reason: "KubeletReady",
          message: "bench",
          lastHeartbeatTime: now,
          lastTransitionTime: now,
        },
      ],
    },
  });
  const r = new LeaseRenewer(client, realClock, name);
  await r.create(node.metadata.uid);
  renewers.push(r);
}

/** Renews at `rate`/s for `seconds`: each 10 ms tick starts the renewals due by then. */
async function run(rate, seconds) {
  const latencies = [];
  let errors = 0;
  let started = 0;
  let next = 0;
  const busy = new Set();
  const inflight = new Set();
  const cpu0 = process.cpuUsage();
  const connects0 = connects;
  const t0 = performance.now();
  const end = t0 + seconds * 1000;
  while (performance.now() < end) {
    const due = Math.floor(((performance.now() - t0) / 1000) * rate);
    while (started < due) {
      started++;
      const i = next;
      next = (next + 1) % renewers.length;
      if (busy.has(i)) {
        errors++; // still renewing from the last round: the client is behind
        continue;
      }
      busy.add(i);
      const t = performance.now();
      const p = renewers[i]
        .renew()
        .then(
          () => latencies.push(performance.now() - t),
          () => errors++,
        )
        .finally(() => {
          busy.delete(i);
          inflight.delete(p);
        });
      inflight.add(p);
    }
    await new Promise((r) => setTimeout(r, 10));
  }
  await Promise.all(inflight);
  const cpu = process.cpuUsage(cpu0);
  latencies.sort((a, b) => a - b);
  const at = (q) =>
    latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0;
  return {
    type: "done",
    renewals: latencies.length,
    errors,
    connects: connects - connects0,
    cpuMs: (cpu.user + cpu.system) / 1000,
    latencies: [at(0.5), at(0.99)],
  };
}

process.on("message", (m) => {
  if (m.type === "run") void run(m.rate, m.seconds).then((r) => process.send(r));
  else if (m.type === "stop") {
    client.close();
    process.disconnect();
  }
});
process.send({ type: "ready" });
