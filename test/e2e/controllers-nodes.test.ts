/**
 * The controller manager as a real process against a real API server: the
 * node lifecycle controller marks a silent node Unknown and taints it, and
 * the pod garbage collector removes its pods once it is deleted. No kubelet
 * runs here: tests play one that only heartbeats.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { kubectlJson, useClusterWithManager } from "./controller-manager.ts";

const env = useClusterWithManager();

test("a silent node goes Unknown and gets unreachable taints; its pods go when it is deleted", async () => {
  // A second node keeps renewing its Lease: were every node silent, the
  // controller would (as upstream) take it for its own outage and taint nobody.
  const steady = await heartbeatingNode("steady");
  const now = new Date().toISOString().replace(/\.\d+Z/, "Z");
  const node = {
    apiVersion: "v1",
    kind: "Node",
    metadata: { name: "quiet", labels: { "kubernetes.io/hostname": "quiet" } },
    status: {
      conditions: [
        {
          type: "Ready",
          status: "True",
          reason: "KubeletReady",
          lastHeartbeatTime: now,
          lastTransitionTime: now,
        },
      ],
      capacity: { cpu: "2", memory: "4Gi", pods: "110" },
    },
  };
  await env.cluster.kubectlOk(["create", "-f", "-"], { input: JSON.stringify(node) });
  await env.cluster.request(
    "PUT",
    "/api/v1/nodes/quiet/status",
    JSON.stringify({ ...node, status: node.status }),
    {
      "Content-Type": "application/json",
    },
  );
  const pod = {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "stranded" },
    spec: {
      nodeName: "quiet",
      containers: [{ name: "c", image: "busybox" }],
      tolerations: [
        {
          key: "node.kubernetes.io/unreachable",
          operator: "Exists",
          effect: "NoExecute",
          tolerationSeconds: 1,
        },
      ],
    },
  };
  await env.cluster.kubectlOk(["create", "-f", "-"], { input: JSON.stringify(pod) });
  const quiet = await env.eventually("node Unknown with unreachable taints", async () => {
    const n = await kubectlJson(env.cluster, ["get", "node", "quiet"]);
    const ready = n.status.conditions.find((c: any) => c.type === "Ready");
    const keys = (n.spec.taints ?? []).map((t: any) => `${t.key}:${t.effect}`);
    return (
      ready.status === "Unknown" && keys.includes("node.kubernetes.io/unreachable:NoExecute") && n
    );
  });
  assert.equal(
    quiet.status.conditions.find((c: any) => c.type === "Ready").reason,
    "NodeStatusUnknown",
  );
  // Evicted: marked for deletion; with no kubelet to confirm, it stays Terminating until the node goes.
  await env.eventually(
    "the intolerant pod evicted",
    async () =>
      (await kubectlJson(env.cluster, ["get", "pod", "stranded"])).metadata.deletionTimestamp,
  );
  await env.cluster.kubectlOk(["cordon", "quiet"]);
  await env.eventually("unschedulable taint", async () => {
    const n = await kubectlJson(env.cluster, ["get", "node", "quiet"]);
    return (n.spec.taints ?? []).some(
      (t: any) => t.key === "node.kubernetes.io/unschedulable" && t.effect === "NoSchedule",
    );
  });
  const table = await env.cluster.kubectlOk(["get", "node", "quiet"]);
  assert.match(table, /quiet\s+NotReady,SchedulingDisabled/);
  // Deleting the node lets the pod garbage collector remove its orphaned pods
  // (after upstream's 40 s quarantine, checked every 20 s).
  await env.cluster.kubectlOk(["delete", "node", "quiet"]);
  await env.eventually(
    "orphaned pod removed",
    async () => (await env.cluster.kubectl(["get", "pod", "stranded"])).code !== 0,
    { timeoutMs: 240_000 },
  );
  const steadyNode = await kubectlJson(env.cluster, ["get", "node", "steady"]);
  assert.equal(
    steadyNode.status.conditions.find((c: any) => c.type === "Ready").status,
    "True",
    "the heartbeating node stayed Ready",
  );
  await steady.stop();
});

/**
 * Plays a kubelet that only heartbeats: a Ready node whose Lease in
 * kube-node-lease is renewed every 5 s until stop() (which deletes both).
 */
async function heartbeatingNode(name: string): Promise<{ stop(): Promise<void> }> {
  const now = () => new Date().toISOString().replace(/Z$/, "000Z");
  const stampNow = new Date().toISOString().replace(/\.\d+Z/, "Z");
  const node = {
    apiVersion: "v1",
    kind: "Node",
    metadata: { name },
    status: {
      conditions: [
        {
          type: "Ready",
          status: "True",
          reason: "KubeletReady",
          lastHeartbeatTime: stampNow,
          lastTransitionTime: stampNow,
        },
      ],
    },
  };
  await env.cluster.kubectlOk(["create", "-f", "-"], { input: JSON.stringify(node) });
  await env.cluster.request("PUT", `/api/v1/nodes/${name}/status`, JSON.stringify(node), {
    "Content-Type": "application/json",
  });
  const lease = {
    apiVersion: "coordination.k8s.io/v1",
    kind: "Lease",
    metadata: { name, namespace: "kube-node-lease" },
    spec: { holderIdentity: name, leaseDurationSeconds: 40, renewTime: now() },
  };
  await env.cluster.kubectlOk(["create", "-f", "-"], { input: JSON.stringify(lease) });
  const renew = setInterval(() => {
    void env.cluster
      .request(
        "PATCH",
        `/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/${name}`,
        JSON.stringify({ spec: { renewTime: now() } }),
        { "Content-Type": "application/merge-patch+json" },
      )
      .catch(() => {});
  }, 5_000);
  renew.unref(); // a failed test must not keep the process alive
  return {
    async stop() {
      clearInterval(renew);
      await env.cluster.kubectlOk(["delete", "node", name]);
      await env.cluster.kubectlOk(["-n", "kube-node-lease", "delete", "lease", name]);
    },
  };
}
