import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import type { TestServer } from "../../testing/test-server.ts";
import { startAdmissionServer } from "./admission-test-server.ts";

let t: TestServer;
before(async () => {
  t = await startAdmissionServer({
    enable: ["StorageObjectInUseProtection"],
    disable: ["ServiceAccount", "ResourceQuota", "NamespaceLifecycle"],
  });
});
after(() => t.close());

test("StorageObjectInUseProtection adds the pvc-protection and pv-protection finalizers on create", async () => {
  const cases: [string, Record<string, unknown>, string[]][] = [
    [
      "/api/v1/namespaces/default/persistentvolumeclaims",
      {
        apiVersion: "v1",
        kind: "PersistentVolumeClaim",
        metadata: { name: "data", finalizers: ["example.com/keep"] },
        spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "1Gi" } } },
      },
      ["example.com/keep", "kubernetes.io/pvc-protection"],
    ],
    [
      "/api/v1/persistentvolumes",
      {
        apiVersion: "v1",
        kind: "PersistentVolume",
        metadata: { name: "pv1", finalizers: ["kubernetes.io/pv-protection"] },
        spec: {
          capacity: { storage: "1Gi" },
          accessModes: ["ReadWriteOnce"],
          hostPath: { path: "/tmp/pv1" },
        },
      },
      ["kubernetes.io/pv-protection"],
    ],
  ];
  for (const [path, body, finalizers] of cases) {
    const res = await t.call("POST", path, body);
    assert.equal(res.status, 201, res.text);
    assert.deepEqual(res.body.metadata.finalizers, finalizers, path);
  }
});

test("--disable-admission-plugins NamespaceLifecycle lets writes into a missing namespace through", async () => {
  const res = await t.call("POST", "/api/v1/namespaces/nowhere/configmaps", {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { name: "cm" },
  });
  assert.equal(res.status, 201, res.text);
  assert.ok(!t.server.context.pipeline.admission.some((p) => p.name === "NamespaceLifecycle"));
});
