/**
 * kube-proxy with the real kubelet and containerd: the whole node (API
 * server, kubelet, containerd, pods, proxy) runs in a network namespace
 * this test creates, so its iptables rules and routes never touch the host
 * or other tests. A Deployment behind a NodePort service answers on its
 * ClusterIP from both pods and on 127.0.0.1:30081; scaled to zero, the
 * ClusterIP refuses connections.
 */
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const netns = `k8ts-test-${Math.random().toString(36).slice(2, 8)}-kp`;
execFileSync("ip", ["netns", "add", netns]);
execFileSync("ip", ["-n", netns, "link", "set", "lo", "up"]);

after(() => {
  execFileSync("ip", ["netns", "delete", netns]);
});

test("a Deployment behind a NodePort service is reachable through the proxy; scaled to zero it refuses", async () => {
  const child = spawn(
    "nsenter",
    [
      `--net=/var/run/netns/${netns}`,
      process.execPath,
      "--import",
      "tsx",
      join(here, "proxy-kubelet-node.ts"),
    ],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  let out = "";
  let err = "";
  child.stdout.on("data", (d) => (out += d));
  child.stderr.on("data", (d) => (err += d));
  const code = await new Promise<number | null>((resolve) => {
    const t = setTimeout(() => child.kill("SIGTERM"), 280_000);
    child.on("exit", (c) => (clearTimeout(t), resolve(c)));
  });
  const line = out.trim().split("\n").pop() ?? "";
  assert.equal(code, 0, `exit ${code}\n${err.slice(-3000)}`);
  const r = JSON.parse(line) as Record<string, any>;
  assert.equal(r.error, undefined, `${r.error}\n${err.slice(-3000)}`);
  assert.match(r.clusterIP, /^10\.43\./);
  assert.deepEqual(r.backends, r.pods, "both pods answered (hostname = pod name)");
  assert.equal(r.nodePort.code, 0);
  assert.ok(r.pods.includes(r.nodePort.body), r.nodePort.body);
  assert.equal(r.afterScaleToZero.code, 7);
});
