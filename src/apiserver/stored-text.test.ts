/**
 * The stored form and text of an object equal what the object spread and
 * JSON.stringify give, for any metadata shape (fast or dictionary mode,
 * "__proto__" keys, with or without resourceVersion); the read form's JSON
 * is the stored text with resourceVersion last in metadata.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import type { KObject } from "../api/types.ts";
import { isDeepStrictEqual } from "node:util";
import {
  deepFreeze,
  jsonClean,
  jsonCleanBeside,
  sameStoredForm,
  storedForm,
  storedFormClean,
  storedMetadata,
  storedText,
  withResourceVersion,
} from "./stored-text.ts";

/** The reference: an object rest copy without resourceVersion. */
function restCopy(obj: KObject): Record<string, unknown> {
  const { resourceVersion: _rv, ...rest } = obj.metadata ?? {};
  return rest;
}

test("storedMetadata, storedText and withResourceVersion equal the spread and JSON.stringify", () => {
  fc.assert(
    fc.property(
      fc.dictionary(fc.string(), fc.jsonValue({ maxDepth: 3 })),
      fc.dictionary(fc.oneof(fc.string(), fc.constant("__proto__")), fc.jsonValue({ maxDepth: 2 })),
      fc.constantFrom("none", "first", "last", "deleted"),
      fc.nat(1_000_000),
      (rest, fields, rv, revision) => {
        // Parsed, as request bodies are: "__proto__" stays an own key.
        const metadata = JSON.parse(
          JSON.stringify(
            rv === "first"
              ? { resourceVersion: "5", ...fields }
              : { ...fields, resourceVersion: "5" },
          ),
        ) as Record<string, unknown>;
        if (rv === "none" || rv === "deleted") delete metadata.resourceVersion;
        if (rv === "deleted") {
          // Dictionary mode, as after a `delete` of another key.
          metadata.gone = 1;
          delete metadata.gone;
        }
        const obj = { apiVersion: "v1", kind: "Thing", ...rest, metadata } as KObject;
        const expected = restCopy(obj);
        const meta = storedMetadata(obj);
        assert.deepEqual(Object.keys(meta), Object.keys(expected));
        assert.equal(JSON.stringify(meta), JSON.stringify(expected));
        const text = storedText(obj)!;
        assert.equal(text.text, JSON.stringify({ ...obj, metadata: expected }));
        assert.equal(JSON.stringify(text.meta), JSON.stringify(expected));
        assert.equal(
          withResourceVersion(text, revision),
          JSON.stringify({
            ...obj,
            metadata: { ...expected, resourceVersion: String(revision) },
          }),
        );
      },
    ),
  );
});

test("storedText refuses metadata that is not a plain object; storedMetadata copies what a spread copies", () => {
  const cases: [unknown, Record<string, unknown>][] = [
    [undefined, {}],
    [null, {}],
    ["ab", { 0: "a", 1: "b" }],
    [7, {}],
  ];
  for (const [metadata, expected] of cases) {
    const obj = { apiVersion: "v1", kind: "Thing", metadata } as unknown as KObject;
    assert.deepEqual(storedMetadata(obj), expected, JSON.stringify(metadata));
    assert.equal(storedText(obj), undefined, JSON.stringify(metadata));
  }
  assert.equal(
    storedText({ apiVersion: "v1", kind: "Thing", metadata: [] } as unknown as KObject),
    undefined,
  );
});

test("jsonClean: true exactly for values that JSON round-trips to a deep-equal value", () => {
  // Parsed JSON is always clean.
  fc.assert(
    fc.property(fc.jsonValue({ maxDepth: 4 }), (v) => {
      assert.ok(jsonClean(JSON.parse(JSON.stringify(v))));
    }),
  );
  // Anything clean survives the round trip unchanged (prototypes included).
  fc.assert(
    fc.property(
      fc.anything({ maxDepth: 3, withNullPrototype: true, withBoxedValues: true }),
      (v) => {
        const json = JSON.stringify(v);
        if (jsonClean(v)) assert.ok(isDeepStrictEqual(JSON.parse(json), v), json);
      },
    ),
    { numRuns: 2000 },
  );
  const sparse: unknown[] = [1];
  sparse[2] = 3;
  for (const [i, bad] of [
    { a: undefined },
    { a: [1, undefined] },
    { a: NaN },
    { a: Infinity },
    { a: -0 },
    { a: () => 1 },
    { a: Symbol("s") },
    { a: new Date(0) },
    { a: Object.create(null) },
    { a: { toJSON: () => 1 } },
    { a: sparse },
    { a: 1n },
  ].entries())
    assert.equal(jsonClean(bad), false, `case ${i}`);
});

test("jsonCleanBeside equals jsonClean, walking only what the value does not share with a clean known value", () => {
  // Unrelated values: the same answer as jsonClean.
  fc.assert(
    fc.property(fc.anything({ maxDepth: 3 }), fc.jsonValue({ maxDepth: 3 }), (v, k) => {
      assert.equal(jsonCleanBeside(v, JSON.parse(JSON.stringify(k))), jsonClean(v));
    }),
    { numRuns: 1000 },
  );
  // Updates of a known value: shared members, one changed member (clean or not) at depth 1 or 2.
  fc.assert(
    fc.property(
      fc.dictionary(fc.string(), fc.dictionary(fc.string(), fc.jsonValue({ maxDepth: 2 }))),
      fc.string(),
      fc.string(),
      fc.anything({ maxDepth: 2, withNullPrototype: true, withBoxedValues: true }),
      fc.boolean(),
      (base, outer, inner, changed, deep) => {
        const known = JSON.parse(JSON.stringify(base)) as Record<string, unknown>;
        const parent = known[outer];
        const value: Record<string, unknown> = deep
          ? { ...known, [outer]: { ...(isRecord(parent) ? parent : {}), [inner]: changed } }
          : { ...known, [outer]: changed };
        assert.equal(jsonCleanBeside(value, known), jsonClean(value));
      },
    ),
    { numRuns: 1000 },
  );
  // A known member is not walked again (known is trusted: here it is not clean at all).
  const trusted = { a: [{ b: undefined }] };
  assert.equal(jsonCleanBeside({ x: trusted, y: 1 }, { x: trusted }), true);
  assert.equal(jsonCleanBeside({ x: trusted, y: 1 }, { x: { a: [{ b: undefined }] } }), false);
  const shared = { a: [{ b: "c" }] };
  assert.equal(jsonCleanBeside({ x: shared, y: undefined }, { x: shared }), false);
  assert.equal(jsonCleanBeside({ x: { ...shared, d: -0 } }, { x: shared }), false);
  // Inherited members of known are not its own: "__proto__" reads Object.prototype.
  const proto = JSON.parse('{"__proto__":{}}') as Record<string, unknown>;
  Object.defineProperty(proto, "__proto__", { value: Object.prototype, enumerable: true });
  assert.equal(jsonCleanBeside(proto, {}), false);
  // Equal primitives are still judged (-0 === 0).
  assert.equal(jsonCleanBeside({ n: -0 }, { n: 0 }), false);
  assert.equal(storedFormClean({ kind: "K", spec: shared }, { name: "a" }, { spec: shared }), true);
});

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

test("storedFormClean judges the stored form: metadata as given, not the object's own", () => {
  const obj = { kind: "K", metadata: { resourceVersion: undefined, name: "a" }, data: { b: "c" } };
  assert.equal(jsonClean(obj), false);
  assert.equal(storedFormClean(obj, { name: "a" }), true);
  assert.equal(storedFormClean({ ...obj, data: { b: undefined } }, { name: "a" }), false);
  assert.equal(storedFormClean(obj, { name: "a", labels: { x: NaN } as never }), false);
});

test("deepFreeze freezes every nested object and array", () => {
  const v = { a: { b: [{ c: 1 }] }, d: "e" };
  deepFreeze(v);
  assert.ok(Object.isFrozen(v) && Object.isFrozen(v.a) && Object.isFrozen(v.a.b));
  assert.ok(Object.isFrozen(v.a.b[0]));
  assert.throws(() => {
    (v.a.b[0] as { c: number }).c = 2;
  }, TypeError);
});

test("property: sameStoredForm says whether the stored JSON values are equal (members in any order)", () => {
  const value = fc.constantFrom("a", "b", 1, null, [], {});
  const entry = fc.record(
    { manager: fc.constantFrom("m", "n"), time: fc.constantFrom("t1", "t2"), fieldsV1: value },
    { requiredKeys: [] },
  );
  const meta = fc.record(
    {
      name: fc.constantFrom("x"),
      resourceVersion: fc.constantFrom("1", "2"),
      labels: fc.dictionary(fc.constantFrom("k", "l"), value),
      managedFields: fc.option(fc.array(entry, { maxLength: 2 }), { nil: undefined }),
    },
    { requiredKeys: [] },
  );
  const obj = fc.record({ metadata: meta, spec: fc.dictionary(fc.constantFrom("a", "b"), value) });
  const text = (o: KObject) => JSON.stringify(storedForm(o));
  fc.assert(
    fc.property(obj, obj, fc.boolean(), (a, b, shareEntries) => {
      const next = a as KObject;
      const current = b as KObject;
      if (shareEntries && current.metadata?.managedFields)
        next.metadata = { ...next.metadata, managedFields: current.metadata.managedFields };
      // Members in any order (d95f5d0), managedFields compared as they are.
      const sameEntries =
        JSON.stringify(next.metadata?.managedFields) ===
        JSON.stringify(current.metadata?.managedFields);
      assert.equal(
        sameStoredForm(next, undefined, current),
        sameEntries && isDeepStrictEqual(JSON.parse(text(next)), JSON.parse(text(current))),
      );
      const copy = JSON.parse(JSON.stringify(next)) as KObject;
      assert.equal(sameStoredForm(copy, storedMetadata(copy), next), true);
    }),
    { numRuns: 500 },
  );
});
