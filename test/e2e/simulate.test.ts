/**
 * `k8ts simulate --nodes 20` against `k8ts server --disable-agent`: the
 * hollow nodes register Ready with zones and the requested taint, a
 * Deployment of 50 pods runs on them, a Job's pod completes, deleting the
 * Deployment removes its pods, and the nodes' Leases are renewed.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { eventually as poll, startCluster, type TestCluster } from "./harness.ts";

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const nodes = 20;

let cluster: TestCluster;
let sim: ChildProcess;
let simExit: Promise<number | null>;
let output = "";

/** The harness's eventually, with the simulator's output as context. */
const eventually = <T>(what: string, check: () => Promise<T | undefined>) =>
  poll(what, check, { context: () => output.slice(-2000) });

before(async () => {
  cluster = await startCluster();
  sim = spawn(
    process.execPath,
    [
      join(repoRoot, "bin", "k8ts"),
      "simulate",
      "--nodes",
      String(nodes),
      "--kubeconfig",
      cluster.kubeconfig,
      "--register-with-taints",
      "simulated=true:PreferNoSchedule",
      "--report-interval",
      "0",
    ],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  sim.stdout?.on("data", (d: Buffer) => (output += d.toString()));
  sim.stderr?.on("data", (d: Buffer) => (output += d.toString()));
  simExit = new Promise((resolve) => sim.once("exit", (code) => resolve(code)));
  await eventually("registration", async () =>
    /nodes registered/.test(output) ? true : undefined,
  );
});

after(async () => {
  if (sim?.exitCode === null) {
    sim.kill("SIGTERM");
    const code = await simExit;
    assert.equal(code, 0, `simulate exited with ${code}:\n${output.slice(-2000)}`);
  }
  await cluster?.stop();
});

test("hollow nodes register Ready with zones and taints", async () => {
  const out = await cluster.kubectlOk([
    "get",
    "nodes",
    "-o",
    'jsonpath={range .items[*]}{.metadata.name} {.status.conditions[?(@.type=="Ready")].status} {.metadata.labels.topology\\.kubernetes\\.io/zone} {.spec.taints[0].key}{"\\n"}{end}',
  ]);
  const lines = out.trim().split("\n");
  assert.equal(lines.length, nodes);
  const zones = new Set<string>();
  for (const line of lines) {
    const [name, ready, zone, taint] = line.split(" ");
    assert.match(name!, /^hollow-node-\d+$/);
    assert.equal(ready, "True", line);
    assert.equal(taint, "simulated", line);
    zones.add(zone!);
  }
  assert.deepEqual([...zones].sort(), ["zone-a", "zone-b", "zone-c"]);
});

test("a Deployment of 50 pods runs on the hollow nodes, and deleting it removes them", async () => {
  await cluster.kubectlOk(["create", "deployment", "web", "--image=nginx", "--replicas=50"]);
  const running = await eventually("50 pods Running", async () => {
    const out = await cluster.kubectlOk([
      "get",
      "pods",
      "-l",
      "app=web",
      "-o",
      'jsonpath={range .items[*]}{.status.phase} {.spec.nodeName} {.status.podIP}{"\\n"}{end}',
    ]);
    const rows = out.trim().split("\n").filter(Boolean);
    return rows.length === 50 && rows.every((r) => r.startsWith("Running ")) ? rows : undefined;
  });
  const usedNodes = new Set(running.map((r) => r.split(" ")[1]));
  assert.ok(usedNodes.size > 1, "pods spread over several nodes");
  const ips = running.map((r) => r.split(" ")[2]);
  assert.equal(new Set(ips).size, 50, "every pod has its own IP");
  await eventually("deployment available", async () => {
    const out = await cluster.kubectlOk([
      "get",
      "deployment",
      "web",
      "-o",
      "jsonpath={.status.availableReplicas}",
    ]);
    return out === "50" ? true : undefined;
  });
  await cluster.kubectlOk(["delete", "deployment", "web"]);
  await eventually("pods gone", async () => {
    const out = await cluster.kubectlOk(["get", "pods", "-l", "app=web", "-o", "name"]);
    return out.trim() === "" ? true : undefined;
  });
});

test("a Job's pod completes on a hollow node", async () => {
  await cluster.kubectlOk(["create", "job", "once", "--image=busybox", "--", "sleep", "3600"]);
  await eventually("job complete", async () => {
    const out = await cluster.kubectlOk([
      "get",
      "job",
      "once",
      "-o",
      "jsonpath={.status.succeeded}",
    ]);
    return out === "1" ? true : undefined;
  });
  const phase = await cluster.kubectlOk([
    "get",
    "pods",
    "-l",
    "job-name=once",
    "-o",
    "jsonpath={.items[0].status.phase}",
  ]);
  assert.equal(phase, "Succeeded");
});

test("node leases are renewed", async () => {
  const renewTime = () =>
    cluster.kubectlOk([
      "get",
      "lease",
      "-n",
      "kube-node-lease",
      "hollow-node-7",
      "-o",
      "jsonpath={.spec.renewTime}",
    ]);
  const first = await renewTime();
  assert.ok(first, "lease exists");
  const next = await eventually("lease renewed", async () => {
    const t = await renewTime();
    return t !== first ? t : undefined;
  });
  assert.ok(Date.parse(next) > Date.parse(first));
});

test("kubectl top and an HPA work on simulated nodes' usage", async () => {
  await cluster.kubectlOk(["apply", "-f", "-"], {
    input: [
      "apiVersion: apps/v1",
      "kind: Deployment",
      "metadata: {name: busy}",
      "spec:",
      "  replicas: 1",
      "  selector: {matchLabels: {app: busy}}",
      "  template:",
      "    metadata:",
      "      labels: {app: busy}",
      "      annotations: {simulate.k8ts.io/cpu-usage: 90m, simulate.k8ts.io/memory-usage: 64Mi}",
      "    spec:",
      "      containers:",
      "      - name: main",
      "        image: nginx",
      "        resources: {requests: {cpu: 100m, memory: 100Mi}}",
      "",
    ].join("\n"),
  });
  // The first sample right after a start is a rate over less than a second; later ones are exact.
  const top = await eventually("kubectl top pod shows the simulated usage", async () => {
    const out = await cluster.kubectlOk(["top", "pod", "-l", "app=busy", "--no-headers"]);
    return /busy-\S+\s+90m\s+64Mi/.test(out) ? out : undefined;
  });
  assert.match(top, /^busy-/);
  const nodes = await cluster.kubectlOk(["top", "node", "--no-headers"]);
  assert.equal(nodes.trim().split("\n").length, nodes_count());
  await cluster.kubectlOk([
    "autoscale",
    "deployment",
    "busy",
    "--cpu-percent=50",
    "--min=1",
    "--max=2",
  ]);
  const hpa = JSON.parse(await cluster.kubectlOk(["get", "hpa", "busy", "-o", "json"])) as {
    apiVersion: string;
    spec: Record<string, unknown>;
  };
  assert.equal(hpa.apiVersion, "autoscaling/v2");
  assert.deepEqual(hpa.spec.metrics, [
    {
      type: "Resource",
      resource: { name: "cpu", target: { type: "Utilization", averageUtilization: 50 } },
    },
  ]);
  await eventually("HPA scaled to 2", async () => {
    const out = await cluster.kubectlOk([
      "get",
      "deployment",
      "busy",
      "-o",
      "jsonpath={.spec.replicas}",
    ]);
    return out === "2" ? true : undefined;
  });
  // The controller writes the HPA's status after the scale: a read right after can precede it.
  const status = await eventually("the HPA's status after the scale", async () => {
    const out = await cluster.kubectlOk([
      "get",
      "hpa",
      "busy",
      "-o",
      'jsonpath={.status.desiredReplicas} {.status.currentMetrics[0].resource.current.averageUtilization} {.status.conditions[?(@.type=="ScalingLimited")].reason}',
    ]);
    return out.startsWith("2 ") ? out : undefined;
  });
  assert.match(status, /^2 90 (DesiredWithinRange|TooManyReplicas)$/);
  // The controller posts its event without waiting for it: it can come after the scale.
  const rescaled =
    /New size: 2; reason: cpu resource utilization \(percentage of request\) above target/;
  await eventually("the SuccessfulRescale event", async () => {
    const events = await cluster.kubectlOk([
      "get",
      "events",
      "--field-selector",
      "reason=SuccessfulRescale",
      "-o",
      "jsonpath={.items[*].message}",
    ]);
    return rescaled.test(events) || undefined;
  });
});

const nodes_count = () => nodes;
