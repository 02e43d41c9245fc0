/**
 * Property tests: invariants of the four patch types over random JSON.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { applyMergePatch } from "./merge-patch.ts";
import { applyStrategicMergePatch } from "./strategic-merge-patch.ts";
import { applyJsonPatch } from "./json-patch.ts";
import { serverSideApply } from "./server-side-apply.ts";
import { StatusError } from "../status.ts";
import { podSchema } from "./testing-schemas.ts";
import type { KObject } from "../types.ts";

const key = fc.constantFrom("a", "b", "c", "d");
const scalar = fc.oneof(fc.string({ maxLength: 3 }), fc.integer({ min: -3, max: 3 }), fc.boolean());
const json = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: "small" },
    scalar,
    fc.array(tie("value"), { maxLength: 3 }),
    tie("object"),
  ),
  object: fc.dictionary(key, tie("value"), { maxKeys: 3, noNullPrototype: true }),
})).object as fc.Arbitrary<Record<string, unknown>>;
const mergePatch = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: "small" },
    scalar,
    fc.constant(null),
    fc.array(scalar, { maxLength: 3 }),
    tie("object"),
  ),
  object: fc.dictionary(key, tie("value"), { maxKeys: 3, noNullPrototype: true }),
})).object as fc.Arbitrary<Record<string, unknown>>;

test("property: without directives or schema, SMP equals JSON merge patch", () => {
  fc.assert(
    fc.property(json, mergePatch, (doc, patch) => {
      assert.deepEqual(
        applyStrategicMergePatch(doc, patch, undefined),
        applyMergePatch(doc, patch),
      );
    }),
    { numRuns: 300 },
  );
});

test("property: patches never mutate their inputs and fail only with StatusErrors", () => {
  const op = fc.record({
    op: fc.constantFrom("add", "remove", "replace", "move", "copy", "test", "bogus"),
    path: fc.constantFrom("", "/a", "/a/b", "/a/0", "/a/-", "/b/c~1d", "/x"),
    from: fc.constantFrom("/a", "/b", "/c"),
    value: scalar,
  });
  fc.assert(
    fc.property(json, fc.array(op, { maxLength: 4 }), mergePatch, (doc, ops, patch) => {
      const before = structuredClone(doc);
      for (const run of [
        () => applyJsonPatch(doc, ops),
        () => applyMergePatch(doc, patch),
        () => applyStrategicMergePatch(doc, patch, podSchema),
      ]) {
        try {
          run();
        } catch (err) {
          assert.ok(err instanceof StatusError, String(err));
          assert.ok(err.code >= 400 && err.code < 500);
        }
        assert.deepEqual(doc, before);
      }
    }),
    { numRuns: 300 },
  );
});

test("property: re-applying the same configuration is a no-op", () => {
  const labels = fc.dictionary(fc.constantFrom("app", "tier", "x"), fc.constantFrom("1", "2"), {
    maxKeys: 3,
  });
  const containers = fc.uniqueArray(
    fc.record({ name: fc.constantFrom("a", "b", "c"), image: fc.constantFrom("i1", "i2") }),
    { selector: (c) => c.name, maxLength: 3 },
  );
  const config = fc.record({
    labels,
    containers,
    finalizers: fc.uniqueArray(fc.constantFrom("f1", "f2"), { maxLength: 2 }),
  });
  fc.assert(
    fc.property(config, config, (c1, c2) => {
      const obj = (c: typeof c1): KObject =>
        JSON.parse(
          JSON.stringify({
            apiVersion: "v1",
            kind: "Pod",
            metadata: { name: "p", labels: c.labels, finalizers: c.finalizers },
            spec: { containers: c.containers },
          }),
        ) as KObject;
      const opts = { manager: "m", apiVersion: "v1", time: "2026-01-01T00:00:00Z", force: false };
      const first = serverSideApply(undefined, obj(c1), opts, podSchema);
      assert.ok("object" in first);
      const second = serverSideApply(first.object, obj(c2), opts, podSchema);
      assert.ok("object" in second);
      const third = serverSideApply(second.object, obj(c2), opts, podSchema);
      assert.ok("object" in third);
      assert.deepEqual(third.object, second.object);
      const { managedFields: _, ...meta } = second.object.metadata!;
      assert.deepEqual(
        { ...second.object, metadata: meta },
        obj(c2),
        "a sole applier's object is its configuration",
      );
    }),
    { numRuns: 200 },
  );
});
