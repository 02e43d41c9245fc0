/**
 * The kubelet's flags given to `k8ts server` reach its in-process kubelet:
 * one `k8ts server` (with its node, own containerd, no kube-proxy) runs
 * inside a network namespace this test creates, started with eviction,
 * image GC and dead-container flags; the kubelet's /configz, read through
 * the API server's nodes/proxy, shows them, and a bad flag value stops the
 * server before anything starts. Pod CIDR 10.42.207.0/24. Everything is
 * removed at the end.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { eventually } from "./harness.ts";
import { repoRoot, useNetnsServer } from "./netns-server.ts";

const cluster = useNetnsServer({
  tag: "kf",
  podCidr: "10.42.207.0/24",
  args: [
    "--disable-kube-proxy",
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
  ],
});
const { kubectl, nodeName } = cluster;

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

test("k8ts server's own node shows ROLES control-plane (labelled by the server)", async () => {
  const roles = await eventually(
    "the control-plane role on the server's node",
    async () => {
      const r = await kubectl(["get", "node", nodeName, "--no-headers"]);
      const role = r.stdout.trim().split(/\s+/)[2];
      return role === "control-plane" ? role : undefined;
    },
    { context: cluster.log },
  );
  assert.equal(roles, "control-plane");
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
