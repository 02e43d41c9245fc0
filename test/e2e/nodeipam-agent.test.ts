/**
 * `k8ts agent` without --pod-cidr (simulated runtime, no containerd) joins a
 * `k8ts server` and runs its kubelet with the podCIDR node IPAM assigned.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { eventually, startCluster, stopChild, type TestCluster } from "./harness.ts";

const bin = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "bin", "k8ts");
let cluster: TestCluster;
let agent: ChildProcess | undefined;
let agentLog = "";
let dir: string;

before(async () => {
  cluster = await startCluster({ args: ["--cluster-cidr", "10.89.0.0/16"] });
  dir = await mkdtemp(join(tmpdir(), "k8ts-nodeipam-agent-"));
});

after(async () => {
  await stopChild(agent);
  await cluster?.stop();
  await rm(dir, { recursive: true, force: true });
});

test("an agent without --pod-cidr runs with the podCIDR node IPAM assigned", async () => {
  const token = (
    await new Promise<string>((resolve, reject) => {
      let out = "";
      const p = spawn(process.execPath, [
        bin,
        "token",
        "create",
        "--kubeconfig",
        cluster.kubeconfig,
      ]);
      p.stdout.on("data", (d: Buffer) => (out += d.toString()));
      p.once("exit", (code) => (code === 0 ? resolve(out) : reject(new Error(`token: ${code}`))));
    })
  ).trim();
  agent = spawn(
    process.execPath,
    [
      bin,
      "agent",
      "--server",
      cluster.url,
      "--token",
      token,
      "--data-dir",
      dir,
      "--node-name",
      "ipam-agent",
      "--container-runtime",
      "simulated",
      "--kubelet-port",
      "0",
      "--disable-kube-proxy",
    ],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  agent.stdout?.on("data", (d: Buffer) => (agentLog += d.toString()));
  agent.stderr?.on("data", (d: Buffer) => (agentLog += d.toString()));
  const wait = { timeoutMs: 120_000, context: () => agentLog.slice(-3000) };
  const cidr = await eventually(
    "the agent's node has a podCIDR",
    async () =>
      (
        await cluster.kubectlOk(["get", "node", "ipam-agent", "-o", "jsonpath={.spec.podCIDR}"])
      ).trim() || undefined,
    wait,
  );
  assert.match(cidr, /^10\.89\.\d{1,3}\.0\/24$/);
  await eventually("the agent joined", async () => agentLog.includes("joined"), wait);
  assert.ok(agentLog.includes(`podCIDR ${cidr}`), agentLog.slice(-3000));
  assert.match(agentLog, /waiting for node ipam-agent's podCIDR/);
});
