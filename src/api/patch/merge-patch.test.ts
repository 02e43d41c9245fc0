import { test } from "node:test";
import assert from "node:assert/strict";
import { applyMergePatch, mergeValue } from "./merge-patch.ts";
import { StatusError } from "../status.ts";

// The examples of RFC 7386 appendix A, plus Kubernetes-shaped cases.
const cases: { name: string; doc: unknown; patch: unknown; want: unknown }[] = [
  { name: "replace scalar", doc: { a: "b" }, patch: { a: "c" }, want: { a: "c" } },
  { name: "add key", doc: { a: "b" }, patch: { b: "c" }, want: { a: "b", b: "c" } },
  { name: "null deletes", doc: { a: "b" }, patch: { a: null }, want: {} },
  {
    name: "null deletes one of two",
    doc: { a: "b", b: "c" },
    patch: { a: null },
    want: { b: "c" },
  },
  { name: "array replaced", doc: { a: ["b"] }, patch: { a: "c" }, want: { a: "c" } },
  { name: "scalar replaced by array", doc: { a: "c" }, patch: { a: ["b"] }, want: { a: ["b"] } },
  {
    name: "nested merge and delete",
    doc: { a: { b: "c" } },
    patch: { a: { b: "d", c: null } },
    want: { a: { b: "d" } },
  },
  {
    name: "array of objects replaced",
    doc: { a: [{ b: "c" }] },
    patch: { a: [1] },
    want: { a: [1] },
  },
  {
    name: "nulls in new subtree pruned",
    doc: {},
    patch: { a: { bb: { ccc: null } } },
    want: { a: { bb: {} } },
  },
  { name: "empty patch", doc: { a: 1 }, patch: {}, want: { a: 1 } },
  {
    name: "kubectl label --overwrite and remove",
    doc: { metadata: { name: "p", labels: { app: "web", old: "1" } } },
    patch: { metadata: { labels: { old: null, tier: "fe" } } },
    want: { metadata: { name: "p", labels: { app: "web", tier: "fe" } } },
  },
  {
    name: "scale patch",
    doc: { spec: { replicas: 1, selector: { matchLabels: { a: "b" } } } },
    patch: { spec: { replicas: 5 } },
    want: { spec: { replicas: 5, selector: { matchLabels: { a: "b" } } } },
  },
];

for (const c of cases) {
  test(`merge patch: ${c.name}`, () => {
    const before = structuredClone(c.doc);
    assert.deepEqual(applyMergePatch(c.doc, c.patch), c.want);
    assert.deepEqual(c.doc, before, "input must not be mutated");
  });
}

test("merge patch: non-object patch is 400", () => {
  for (const patch of [null, [1], "x", 3]) {
    assert.throws(
      () => applyMergePatch({ a: 1 }, patch),
      (e: unknown) => e instanceof StatusError && e.code === 400,
    );
  }
});

test("mergeValue: non-object patch replaces target", () => {
  assert.deepEqual(mergeValue({ a: 1 }, ["x"]), ["x"]);
  assert.equal(mergeValue({ a: 1 }, "s"), "s");
});
