import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import type { TestServer } from "../../testing/test-server.ts";
import { startAdmissionServer } from "./admission-test-server.ts";

let t: TestServer;
before(async () => {
  t = await startAdmissionServer({ disable: ["ServiceAccount", "ResourceQuota"] });
});
after(() => t.close());

const create = async (path: string, body: Record<string, unknown>) => {
  const res = await t.call("POST", path, body);
  assert.equal(res.status, 201, res.text);
  return res.body;
};

test("DefaultStorageClass fills an absent storageClassName; PVC resize needs allowVolumeExpansion", async () => {
  for (const [name, isDefault, expand] of [
    ["slow", "false", false],
    ["fast", "true", true],
  ] as const) {
    await create("/apis/storage.k8s.io/v1/storageclasses", {
      apiVersion: "storage.k8s.io/v1",
      kind: "StorageClass",
      metadata: { name, annotations: { "storageclass.kubernetes.io/is-default-class": isDefault } },
      provisioner: "example.com/x",
      allowVolumeExpansion: expand,
    });
  }
  const pvc = (name: string, storageClassName?: string) => ({
    apiVersion: "v1",
    kind: "PersistentVolumeClaim",
    metadata: { name },
    spec: {
      accessModes: ["ReadWriteOnce"],
      resources: { requests: { storage: "1Gi" } },
      ...(storageClassName === undefined ? {} : { storageClassName }),
    },
  });
  const path = "/api/v1/namespaces/default/persistentvolumeclaims";
  assert.equal((await create(path, pvc("a"))).spec.storageClassName, "fast");
  assert.equal((await create(path, pvc("b", ""))).spec.storageClassName, "");
  assert.equal((await create(path, pvc("c", "slow"))).spec.storageClassName, "slow");
  const grow = async (name: string) =>
    t.call(
      "PATCH",
      `${path}/${name}`,
      JSON.stringify({ spec: { resources: { requests: { storage: "2Gi" } } } }),
      {
        "Content-Type": "application/merge-patch+json",
      },
    );
  assert.equal((await grow("a")).status, 200);
  const refused = await grow("c");
  assert.equal(refused.status, 403);
  assert.equal(
    refused.body.message,
    'persistentvolumeclaims "c" is forbidden: only dynamically provisioned pvc can be resized and the storageclass that provisions the pvc must support resize',
  );
});

test("TaintNodesByCondition taints new nodes not-ready:NoSchedule", async () => {
  const node = await create("/api/v1/nodes", {
    apiVersion: "v1",
    kind: "Node",
    metadata: { name: "n1" },
  });
  assert.deepEqual(node.spec.taints, [
    { key: "node.kubernetes.io/not-ready", effect: "NoSchedule" },
  ]);
});

test("RuntimeClass: unknown classes are forbidden; overhead and scheduling are applied", async () => {
  await create("/apis/node.k8s.io/v1/runtimeclasses", {
    apiVersion: "node.k8s.io/v1",
    kind: "RuntimeClass",
    metadata: { name: "kata" },
    handler: "kata",
    overhead: { podFixed: { memory: "64Mi" } },
    scheduling: { nodeSelector: { sandbox: "yes" } },
  });
  const pod = (name: string, runtimeClassName: string) => ({
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name },
    spec: { runtimeClassName, containers: [{ name: "c", image: "busybox" }] },
  });
  const ok = await create("/api/v1/namespaces/default/pods", pod("sandboxed", "kata"));
  assert.deepEqual(ok.spec.overhead, { memory: "64Mi" });
  assert.deepEqual(ok.spec.nodeSelector, { sandbox: "yes" });
  const bad = await t.call("POST", "/api/v1/namespaces/default/pods", pod("lost", "gvisor"));
  assert.equal(bad.status, 403);
  assert.equal(
    bad.body.message,
    'pods "lost" is forbidden: pod rejected: RuntimeClass "gvisor" not found',
  );
});

test("DefaultIngressClass fills spec.ingressClassName", async () => {
  await create("/apis/networking.k8s.io/v1/ingressclasses", {
    apiVersion: "networking.k8s.io/v1",
    kind: "IngressClass",
    metadata: {
      name: "nginx",
      annotations: { "ingressclass.kubernetes.io/is-default-class": "true" },
    },
    spec: { controller: "k8s.io/ingress-nginx" },
  });
  const ing = await create("/apis/networking.k8s.io/v1/namespaces/default/ingresses", {
    apiVersion: "networking.k8s.io/v1",
    kind: "Ingress",
    metadata: { name: "web" },
    spec: { defaultBackend: { service: { name: "web", port: { number: 80 } } } },
  });
  assert.equal(ing.spec.ingressClassName, "nginx");
});
