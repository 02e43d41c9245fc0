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
import { storedMetadata, storedText, withResourceVersion } from "./stored-text.ts";

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
