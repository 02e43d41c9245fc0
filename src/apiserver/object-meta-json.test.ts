/**
 * sameSortedJson against what it replaces: JSON.stringify of both values
 * with object keys sorted. Where it answers, the answer must be the texts'.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { sameSortedJson } from "./object-meta-json.ts";
import { specChanged } from "./object-meta.ts";
import type { KObject } from "../api/types.ts";

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v && typeof v === "object") {
    const keys = Object.keys(v).sort();
    return Object.fromEntries(keys.map((k) => [k, sortKeys((v as Record<string, unknown>)[k])]));
  }
  return v;
}
const text = (v: unknown) => JSON.stringify(sortKeys(v));

const leaf = fc.constantFrom<unknown>(
  "a",
  "b",
  "1",
  1,
  0,
  -0,
  1.5,
  true,
  false,
  null,
  undefined,
  NaN,
  Infinity,
  () => 1,
  new Date(0),
);
const { value } = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    leaf,
    fc.array(tie("value"), { maxLength: 3 }),
    fc.dictionary(fc.constantFrom("a", "b", "c", "__proto__"), tie("value"), { maxKeys: 3 }),
  ),
}));
/** A pair that is often equal or nearly so: b is a copy of a, sometimes changed at one place. */
const pair = fc.tuple(value, value, fc.nat(3)).map(([a, b, mode]) => {
  if (mode === 0) return [a, b] as const;
  const copy = (v: unknown): unknown =>
    Array.isArray(v)
      ? v.map(copy)
      : v && typeof v === "object" && Object.getPrototypeOf(v) === Object.prototype
        ? Object.fromEntries(
            Object.entries(v)
              .reverse()
              .map(([k, x]) => [k, copy(x)]),
          )
        : v;
  const c = copy(a);
  // Only a fresh plain copy is changed (the shared leaf values stay as they are).
  if (mode === 2 && c && typeof c === "object" && Object.getPrototypeOf(c) === Object.prototype)
    (c as Record<string, unknown>).b = b;
  return [a, c] as const;
});

test("property: sameSortedJson agrees with the sorted JSON texts whenever it answers", () => {
  let answered = 0;
  fc.assert(
    fc.property(pair, ([a, b]) => {
      let want: boolean | "throws";
      try {
        want = text(a) === text(b);
      } catch {
        want = "throws";
      }
      const got = sameSortedJson(a, b);
      if (got !== undefined) {
        answered++;
        assert.equal(got, want);
      }
    }),
    { numRuns: 3000 },
  );
  assert.ok(answered > 1000, `answered only ${answered} of 3000`);
});

test("specChanged: spec and other top-level fields compared, system fields ignored", () => {
  const pod = (spec: unknown, extra: Record<string, unknown> = {}) =>
    ({
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: "p" },
      spec,
      status: {},
      ...extra,
    }) as KObject;
  const cases: [string, KObject, KObject, boolean][] = [
    [
      "same spec, other key order",
      pod({ a: 1, b: [1, { c: 2 }] }),
      pod({ b: [1, { c: 2 }], a: 1 }),
      false,
    ],
    ["changed value", pod({ a: 1 }), pod({ a: 2 }), true],
    [
      "status and metadata ignored",
      pod({ a: 1 }, { status: { x: 1 }, metadata: { name: "q" } }),
      pod({ a: 1 }),
      false,
    ],
    ["new top-level field", pod({ a: 1 }, { data: {} }), pod({ a: 1 }), true],
    ["undefined is no field", pod({ a: 1, b: undefined }), pod({ a: 1 }), false],
    ["a list's undefined is null", pod({ a: [undefined] }), pod({ a: [null] }), false],
    [
      "a date is compared as its keys (none)",
      pod({ a: new Date(0) }),
      pod({ a: "1970-01-01T00:00:00.000Z" }),
      true,
    ],
  ];
  for (const [name, a, b, want] of cases) assert.equal(specChanged(a, b), want, name);
});
