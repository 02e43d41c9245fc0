import { test } from "node:test";
import assert from "node:assert/strict";
import { isDeepStrictEqual } from "node:util";
import fc from "fast-check";
import { copyAsJson, copyJson, jsonEqual, sameJson } from "./json-copy.ts";

test("copyJson equals structuredClone on JSON values and shares nothing mutable", () => {
  fc.assert(
    fc.property(fc.jsonValue({ maxDepth: 5 }), (value) => {
      const copied = copyJson(value);
      assert.deepStrictEqual(copied, structuredClone(value));
      assert.equal(JSON.stringify(copied), JSON.stringify(value), "same key order");
      if (typeof value === "object" && value !== null) assert.notEqual(copied, value);
    }),
  );
});

test("copyJson: nested objects are fresh; __proto__ stays an own key; other values as structuredClone", () => {
  const parsed = JSON.parse('{"a":{"b":[1,{"c":null}]},"__proto__":{"x":1},"u":1}') as Record<
    string,
    unknown
  >;
  parsed.u = undefined;
  const copied = copyJson(parsed);
  (copied.a as { b: unknown[] }).b.push(2);
  assert.deepEqual(parsed.a, { b: [1, { c: null }] }, "the original is untouched");
  assert.equal(Object.getPrototypeOf(copied), Object.prototype);
  assert.ok(Object.hasOwn(copied, "__proto__"));
  assert.deepEqual(Object.keys(copied), ["a", "__proto__", "u"]);
  assert.equal(copied.u, undefined);
  const date = new Date(0);
  const withDate = copyJson({ d: date });
  assert.notEqual(withDate.d, date);
  assert.equal(withDate.d.getTime(), 0);
});

test("sameJson(a, b) is JSON.stringify(a) === JSON.stringify(b) on JSON values", () => {
  const value = fc.jsonValue({ maxDepth: 4 });
  fc.assert(
    fc.property(value, value, (a, b) => {
      assert.equal(sameJson(a, b), JSON.stringify(a) === JSON.stringify(b));
      assert.equal(sameJson(a, copyJson(a)), true);
    }),
  );
});

test("sameJson: what JSON leaves out or rewrites", () => {
  const cases: [string, unknown, unknown][] = [
    ["key order matters", { a: 1, b: 2 }, { b: 2, a: 1 }],
    ["undefined values are left out", { a: 1, u: undefined }, { a: 1 }],
    ["undefined in arrays is null", [undefined, 1], [null, 1]],
    ["functions are left out", { a: 1, f: () => 1 }, { a: 1 }],
    ["NaN and Infinity are null", [NaN, Infinity], [null, null]],
    ["-0 is 0", { n: -0 }, { n: 0 }],
    ["number vs string", { n: 1 }, { n: "1" }],
    ["length differs", [1, 2], [1]],
    ["extra key", { a: 1 }, { a: 1, b: null }],
    ["nested difference", { a: { b: [1, { c: "x" }] } }, { a: { b: [1, { c: "y" }] } }],
    ["dates by their JSON", { d: new Date(0) }, { d: "1970-01-01T00:00:00.000Z" }],
    ["empty object vs empty array", {}, []],
  ];
  for (const [name, a, b] of cases) {
    assert.equal(sameJson(a, b), JSON.stringify(a) === JSON.stringify(b), name);
    assert.equal(sameJson(b, a), JSON.stringify(a) === JSON.stringify(b), `${name} (swapped)`);
  }
});

test("copyAsJson is JSON.parse(JSON.stringify(x)), key order included", () => {
  const roundTrip = (v: object) => JSON.parse(JSON.stringify(v));
  fc.assert(
    fc.property(fc.dictionary(fc.string(), fc.jsonValue({ maxDepth: 4 })), (value) => {
      const copied = copyAsJson(value);
      assert.deepStrictEqual(copied, roundTrip(value));
      assert.equal(JSON.stringify(copied), JSON.stringify(value));
    }),
  );
  const odd = {
    u: undefined,
    f: () => 1,
    arr: [undefined, () => 1, NaN, -0, Infinity, { d: new Date(0) }],
    n: -0,
    nested: { x: undefined, y: [null] },
  };
  assert.deepStrictEqual(copyAsJson(odd), roundTrip(odd));
  assert.ok(Object.is((copyAsJson(odd) as { n: number }).n, 0), "-0 is written as 0");
  const parsed = JSON.parse('{"__proto__":{"a":1}}') as object;
  assert.ok(Object.hasOwn(copyAsJson(parsed), "__proto__"));
});

test("sameJson(a, b, true) is equality of the parsed JSON texts: members in any order", () => {
  // Members reversed at every level from the first differing key on, or shuffled.
  const reordered = (v: unknown, keep: number): unknown =>
    Array.isArray(v)
      ? v.map((x) => reordered(x, keep))
      : typeof v === "object" && v !== null
        ? Object.fromEntries([
            ...Object.entries(v).slice(0, keep),
            ...Object.entries(v)
              .slice(keep)
              .reverse()
              .map(([k, x]) => [k, reordered(x, keep)] as const),
          ])
        : v;
  const parsed = (v: unknown) => JSON.parse(JSON.stringify(v)) as unknown;
  fc.assert(
    fc.property(
      fc.jsonValue({ maxDepth: 5 }),
      fc.jsonValue({ maxDepth: 5 }),
      fc.nat(3),
      (a, b, keep) => {
        assert.equal(sameJson(a, reordered(a, keep), true), true);
        assert.equal(sameJson(a, b, true), jsonEqual(parsed(a), parsed(b)));
        assert.equal(sameJson(b, a, true), jsonEqual(parsed(a), parsed(b)));
      },
    ),
  );
  assert.equal(sameJson({ a: 1, u: undefined, b: 2 }, { b: 2, a: 1 }, true), true);
  assert.equal(sameJson({ a: 1, b: 2 }, { b: 2, c: 1 }, true), false);
  assert.equal(sameJson({ a: 1, b: 2 }, { b: 2, a: 1, c: undefined }, true), true);
  assert.equal(sameJson({ a: 1, b: { x: 1, y: 2 } }, { b: { y: 2, x: 1 }, a: 1 }, true), true);
  assert.equal(sameJson({ a: 1, b: { x: 1, y: 2 } }, { b: { y: 2, x: 1 }, a: 1 }), false);
});

test("jsonEqual is deep equality of JSON values, key order ignored", () => {
  // Equal values in another key order; a changed or added key anywhere.
  const reordered = (v: unknown): unknown =>
    Array.isArray(v)
      ? v.map(reordered)
      : typeof v === "object" && v !== null
        ? Object.fromEntries(
            Object.entries(v)
              .reverse()
              .map(([k, x]) => [k, reordered(x)]),
          )
        : v;
  fc.assert(
    fc.property(fc.jsonValue({ maxDepth: 5 }), fc.jsonValue({ maxDepth: 5 }), (a, b) => {
      assert.equal(jsonEqual(a, JSON.parse(JSON.stringify(reordered(a)))), true);
      // (Compared as JSON text parses to: -0 is 0 there, as jsonEqual has it.)
      const parsed = (v: unknown) => JSON.parse(JSON.stringify(v)) as unknown;
      assert.equal(jsonEqual(a, b), isDeepStrictEqual(parsed(a), parsed(b)));
    }),
  );
  const parsed = JSON.parse('{"__proto__":{"x":1},"a":1}') as unknown;
  assert.equal(jsonEqual(parsed, JSON.parse('{"a":1,"__proto__":{"x":1}}')), true);
  assert.equal(jsonEqual(parsed, JSON.parse('{"a":1,"__proto__":{"x":2}}')), false);
  assert.equal(jsonEqual(parsed, { a: 1 }), false, "a key fewer");
  assert.equal(jsonEqual({ a: 1 }, parsed), false, "a key more");
  assert.equal(jsonEqual({ a: 1, b: 2 }, { a: 1, c: 2 }), false, "same count, other key");
});
