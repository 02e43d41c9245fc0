import { test } from "node:test";
import assert from "node:assert/strict";
import { useTestServer } from "./testing/test-server.ts";

const t = useTestServer();

const pods = "/api/v1/namespaces/default/pods";
const pod = (name: string, extra: Record<string, unknown> = {}) => ({
  apiVersion: "v1",
  kind: "Pod",
  metadata: { name, labels: { app: "web" } },
  spec: { containers: [{ name: "c", image: "busybox" }], ...extra },
});
const merge = { "Content-Type": "application/merge-patch+json" };

test("binding assigns a node once", async () => {
  const created = await t.call("POST", pods, pod("b1"));
  assert.equal(created.status, 201);
  const binding = {
    apiVersion: "v1",
    kind: "Binding",
    metadata: { name: "b1" },
    target: { kind: "Node", name: "n1" },
  };
  const bound = await t.call("POST", `${pods}/b1/binding`, binding);
  assert.equal(bound.status, 201, bound.text);
  const boundPod = (await t.call("GET", `${pods}/b1`)).body;
  assert.equal(boundPod.spec.nodeName, "n1");
  // As upstream's assignPod (a storage update), binding records no manager.
  assert.deepEqual(boundPod.metadata.managedFields, created.body.metadata.managedFields);
  const again = await t.call("POST", `${pods}/b1/binding`, {
    ...binding,
    target: { kind: "Node", name: "n2" },
  });
  assert.equal(again.status, 409);
  assert.match(again.body.message, /already assigned to node "n1"/);
  // The bindings resource does the same.
  await t.call("POST", pods, pod("b2"));
  const viaResource = await t.call("POST", "/api/v1/namespaces/default/bindings", {
    ...binding,
    metadata: { name: "b2" },
  });
  assert.equal(viaResource.status, 201, viaResource.text);
});

test("pods on a node are deleted gracefully, unscheduled pods at once", async () => {
  await t.call("POST", pods, pod("g1", { nodeName: "n1" }));
  const del = await t.call("DELETE", `${pods}/g1`);
  assert.equal(del.status, 202, del.text);
  assert.equal(del.body.metadata.deletionGracePeriodSeconds, 30);
  assert.ok(del.body.metadata.deletionTimestamp);
  assert.equal((await t.call("GET", `${pods}/g1`)).status, 200);
  const force = await t.call("DELETE", `${pods}/g1`, { gracePeriodSeconds: 0 });
  assert.equal(force.status, 200, force.text);
  assert.equal((await t.call("GET", `${pods}/g1`)).status, 404);

  await t.call("POST", pods, pod("g2"));
  const now = await t.call("DELETE", `${pods}/g2`);
  assert.equal(now.status, 200);
  assert.equal((await t.call("GET", `${pods}/g2`)).status, 404);
});

test("status updates change only status; spec updates keep status", async () => {
  const created = await t.call("POST", pods, pod("s1"));
  const status = await t.call(
    "PATCH",
    `${pods}/s1/status`,
    { status: { phase: "Running" }, spec: { nodeName: "sneaky" } },
    merge,
  );
  assert.equal(status.status, 200, status.text);
  assert.equal(status.body.status.phase, "Running");
  assert.equal(status.body.spec.nodeName, undefined);
  const main = await t.call(
    "PATCH",
    `${pods}/s1`,
    { status: { phase: "Failed" }, metadata: { labels: { x: "y" } } },
    merge,
  );
  assert.equal(main.body.status.phase, "Running");
  assert.equal(main.body.metadata.labels.x, "y");
  assert.equal(main.body.metadata.uid, created.body.metadata.uid);
});

test("eviction honours PodDisruptionBudgets", async () => {
  await t.call("POST", pods, pod("e1", { nodeName: "n1" }));
  await t.call("PATCH", `${pods}/e1/status`, { status: { phase: "Running" } }, merge);
  const pdb = await t.call("POST", "/apis/policy/v1/namespaces/default/poddisruptionbudgets", {
    apiVersion: "policy/v1",
    kind: "PodDisruptionBudget",
    metadata: { name: "pdb" },
    spec: { minAvailable: 1, selector: { matchLabels: { app: "web" } } },
  });
  assert.equal(pdb.status, 201, pdb.text);
  await t.call(
    "PATCH",
    "/apis/policy/v1/namespaces/default/poddisruptionbudgets/pdb/status",
    {
      status: {
        disruptionsAllowed: 0,
        currentHealthy: 1,
        desiredHealthy: 1,
        expectedPods: 1,
        observedGeneration: pdb.body.metadata.generation,
      },
    },
    merge,
  );
  const eviction = {
    apiVersion: "policy/v1",
    kind: "Eviction",
    metadata: { name: "e1", namespace: "default" },
  };
  const refused = await t.call("POST", `${pods}/e1/eviction`, eviction);
  assert.equal(refused.status, 429, refused.text);
  assert.equal(
    refused.body.message,
    "Cannot evict pod as it would violate the pod's disruption budget.",
  );
  assert.equal(refused.headers.get("retry-after"), "10");

  await t.call(
    "PATCH",
    "/apis/policy/v1/namespaces/default/poddisruptionbudgets/pdb/status",
    { status: { disruptionsAllowed: 1 } },
    merge,
  );
  const allowed = await t.call("POST", `${pods}/e1/eviction`, eviction);
  assert.equal(allowed.status, 201, allowed.text);
  const after = (await t.call("GET", "/apis/policy/v1/namespaces/default/poddisruptionbudgets/pdb"))
    .body;
  assert.equal(after.status.disruptionsAllowed, 0);
  assert.ok(after.status.disruptedPods.e1);
});

test("scale subresource reads and writes spec.replicas", async () => {
  const deploy = {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "d1" },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: "d1" } },
      template: {
        metadata: { labels: { app: "d1" } },
        spec: { containers: [{ name: "c", image: "busybox" }] },
      },
    },
  };
  const created = await t.call("POST", "/apis/apps/v1/namespaces/default/deployments", deploy);
  assert.equal(created.status, 201, created.text);
  const scale = await t.call("GET", "/apis/apps/v1/namespaces/default/deployments/d1/scale");
  assert.equal(scale.body.kind, "Scale");
  assert.equal(scale.body.apiVersion, "autoscaling/v1");
  assert.equal(scale.body.spec.replicas, 1);
  assert.equal(scale.body.status.selector, "app=d1");
  const patched = await t.call(
    "PATCH",
    "/apis/apps/v1/namespaces/default/deployments/d1/scale",
    { spec: { replicas: 4 } },
    merge,
  );
  assert.equal(patched.body.spec.replicas, 4);
  const put = await t.call("PUT", "/apis/apps/v1/namespaces/default/deployments/d1/scale", {
    ...scale.body,
    spec: { replicas: 2 },
  });
  assert.equal(put.status, 409, "stale resourceVersion in a Scale PUT conflicts");
  const d = (await t.call("GET", "/apis/apps/v1/namespaces/default/deployments/d1")).body;
  assert.equal(d.spec.replicas, 4);
  assert.equal(d.metadata.generation, 2);
  const negative = await t.call(
    "PATCH",
    "/apis/apps/v1/namespaces/default/deployments/d1/scale",
    { spec: { replicas: -1 } },
    merge,
  );
  assert.equal(negative.status, 422);
});
