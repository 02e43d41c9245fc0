/**
 * Graceful node shutdown on real containerd/runc/CNI (pod CIDR
 * 10.42.209.0/24): with shutdownGracePeriod set, stopping the kubelet
 * first reports the node NotReady ("node is shutting down"), then stops
 * its pods within their grace periods (a TERM trap runs) and leaves them
 * in the API Failed with reason Terminated and a DisruptionTarget
 * condition. Everything is removed at the end.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { startKubeletNode, type KubeletNode } from "./kubelet-node.ts";

let node: KubeletNode;

before(async () => {
  node = await startKubeletNode({
    prefix: "shut",
    podCIDR: "10.42.209.0/24",
    waitForServiceAccount: true,
    kubelet: { shutdown: { gracePeriodMs: 20_000, criticalGracePeriodMs: 5_000 } },
  });
});

after(async () => {
  await node?.stop();
});

test("stopping the kubelet shuts its pods down gracefully and marks them Terminated", async () => {
  const { cluster } = node;
  await cluster.kubectlOk(["apply", "-f", "-"], {
    input: node.podManifest(
      "web",
      "trap 'echo got TERM > /state/term; exit 0' TERM; while true; do sleep 1; done",
      {
        restartPolicy: "Always",
        spec: {
          terminationGracePeriodSeconds: 10,
          volumes: [
            {
              name: "state",
              hostPath: { path: `${node.dataDir}/web-state`, type: "DirectoryOrCreate" },
            },
          ],
        },
        container: { volumeMounts: [{ name: "state", mountPath: "/state" }] },
      },
    ),
  });
  await node.podInPhase("web", "Running");
  await node.stopKubelet();
  const p = await node.getPod("web");
  assert.equal(p.status?.phase, "Failed");
  assert.equal(p.status?.reason, "Terminated");
  assert.equal(p.status?.message, "Pod was terminated in response to imminent node shutdown.");
  const target = p.status?.conditions?.find((c) => c.type === "DisruptionTarget");
  assert.equal(target?.status, "True");
  assert.equal(target?.reason, "TerminationByKubelet");
  // The container ended on its TERM trap (exit 0), within the grace period.
  const cs = p.status?.containerStatuses?.[0];
  assert.equal(cs?.state?.terminated?.exitCode, 0, JSON.stringify(cs));
  assert.equal(readFileSync(`${node.dataDir}/web-state/term`, "utf8"), "got TERM\n");
  const ready = await node.nodeCondition("Ready");
  assert.equal(ready.status, "False");
  assert.equal(ready.message, "node is shutting down");
});
