import { test } from "node:test";
import assert from "node:assert/strict";
import type { KObject } from "../types.ts";
import {
  capUpdateManagers,
  decodeManagedFields,
  encodeManagedFields,
  formatManagedTime,
  updateManagedFields,
} from "./managed-fields.ts";
import { FieldSet } from "./field-set.ts";
import { podSchema } from "./testing-schemas.ts";

const T1 = "2026-01-01T00:00:00Z";
const T2 = "2026-01-01T00:01:00Z";
const info = (manager: string, time = T1) => ({ manager, apiVersion: "v1", time });

const pod = (image = "nginx", labels: Record<string, string> = { app: "web" }): KObject => ({
  apiVersion: "v1",
  kind: "Pod",
  metadata: { name: "web", namespace: "default", uid: "u1", resourceVersion: "5", labels },
  spec: { containers: [{ name: "web", image }] },
});

const managed = (o: KObject) => o.metadata?.managedFields ?? [];

test("create: the creator owns every field it set, not the object's identity", () => {
  const out = updateManagedFields(undefined, pod(), info("kubectl-create"), podSchema);
  assert.deepEqual(managed(out), [
    {
      manager: "kubectl-create",
      operation: "Update",
      apiVersion: "v1",
      time: T1,
      fieldsType: "FieldsV1",
      fieldsV1: {
        "f:metadata": { "f:labels": { ".": {}, "f:app": {} } },
        "f:spec": {
          "f:containers": {
            'k:{"name":"web"}': { ".": {}, "f:image": {}, "f:name": {} },
          },
        },
      },
    },
  ]);
});

test("update by another manager moves the changed field", () => {
  const created = updateManagedFields(undefined, pod(), info("creator"), podSchema);
  const next = {
    ...pod("nginx:2"),
    metadata: { ...pod().metadata, managedFields: created.metadata!.managedFields },
  };
  const out = updateManagedFields(created, next, info("kubectl-edit", T2), podSchema);
  const sets = decodeManagedFields(managed(out))!;
  assert.deepEqual(
    sets.map((s) => s.manager),
    ["creator", "kubectl-edit"],
  );
  const image = ["f:spec", "f:containers", 'k:{"name":"web"}', "f:image"];
  assert.ok(!sets[0].set.has(image), "creator lost the image");
  assert.ok(sets[0].set.has(["f:metadata", "f:labels", "f:app"]));
  assert.ok(sets[1].set.has(image));
  assert.equal(sets[1].time, T2);
  assert.equal(sets[0].time, T1);
});

test("a write that changes nothing keeps the entries and their times", () => {
  const created = updateManagedFields(undefined, pod(), info("creator"), podSchema);
  const out = updateManagedFields(
    created,
    { ...pod(), metadata: { ...pod().metadata } },
    info("other", T2),
    podSchema,
  );
  assert.deepEqual(managed(out), managed(created));
});

test("removed fields leave every manager's set; empty entries disappear", () => {
  const created = updateManagedFields(
    undefined,
    pod("nginx", { app: "web" }),
    info("a"),
    podSchema,
  );
  const labelled = updateManagedFields(
    created,
    pod("nginx", { app: "web", tier: "fe" }),
    info("b", T2),
    podSchema,
  );
  const out = updateManagedFields(labelled, pod("nginx", { app: "web" }), info("c", T2), podSchema);
  const sets = decodeManagedFields(managed(out))!;
  assert.deepEqual(
    sets.map((s) => s.manager),
    ["a"],
    "b owned only the removed label; c changed nothing it keeps",
  );
});

test("managedFields sent by the client replace the live ones; [{}] clears them", () => {
  const created = updateManagedFields(undefined, pod(), info("creator"), podSchema);
  const custom = [
    {
      manager: "x",
      operation: "Update",
      apiVersion: "v1",
      fieldsType: "FieldsV1",
      fieldsV1: { "f:metadata": { "f:labels": { "f:app": {} } } },
    },
  ];
  const sent = { ...pod(), metadata: { ...pod().metadata, managedFields: custom } } as KObject;
  const out = updateManagedFields(created, sent, info("creator"), podSchema);
  assert.deepEqual(
    managed(out).map((e) => e.manager),
    ["x"],
    "the sent entries replace the creator's, and nothing changed",
  );
  const cleared = updateManagedFields(
    created,
    { ...pod("other"), metadata: { ...pod().metadata, managedFields: [{}] } } as KObject,
    info("creator"),
    podSchema,
  );
  assert.equal(cleared.metadata!.managedFields, undefined);
});

test("subresource and ignored fields are recorded per write", () => {
  const old = { ...pod(), status: { phase: "Pending" } };
  const next = { ...pod(), status: { phase: "Running" } };
  const out = updateManagedFields(
    old,
    next,
    { ...info("kubelet"), subresource: "status", ignoredFields: [["f:spec"]] },
    podSchema,
  );
  assert.deepEqual(managed(out), [
    {
      manager: "kubelet",
      operation: "Update",
      apiVersion: "v1",
      time: T1,
      fieldsType: "FieldsV1",
      fieldsV1: { "f:status": { "f:phase": {} } },
      subresource: "status",
    },
  ]);
});

test("a status write keeps the stored entry of a manager it does not touch, and moves what it changes", () => {
  const created = updateManagedFields(undefined, pod(), info("creator"), podSchema);
  const creatorEntry = managed(created)[0]!;
  const statusInfo = { ...info("kubelet", T2), subresource: "status", ignoredFields: [["f:spec"]] };
  const running = {
    ...created,
    metadata: { ...created.metadata, labels: { app: "web", tier: "x" } },
    spec: { containers: [{ name: "web", image: "changed-but-ignored" }] },
    status: { phase: "Running" },
  };
  const out = updateManagedFields(created, running, statusInfo, podSchema);
  assert.equal(managed(out).length, 2);
  // Untouched: the stored entry's fields are written back as they were stored.
  assert.equal(managed(out)[0]!.fieldsV1, creatorEntry.fieldsV1);
  assert.deepEqual(managed(out)[1]!.fieldsV1, {
    "f:metadata": { "f:labels": { "f:tier": {} } },
    "f:status": { "f:phase": {} },
  });
  // A later status write removing the creator's label takes it from the creator only.
  const relabelled = {
    ...out,
    metadata: { ...out.metadata, labels: {} },
    status: { phase: "Running" },
  };
  const after = decodeManagedFields(
    managed(updateManagedFields(out, relabelled, statusInfo, podSchema)),
  )!;
  assert.deepEqual(
    after.map((m) => [m.manager, m.set.has(["f:metadata", "f:labels", "f:app"])]),
    [
      ["creator", false],
      ["kubelet", false],
    ],
  );
});

test("encodeManagedFields orders Apply before Update, then by time and manager", () => {
  const s = new FieldSet().insert(["f:a"]);
  const entries = encodeManagedFields([
    { manager: "z", operation: "Update", apiVersion: "v1", time: T1, set: s },
    { manager: "b", operation: "Update", apiVersion: "v1", time: T2, set: s },
    { manager: "a", operation: "Update", apiVersion: "v1", time: T2, set: s },
    { manager: "y", operation: "Apply", apiVersion: "v1", time: T2, set: s },
    { manager: "empty", operation: "Apply", apiVersion: "v1", time: T2, set: new FieldSet() },
  ]);
  assert.deepEqual(
    entries.map((e) => e.manager),
    ["y", "z", "a", "b"],
  );
});

test("decodeManagedFields rejects malformed entries", () => {
  for (const bad of [
    [{ operation: "Frob" }],
    [1],
    { a: 1 },
    [{ operation: "Apply", fieldsV1: { bad: {} } }],
  ]) {
    assert.equal(decodeManagedFields(bad), undefined);
  }
  assert.deepEqual(decodeManagedFields(undefined), []);
});

test("formatManagedTime drops milliseconds", () => {
  assert.equal(
    formatManagedTime(new Date(Date.UTC(2026, 0, 2, 3, 4, 5, 678))),
    "2026-01-02T03:04:05Z",
  );
});

test("more than 10 Update managers: the oldest merge into ancient-changes", () => {
  const sets = Array.from({ length: 12 }, (_, i) => ({
    manager: `m${String(i).padStart(2, "0")}`,
    operation: "Update" as const,
    apiVersion: "v1",
    time: `2026-01-01T00:00:${String(i).padStart(2, "0")}Z`,
    set: new FieldSet().insert([`f:f${i}`]),
  }));
  const capped = capUpdateManagers(sets);
  assert.equal(capped.length, 10);
  const ancient = capped.find((s) => s.manager === "ancient-changes")!;
  assert.deepEqual(ancient.set.paths(), [["f:f0"], ["f:f1"], ["f:f2"]]);
  assert.equal(ancient.time, "2026-01-01T00:00:02Z");
  assert.ok(!capped.some((s) => ["m00", "m01", "m02"].includes(s.manager)));
  assert.equal(capUpdateManagers(sets.slice(0, 10)).length, 10);
});

test("an update by an 11th manager merges the oldest stored entry into ancient-changes", () => {
  const fields: Record<string, string> = {};
  const entries = Array.from({ length: 10 }, (_, i) => {
    fields[`f${i}`] = "x";
    return {
      manager: `m${i}`,
      operation: "Update" as const,
      apiVersion: "v1",
      time: `2026-01-01T00:00:0${i}Z`,
      fieldsType: "FieldsV1" as const,
      fieldsV1: { "f:data": { [`f:f${i}`]: {} } },
    };
  });
  const old: KObject = {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { name: "c", managedFields: entries },
    data: fields,
  };
  const next = { ...old, data: { ...fields, f10: "x" } };
  const out = updateManagedFields(old, next, info("m10", T2), undefined).metadata!.managedFields!;
  assert.equal(out.length, 10);
  const ancient = out.find((e) => e.manager === "ancient-changes");
  // 11 updaters: m0 becomes ancient-changes (still 11), then m1 merges into it.
  assert.deepEqual(ancient?.fieldsV1, { "f:data": { "f:f0": {}, "f:f1": {} } });
  assert.equal(ancient?.time, "2026-01-01T00:00:01Z");
  assert.deepEqual(out.at(-1)?.fieldsV1, { "f:data": { "f:f10": {} } });
  assert.ok(!out.some((e) => e.manager === "m0" || e.manager === "m1"));
  // Untouched entries keep their stored encoding (the fast path, not a re-encoding).
  assert.equal(out.find((e) => e.manager === "m2")?.fieldsV1, entries[2]!.fieldsV1);
});
