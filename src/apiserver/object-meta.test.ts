import { test } from "node:test";
import assert from "node:assert/strict";
import { checkTypeMeta, rfc3339 } from "./object-meta.ts";
import type { KObject, ResourceDef } from "../api/types.ts";

test("rfc3339: seconds precision, UTC, the same answer when repeated or revisited", () => {
  const cases: [number, string][] = [
    [Date.UTC(2026, 0, 1, 0, 0, 0, 0), "2026-01-01T00:00:00Z"],
    [Date.UTC(2026, 0, 1, 0, 0, 0, 999), "2026-01-01T00:00:00Z"],
    [Date.UTC(2026, 0, 1, 0, 0, 1, 0), "2026-01-01T00:00:01Z"],
    [Date.UTC(2026, 0, 1, 0, 0, 0, 500), "2026-01-01T00:00:00Z"],
    [-1, "1969-12-31T23:59:59Z"],
    [0, "1970-01-01T00:00:00Z"],
  ];
  for (let round = 0; round < 2; round++)
    for (const [ms, want] of cases) assert.equal(rfc3339(ms), want, String(ms));
  assert.throws(() => rfc3339(NaN), RangeError);
});

test("checkTypeMeta: lone surrogates in names become U+FFFD, as Go's JSON decoder makes them", () => {
  const def = { group: "rbac.authorization.k8s.io", version: "v1", kind: "ClusterRole" };
  for (const lone of ["\ud800", "\udfff"]) {
    const obj = JSON.parse(
      `{"metadata":{"name":"lone-${lone === "\ud800" ? "\\ud800" : "\\udfff"}"}}`,
    );
    checkTypeMeta(obj, def as ResourceDef);
    assert.equal(obj.metadata.name, "lone-\ufffd");
  }
  const paired = { metadata: { name: "pair-\ud83d\ude00", generateName: "g-\ud800" } };
  checkTypeMeta(paired as KObject, def as ResourceDef);
  assert.equal(paired.metadata.name, "pair-\ud83d\ude00", "a well-formed pair is kept");
  assert.equal(paired.metadata.generateName, "g-\ufffd");
});

test("checkTypeMeta: filled type meta and metadata come first, in a new object; a full body is kept", () => {
  const def = { group: "", version: "v1", kind: "ConfigMap" } as ResourceDef;
  const typeless = { data: { k: "1" } } as unknown as KObject;
  const filled = checkTypeMeta(typeless, def);
  assert.deepEqual(Object.keys(filled), ["apiVersion", "kind", "metadata", "data"]);
  assert.equal(filled.data, typeless.data, "members are shared, not copied");
  const full = { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "a" }, data: {} };
  assert.equal(checkTypeMeta(full as KObject, def), full);
});
