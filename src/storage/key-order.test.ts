import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { compareKeys, sortByKey } from "./key-order.ts";

const byBytes = (a: string, b: string) => Buffer.compare(Buffer.from(a), Buffer.from(b));
const sign = (n: number) => Math.sign(n);

// Characters from the ranges that sort differently by unit and by code point, and ASCII.
const keyChar = fc.oneof(
  fc.constantFrom("a", "b", "/", "-"),
  fc.integer({ min: 0xe000, max: 0xffff }).map((c) => String.fromCharCode(c)),
  fc.integer({ min: 0x10000, max: 0x10ffff }).map((c) => String.fromCodePoint(c)),
  fc.integer({ min: 0x80, max: 0xd7ff }).map((c) => String.fromCharCode(c)),
);
const key = fc.array(keyChar, { maxLength: 6 }).map((cs) => cs.join(""));

test("compareKeys orders as the UTF-8 bytes do", () => {
  fc.assert(
    fc.property(key, key, (a, b) => sign(compareKeys(a, b)) === sign(byBytes(a, b))),
    { numRuns: 2000 },
  );
  // The case `<` gets wrong: a surrogate pair against U+FF01.
  assert.ok("\u{1F600}" < "\uFF01");
  assert.ok(compareKeys("\u{1F600}", "\uFF01") > 0);
});

test("sortByKey sorts in byte order, with and without wide characters", () => {
  fc.assert(
    fc.property(fc.array(key, { maxLength: 20 }), (keys) => {
      const sorted = sortByKey(
        keys.map((k) => ({ k })),
        (o) => o.k,
      ).map((o) => o.k);
      assert.deepEqual(sorted, [...keys].sort(byBytes));
    }),
    { numRuns: 500 },
  );
  assert.deepEqual(
    sortByKey(["b", "a", "c"], (k) => k),
    ["a", "b", "c"],
  );
});
