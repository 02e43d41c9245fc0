import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { copyJson, jsonEqual } from "../../util/json-copy.ts";

test("property: copyJson equals structuredClone on JSON values and shares nothing", () => {
  fc.assert(
    fc.property(fc.jsonValue(), (value) => {
      const copy = copyJson(value);
      assert.deepStrictEqual(copy, structuredClone(value));
      if (typeof value === "object" && value !== null) assert.notEqual(copy, value);
    }),
  );
});

test("copyJson: undefined members, own __proto__ keys, nested sharing, non-plain values", () => {
  const parsed = JSON.parse('{"__proto__": {"polluted": true}, "a": [{"b": 1}]}') as Record<
    string,
    unknown
  >;
  const copy = copyJson(parsed);
  assert.equal(Object.getPrototypeOf(copy), Object.prototype);
  assert.deepStrictEqual(Object.keys(copy), ["__proto__", "a"]);
  assert.deepStrictEqual(copy, structuredClone(parsed));
  assert.notEqual((copy.a as unknown[])[0], (parsed.a as unknown[])[0]);

  const withUndefined = { a: undefined, b: [undefined, null] };
  assert.deepStrictEqual(copyJson(withUndefined), structuredClone(withUndefined));
  assert.ok(Object.hasOwn(copyJson(withUndefined), "a"));

  const date = new Date(0);
  const out = copyJson({ d: date });
  assert.ok(out.d instanceof Date);
  assert.notEqual(out.d, date);
  assert.equal(copyJson(undefined), undefined);
  assert.equal(copyJson("s"), "s");
});

/** JSON text with object keys sorted: equal texts mean equal JSON values. */
function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(",")}]`;
  if (typeof v === "object" && v !== null) {
    const o = v as Record<string, unknown>;
    const keys = Object.keys(o).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonical(o[k])}`).join(",")}}`;
  }
  return JSON.stringify(v);
}

/** A copy with every object's keys in reverse order. */
function reversed(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(reversed);
  if (typeof v === "object" && v !== null) {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v).reverse())
      Object.defineProperty(out, k, { value: reversed(x), enumerable: true });
    return out;
  }
  return v;
}

test("property: jsonEqual is deep equality of JSON values, key order ignored", () => {
  fc.assert(
    fc.property(fc.jsonValue(), fc.jsonValue(), (a, b) => {
      assert.equal(jsonEqual(a, reversed(a)), true);
      assert.equal(jsonEqual(a, b), canonical(a) === canonical(b));
    }),
  );
  const cases: [unknown, unknown, boolean][] = [
    [{ a: 1, b: 2 }, { b: 2, a: 1 }, true],
    [{ a: undefined }, { b: undefined }, false],
    [[1, 2], [2, 1], false],
    [[], {}, false],
    [{}, [], false],
    [null, {}, false],
    [NaN, NaN, false],
    ["1", 1, false],
  ];
  for (const [a, b, want] of cases) assert.equal(jsonEqual(a, b), want, JSON.stringify([a, b]));
});
