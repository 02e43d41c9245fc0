import { test } from "node:test";
import assert from "node:assert/strict";
import { builtinRegistry } from "../api/registry.ts";
import type { KObject } from "../api/types.ts";
import { projectExtensions } from "./extensions.ts";

const T1 = "2026-01-01T00:00:00Z";
const T2 = "2026-01-01T00:00:05Z";

test("updateManagedFields: creator owns spec, /status writer owns status; repeat writes keep sets", async () => {
  const resources = builtinRegistry();
  const ext = projectExtensions(resources);
  const def = resources.get("", "v1", "pods")!;
  const pod: KObject = {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "p", namespace: "ns", labels: { app: "a" } },
    spec: { containers: [{ name: "c", image: "i" }] },
    status: { phase: "Pending" },
  };
  const created = structuredClone(pod);
  await ext.updateManagedFields(def, created, undefined, {
    manager: "creator",
    operation: "Update",
    subresource: "",
    time: T1,
  });
  const creator = created.metadata!.managedFields!;
  assert.equal(creator.length, 1);
  assert.equal((creator[0].fieldsV1 as Record<string, unknown>)["f:status"], undefined);
  assert.ok((creator[0].fieldsV1 as Record<string, unknown>)["f:spec"]);

  let stored = created;
  for (const [time, phase] of [
    [T1, "Running"],
    [T2, "Succeeded"],
  ]) {
    const next = { ...structuredClone(stored), status: { phase } } as KObject;
    await ext.updateManagedFields(def, next, stored, {
      manager: "kubelet",
      operation: "Update",
      subresource: "status",
      time,
    });
    stored = JSON.parse(JSON.stringify(next)) as KObject;
  }
  assert.deepEqual(stored.metadata!.managedFields, [
    creator[0],
    {
      manager: "kubelet",
      operation: "Update",
      apiVersion: "v1",
      time: T2,
      fieldsType: "FieldsV1",
      fieldsV1: { "f:status": { "f:phase": {} } },
      subresource: "status",
    },
  ]);
});

test("typeErrors and strictDecodingErrors name the Go field and path", async () => {
  const resources = builtinRegistry();
  const ext = projectExtensions(resources);
  const def = resources.get("", "v1", "pods")!;
  const bad = {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "p" },
    spec: { containers: [{ name: "c", image: 3, bogus: 1, resources: { limits: { cpu: "1x" } } }] },
  } as unknown as KObject;
  assert.deepEqual(await ext.typeErrors(def, bad), [
    "json: cannot unmarshal number into Go struct field Container.spec.containers.image of type string",
    "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'",
  ]);
  assert.deepEqual(await ext.strictDecodingErrors(def, bad), [
    'unknown field "spec.containers[0].bogus"',
  ]);
});
