import { test } from "node:test";
import assert from "node:assert/strict";
import { canonicalJSON, computeHash, safeEncode } from "./hash.ts";

test("canonicalJSON sorts keys and treats null fields as absent", () => {
  const cases: [unknown, unknown, boolean][] = [
    [{ b: 1, a: 2 }, { a: 2, b: 1 }, true],
    [
      { metadata: { creationTimestamp: null, labels: { a: "x" } } },
      { metadata: { labels: { a: "x" } } },
      true,
    ],
    [{ a: [1, 2] }, { a: [2, 1] }, false],
    [{ a: { b: 1 } }, { a: { b: 2 } }, false],
    [[null], [], false],
  ];
  for (const [x, y, equal] of cases)
    assert.equal(
      canonicalJSON(x) === canonicalJSON(y),
      equal,
      `${JSON.stringify(x)} vs ${JSON.stringify(y)}`,
    );
});

test("computeHash: kubectl's undo template (creationTimestamp: null) hashes like the original", () => {
  const original = {
    metadata: { labels: { app: "nginx" } },
    spec: { containers: [{ name: "c", image: "nginx" }] },
  };
  const restored = {
    metadata: { creationTimestamp: null, labels: { app: "nginx" } },
    spec: original.spec,
  };
  assert.equal(computeHash(restored), computeHash(original));
  assert.notEqual(computeHash(original, 1), computeHash(original));
  assert.match(computeHash(original), /^[4-9bcdf]+$/);
  assert.equal(safeEncode(1234567890), "56789bcdf4");
  assert.equal(safeEncode(7), "c");
});
