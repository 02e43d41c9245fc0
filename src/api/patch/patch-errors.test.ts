import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { cloneJson } from "./patch-errors.ts";

test("property: cloneJson equals structuredClone on JSON values and shares nothing", () => {
  fc.assert(
    fc.property(fc.jsonValue(), (value) => {
      const copy = cloneJson(value);
      assert.deepStrictEqual(copy, structuredClone(value));
      if (typeof value === "object" && value !== null) assert.notEqual(copy, value);
    }),
  );
});

test("cloneJson: undefined members, own __proto__ keys, nested sharing, non-plain values", () => {
  const parsed = JSON.parse('{"__proto__": {"polluted": true}, "a": [{"b": 1}]}') as Record<
    string,
    unknown
  >;
  const copy = cloneJson(parsed);
  assert.equal(Object.getPrototypeOf(copy), Object.prototype);
  assert.deepStrictEqual(Object.keys(copy), ["__proto__", "a"]);
  assert.deepStrictEqual(copy, structuredClone(parsed));
  assert.notEqual((copy.a as unknown[])[0], (parsed.a as unknown[])[0]);

  const withUndefined = { a: undefined, b: [undefined, null] };
  assert.deepStrictEqual(cloneJson(withUndefined), structuredClone(withUndefined));
  assert.ok(Object.hasOwn(cloneJson(withUndefined), "a"));

  const date = new Date(0);
  const out = cloneJson({ d: date });
  assert.ok(out.d instanceof Date);
  assert.notEqual(out.d, date);
  assert.equal(cloneJson(undefined), undefined);
  assert.equal(cloneJson("s"), "s");
});
