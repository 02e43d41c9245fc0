/**
 * The controller manager inside `k8ts server` (service-account credentials
 * on, as by default): the node lifecycle flags reach its controller, and the
 * protection controllers work under their own system:controller roles.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { kubectlJson } from "./controller-manager.ts";
import { eventually, startCluster, type TestCluster } from "./harness.ts";

let cluster: TestCluster;

before(async () => {
  cluster = await startCluster({ args: ["--node-monitor-grace-period=3s"] });
});

after(async () => {
  await cluster?.stop();
});

test("k8ts server --node-monitor-grace-period reaches the node lifecycle controller", async () => {
  const stamp = new Date().toISOString().replace(/\.\d+Z/, "Z");
  const status = {
    conditions: [
      {
        type: "Ready",
        status: "True",
        reason: "KubeletReady",
        lastHeartbeatTime: stamp,
        lastTransitionTime: stamp,
      },
    ],
  };
  const node = { apiVersion: "v1", kind: "Node", metadata: { name: "silent" } };
  await cluster.kubectlOk(["create", "-f", "-"], { input: JSON.stringify(node) });
  // The controllers write the new node too (taints, pod CIDR): read-modify-write, again on
  // a 409 Conflict, as a kubelet does.
  await eventually("node status written", async () => {
    const res = await cluster.request(
      "PUT",
      "/api/v1/nodes/silent/status",
      JSON.stringify({ ...(await kubectlJson(cluster, ["get", "node", "silent"])), status }),
      { "Content-Type": "application/json" },
    );
    if (res.status === 409) return false;
    assert.equal(res.status, 200, res.body);
    return true;
  });
  // The controller cannot have seen the heartbeat before now.
  const written = Date.now();
  // With the default 50 s this node would stay Ready for 50 s after the
  // controller first saw it; with 3 s it goes Unknown long before that.
  const ready = await eventually(
    "node Ready Unknown",
    async () => {
      const n = await kubectlJson(cluster, ["get", "node", "silent"]);
      const c = n.status.conditions.find((x: { type: string }) => x.type === "Ready");
      return c.status === "Unknown" && c;
    },
    { timeoutMs: 90_000, context: () => cluster.logs() },
  );
  assert.equal(ready.reason, "NodeStatusUnknown");
  // The controller's own record (not how fast this test saw it, which load slows): it gave
  // up on the heartbeat long before the default 50 s after it could first see it.
  const silentMs = Date.parse(ready.lastTransitionTime) - written;
  assert.ok(silentMs < 50_000, `went Unknown ${silentMs} ms after the heartbeat was written`);
});

test("pvc-protection and pv-protection run as their own service accounts and may do their work", async () => {
  for (const sa of ["pvc-protection-controller", "pv-protection-controller"]) {
    await eventually(`service account kube-system/${sa}`, async () => {
      const r = await cluster.kubectl(["get", "serviceaccount", "-n", "kube-system", sa]);
      return r.code === 0;
    });
    const role = await kubectlJson(cluster, ["get", "clusterrole", `system:controller:${sa}`]);
    assert.ok(role.rules.length > 0, sa);
  }
  await cluster.kubectlOk(["apply", "-f", "-"], {
    input: [
      "apiVersion: v1",
      "kind: PersistentVolumeClaim",
      "metadata: {name: held}",
      "spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Gi}}}",
      "---",
      "apiVersion: v1",
      "kind: Pod",
      "metadata: {name: claimer}",
      "spec:",
      "  nodeName: node-x",
      "  containers: [{name: c, image: busybox}]",
      "  volumes: [{name: d, persistentVolumeClaim: {claimName: held}}]",
      "---",
      "apiVersion: v1",
      "kind: PersistentVolume",
      "metadata: {name: spare}",
      // Another class than the claim's: the binder leaves it Available.
      "spec: {capacity: {storage: 1Gi}, accessModes: [ReadWriteOnce], storageClassName: spare, hostPath: {path: /tmp/spare}}",
      "",
    ].join("\n"),
  });
  // The finalizers come from admission; only the controllers (as their
  // service accounts) remove them.
  assert.deepEqual((await kubectlJson(cluster, ["get", "pv", "spare"])).metadata.finalizers, [
    "kubernetes.io/pv-protection",
  ]);
  await cluster.kubectlOk(["delete", "pv", "spare", "--timeout=60s"]);
  await cluster.kubectlOk(["delete", "pvc", "held", "--wait=false"]);
  await eventually("claim Terminating", async () =>
    /\bTerminating\b/.test(await cluster.kubectlOk(["get", "pvc", "held", "--no-headers"])),
  );
  await cluster.kubectlOk(["delete", "pod", "claimer", "--grace-period=0", "--force"]);
  await eventually("claim gone once its pod is", async () => {
    const out = await cluster.kubectl(["get", "pvc", "held"]);
    return out.code !== 0 && /NotFound/.test(out.stderr);
  });
});

test("the persistentvolume-binder binds a claim to a matching volume, as kubectl shows", async () => {
  await cluster.kubectlOk(["apply", "-f", "-"], {
    input: [
      "apiVersion: v1",
      "kind: PersistentVolume",
      "metadata: {name: task-pv}",
      "spec: {storageClassName: manual, capacity: {storage: 2Gi}, accessModes: [ReadWriteOnce], hostPath: {path: /tmp/task-pv}}",
      "---",
      "apiVersion: v1",
      "kind: PersistentVolumeClaim",
      "metadata: {name: task-pvc}",
      "spec: {storageClassName: manual, accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Gi}}}",
      "",
    ].join("\n"),
  });
  const row = await eventually("task-pvc Bound", async () => {
    const out = await cluster.kubectlOk(["get", "pvc", "task-pvc", "--no-headers"]);
    return /\bBound\b/.test(out) ? out.trim().split(/\s+/) : undefined;
  });
  // NAME STATUS VOLUME CAPACITY ACCESS MODES STORAGECLASS ...
  assert.deepEqual(row.slice(0, 6), ["task-pvc", "Bound", "task-pv", "2Gi", "RWO", "manual"]);
  const pv = (await cluster.kubectlOk(["get", "pv", "task-pv", "--no-headers"]))
    .trim()
    .split(/\s+/);
  assert.equal(pv[4], "Bound");
  assert.equal(pv[5], "default/task-pvc");
  // As its own service account, with upstream's role.
  const role = await kubectlJson(cluster, [
    "get",
    "clusterrole",
    "system:controller:persistent-volume-binder",
  ]);
  assert.ok(role.rules.length > 0);
});
