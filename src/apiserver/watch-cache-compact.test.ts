import { strict as assert } from "node:assert";
import { test } from "node:test";
import type { KObject } from "../api/types.ts";
import { copyJson, jsonEqual } from "../util/json-copy.ts";
import { compactDecoded, SHARED_FIELDS_LEAF } from "./watch-cache-compact.ts";

/** Every object reachable from v that is an empty object. */
function emptyLeaves(v: unknown, out: unknown[] = []): unknown[] {
  if (typeof v !== "object" || v === null) return out;
  const values = Object.values(v);
  if (values.length === 0 && !Array.isArray(v)) out.push(v);
  for (const c of values) emptyLeaves(c, out);
  return out;
}

const pod = (): KObject => ({
  apiVersion: "v1",
  kind: "Pod",
  metadata: {
    name: "p",
    labels: { app: "a" },
    annotations: {},
    managedFields: [
      {
        manager: "kubectl",
        operation: "Update",
        fieldsType: "FieldsV1",
        fieldsV1: {
          "f:metadata": { "f:labels": { ".": {}, "f:app": {} } },
          "f:spec": { "f:containers": { 'k:{"name":"app"}': { ".": {}, "f:image": {} } } },
        },
      },
      { manager: "kubelet", operation: "Update", subresource: "status", fieldsV1: {} },
      { manager: "odd", operation: "Update", fieldsV1: "not an object" as never },
      { manager: "odd2", operation: "Update", fieldsV1: { "f:x": [{}], "f:y": null } },
    ],
  },
  spec: { containers: [{ name: "app", image: "i", resources: {} }] },
  status: {},
});

test("compactDecoded shares every fieldsV1 leaf and changes no value", () => {
  const obj = pod();
  const before = JSON.stringify(obj);
  compactDecoded(obj);
  assert.equal(JSON.stringify(obj), before);
  assert.ok(jsonEqual(obj, pod()));
  const tree = obj.metadata!.managedFields![0]!.fieldsV1 as Record<string, any>;
  const leaves = emptyLeaves(tree);
  assert.equal(leaves.length, 4);
  for (const leaf of leaves) assert.equal(leaf, SHARED_FIELDS_LEAF);
  assert.ok(Object.isFrozen(SHARED_FIELDS_LEAF));
  // Empty objects outside fieldsV1, an empty fieldsV1, arrays and malformed entries stay as they were.
  assert.notEqual(obj.metadata!.annotations, SHARED_FIELDS_LEAF);
  assert.notEqual(obj.status, SHARED_FIELDS_LEAF);
  assert.notEqual((obj.spec as any).containers[0].resources, SHARED_FIELDS_LEAF);
  assert.notEqual(obj.metadata!.managedFields![1]!.fieldsV1, SHARED_FIELDS_LEAF);
  const odd = obj.metadata!.managedFields![3]!.fieldsV1 as Record<string, any>;
  assert.notEqual(odd["f:x"][0], SHARED_FIELDS_LEAF);
  // A copy is a plain, writable object again.
  const copy = copyJson(obj);
  const copied = (copy.metadata!.managedFields![0]!.fieldsV1 as any)["f:metadata"]["f:labels"];
  assert.notEqual(copied["f:app"], SHARED_FIELDS_LEAF);
  copied["f:app"]["f:x"] = {};
});

test("compactDecoded is idempotent and handles trees shared between objects", () => {
  const a = pod();
  const b = pod();
  b.metadata!.managedFields![0]!.fieldsV1 = a.metadata!.managedFields![0]!.fieldsV1;
  compactDecoded(a);
  compactDecoded(b);
  compactDecoded(a);
  assert.equal(JSON.stringify(a), JSON.stringify(pod()));
  assert.equal(emptyLeaves(b.metadata!.managedFields![0]!.fieldsV1).length, 4);
});

test("compactDecoded accepts objects without managedFields", () => {
  for (const obj of [{}, { metadata: {} }, { metadata: { managedFields: "x" } }] as KObject[]) {
    const before = JSON.stringify(obj);
    compactDecoded(obj);
    assert.equal(JSON.stringify(obj), before);
  }
});

test("a shared leaf cannot be changed", () => {
  assert.throws(() => {
    (SHARED_FIELDS_LEAF as Record<string, unknown>)["f:x"] = {};
  }, TypeError);
});
