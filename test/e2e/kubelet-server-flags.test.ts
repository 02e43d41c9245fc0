/**
 * The kubelet's flags given to `k8ts server` reach its in-process kubelet:
 * one `k8ts server` (with its node, own containerd, no kube-proxy) runs
 * inside a network namespace this test creates, started with eviction,
 * image GC and dead-container flags; the kubelet's /configz, read through
 * the API server's nodes/proxy, shows them, and a bad flag value stops the
 * server before anything starts. Pod CIDR 10.42.207.0/24. Everything is
 * removed at the end.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { execFile, execFileSync, spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { eventually } from "./harness.ts";

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const suffix = Math.random().toString(36).slice(2, 7);
const netns = `k8ts-test-${suffix}-kf`;
const nodeName = `kubelet-flags-${suffix}`;
const dataDir = mkdtempSync(join(tmpdir(), "k8ts-kubelet-flags-"));
const kubeconfig = join(dataDir, "admin.kubeconfig");
let server: ChildProcess | undefined;
let output = "";

/** Runs a command inside the test's network namespace. */
function inNs(
  cmd: string,
  args: string[],
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      "nsenter",
      [`--net=/var/run/netns/${netns}`, cmd, ...args],
      { maxBuffer: 16 * 1024 * 1024, timeout: 120_000 },
      (err, stdout, stderr) =>
        resolve({
          code: err ? (typeof err.code === "number" ? err.code : 1) : 0,
          stdout: stdout.toString(),
          stderr: stderr.toString(),
        }),
    );
  });
}

const kubectl = (args: string[]) => inNs("kubectl", ["--kubeconfig", kubeconfig, ...args]);

const serverArgs = (extra: string[]) => [
  `--net=/var/run/netns/${netns}`,
  process.execPath,
  join(repoRoot, "bin", "k8ts"),
  "server",
  "--data-dir",
  dataDir,
  "--bind-address",
  "127.0.0.1",
  "--secure-port",
  "6443",
  "--node-name",
  nodeName,
  "--pod-cidr",
  "10.42.207.0/24",
  "--cgroup-root",
  `/k8ts-kubelet-flags-${suffix}`,
  "--disable-kube-proxy",
  ...extra,
];

before(async () => {
  execFileSync("ip", ["netns", "add", netns]);
  execFileSync("ip", ["-n", netns, "link", "set", "lo", "up"]);
  server = spawn(
    "nsenter",
    serverArgs([
      "--eviction-hard",
      "memory.available<150Mi,nodefs.available<7%",
      "--eviction-soft",
      "nodefs.available<12%",
      "--eviction-soft-grace-period",
      "nodefs.available=2m0s",
      "--eviction-max-pod-grace-period",
      "20",
      "--eviction-minimum-reclaim",
      "nodefs.available=1Gi",
      "--eviction-pressure-transition-period",
      "1m0s",
      "--image-gc-high-threshold",
      "92",
      "--image-gc-low-threshold",
      "75",
      "--image-minimum-gc-age",
      "10m",
      "--maximum-dead-containers-per-container",
      "2",
    ]),
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  server.stdout?.on("data", (d: Buffer) => (output += d.toString()));
  server.stderr?.on("data", (d: Buffer) => (output += d.toString()));
  await eventually(
    "the server and its node are ready",
    async () => {
      if (server?.exitCode !== null) throw new Error(`k8ts server exited:\n${output}`);
      if (!existsSync(kubeconfig)) return undefined;
      const r = await kubectl([
        "get",
        "node",
        nodeName,
        "-o",
        `jsonpath={.status.conditions[?(@.type=="Ready")].status}`,
      ]);
      return r.stdout.trim() === "True" ? true : undefined;
    },
    { timeoutMs: 180_000, context: () => output.slice(-3000) },
  );
});

after(async () => {
  if (server && server.exitCode === null) {
    const exited = new Promise((r) => server!.once("exit", r));
    server.kill("SIGTERM");
    const timer = setTimeout(() => server?.kill("SIGKILL"), 90_000);
    await exited;
    clearTimeout(timer);
  }
  execFileSync("ip", ["netns", "delete", netns]);
  rmSync(dataDir, { recursive: true, force: true });
});

test("k8ts server's kubelet flags show in its kubelet's /configz", async () => {
  const r = await kubectl(["get", "--raw", `/api/v1/nodes/${nodeName}/proxy/configz`]);
  assert.equal(r.code, 0, r.stderr);
  const c = JSON.parse(r.stdout).kubeletconfig;
  assert.deepEqual(c.evictionHard, { "memory.available": "150Mi", "nodefs.available": "7%" });
  assert.deepEqual(c.evictionSoft, { "nodefs.available": "12%" });
  assert.deepEqual(c.evictionSoftGracePeriod, { "nodefs.available": "2m0s" });
  assert.deepEqual(c.evictionMinimumReclaim, { "nodefs.available": "1Gi" });
  assert.equal(c.evictionMaxPodGracePeriod, 20);
  assert.equal(c.evictionPressureTransitionPeriod, "1m0s");
  assert.equal(c.imageGCHighThresholdPercent, 92);
  assert.equal(c.imageGCLowThresholdPercent, 75);
  assert.equal(c.imageMinimumGCAge, "10m0s");
  assert.equal(c.podCIDR, "10.42.207.0/24");
});

test("a bad kubelet flag stops k8ts server before it starts anything", async () => {
  const other = mkdtempSync(join(tmpdir(), "k8ts-kubelet-flags-bad-"));
  try {
    const r = await new Promise<{ code: number | null; out: string }>((resolve) => {
      const p = spawn(
        process.execPath,
        [
          join(repoRoot, "bin", "k8ts"),
          "server",
          "--data-dir",
          other,
          "--secure-port",
          "0",
          "--image-gc-low-threshold",
          "95",
        ],
        { stdio: ["ignore", "pipe", "pipe"] },
      );
      let out = "";
      p.stdout.on("data", (d: Buffer) => (out += d.toString()));
      p.stderr.on("data", (d: Buffer) => (out += d.toString()));
      p.once("exit", (code) => resolve({ code, out }));
    });
    assert.notEqual(r.code, 0);
    assert.match(r.out, /imageGCLowThresholdPercent \(--image-gc-low-threshold\) 95 must be less/);
    assert.ok(!existsSync(join(other, "admin.kubeconfig")), "nothing was started");
  } finally {
    rmSync(other, { recursive: true, force: true });
  }
});
