/**
 * The official JavaScript client (@kubernetes/client-node 1.x) against a real
 * `k8ts server`: list, informer watch, create, patch, delete, stale updates.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import * as k8s from "@kubernetes/client-node";
import { startCluster, type TestCluster } from "./harness.ts";

let cluster: TestCluster;
let core: k8s.CoreV1Api;
let apps: k8s.AppsV1Api;
let kc: k8s.KubeConfig;

before(async () => {
  cluster = await startCluster();
  kc = new k8s.KubeConfig();
  kc.loadFromFile(cluster.kubeconfig);
  core = kc.makeApiClient(k8s.CoreV1Api);
  apps = kc.makeApiClient(k8s.AppsV1Api);
});
after(async () => {
  await cluster?.stop();
});

test("create, read, list and delete a config map", async () => {
  const created = await core.createNamespacedConfigMap({
    namespace: "default",
    body: { metadata: { name: "cn-1", labels: { from: "client-node" } }, data: { k: "v" } },
  });
  assert.equal(created.metadata?.name, "cn-1");
  assert.ok(created.metadata?.uid);
  const read = await core.readNamespacedConfigMap({ name: "cn-1", namespace: "default" });
  assert.deepEqual(read.data, { k: "v" });
  const list = await core.listNamespacedConfigMap({
    namespace: "default",
    labelSelector: "from=client-node",
  });
  assert.deepEqual(
    list.items.map((i) => i.metadata?.name),
    ["cn-1"],
  );
  assert.match(list.metadata?.resourceVersion ?? "", /^\d+$/);
  await core.deleteNamespacedConfigMap({ name: "cn-1", namespace: "default" });
  await assert.rejects(
    core.readNamespacedConfigMap({ name: "cn-1", namespace: "default" }),
    (err: unknown) => (err as { code?: number }).code === 404,
  );
});

test("merge and strategic merge patches", async () => {
  await apps.createNamespacedDeployment({
    namespace: "default",
    body: {
      metadata: { name: "cn-web" },
      spec: {
        selector: { matchLabels: { app: "cn-web" } },
        template: {
          metadata: { labels: { app: "cn-web" } },
          spec: { containers: [{ name: "web", image: "nginx" }] },
        },
      },
    },
  });
  const merged = await apps.patchNamespacedDeployment(
    { name: "cn-web", namespace: "default", body: { spec: { replicas: 4 } } },
    k8s.setHeaderOptions("Content-Type", k8s.PatchStrategy.MergePatch),
  );
  assert.equal(merged.spec?.replicas, 4);
  const smp = await apps.patchNamespacedDeployment(
    {
      name: "cn-web",
      namespace: "default",
      body: {
        spec: {
          template: { spec: { containers: [{ name: "sidecar", image: "busybox" }] } },
        },
      },
    },
    k8s.setHeaderOptions("Content-Type", k8s.PatchStrategy.StrategicMergePatch),
  );
  assert.deepEqual(smp.spec?.template.spec?.containers.map((c) => c.name).sort(), [
    "sidecar",
    "web",
  ]);
  assert.equal(smp.spec?.strategy?.type, "RollingUpdate");
  assert.equal(smp.spec?.revisionHistoryLimit, 10);
});

test("an update with a stale resourceVersion is rejected with 409", async () => {
  const cm = await core.createNamespacedConfigMap({
    namespace: "default",
    body: { metadata: { name: "cn-stale" }, data: { n: "0" } },
  });
  await core.replaceNamespacedConfigMap({
    name: "cn-stale",
    namespace: "default",
    body: { ...cm, data: { n: "1" } },
  });
  await assert.rejects(
    core.replaceNamespacedConfigMap({
      name: "cn-stale",
      namespace: "default",
      body: { ...cm, data: { n: "2" } },
    }),
    (err: unknown) => {
      const e = err as { code?: number; body?: string };
      return e.code === 409 && /the object has been modified/.test(String(e.body));
    },
  );
});

test("an informer sees adds, updates and deletes", async () => {
  const informer = k8s.makeInformer(kc, "/api/v1/namespaces/default/configmaps", () =>
    core.listNamespacedConfigMap({ namespace: "default" }),
  );
  const seen: string[] = [];
  let notify: () => void = () => {};
  const record = (type: string) => (obj: k8s.V1ConfigMap) => {
    if (obj.metadata?.name === "cn-inf") {
      seen.push(type);
      notify();
    }
  };
  informer.on("add", record("add"));
  informer.on("update", record("update"));
  informer.on("delete", record("delete"));
  const waitFor = (type: string) =>
    new Promise<void>((resolve) => {
      const check = () => {
        if (seen.includes(type)) resolve();
      };
      const prev = notify;
      notify = () => {
        prev();
        check();
      };
      check();
    });
  await informer.start();
  try {
    await core.createNamespacedConfigMap({
      namespace: "default",
      body: { metadata: { name: "cn-inf" } },
    });
    await waitFor("add");
    await core.patchNamespacedConfigMap(
      { name: "cn-inf", namespace: "default", body: { data: { a: "b" } } },
      k8s.setHeaderOptions("Content-Type", k8s.PatchStrategy.MergePatch),
    );
    await waitFor("update");
    await core.deleteNamespacedConfigMap({ name: "cn-inf", namespace: "default" });
    await waitFor("delete");
    assert.deepEqual(seen, ["add", "update", "delete"]);
    assert.equal(
      informer.list("default").find((o) => o.metadata?.name === "cn-inf"),
      undefined,
    );
  } finally {
    await informer.stop();
  }
});
