import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { findDuplicateFields, keyColons } from "./duplicate-fields.ts";
import { referenceDuplicateFields } from "./duplicate-fields-reference.ts";

test("findDuplicateFields", async (t) => {
  const cases: { name: string; json: string; want: string[] }[] = [
    { name: "none", json: '{"a":1,"b":{"a":2}}', want: [] },
    { name: "top level", json: '{"kind":"Pod","kind":"Pod"}', want: ["kind"] },
    { name: "nested", json: '{"spec":{"replicas":1,"replicas":2}}', want: ["spec.replicas"] },
    { name: "reported once", json: '{"a":1,"a":2,"a":3}', want: ["a"] },
    {
      name: "in lists",
      json: '{"spec":{"containers":[{"name":"a"},{"name":"b","name":"c"}]}}',
      want: ["spec.containers[1].name"],
    },
    { name: "escaped keys compare decoded", json: '{"\\u0061":1,"a":2}', want: ["a"] },
    { name: "same key in sibling objects is fine", json: '[{"a":1},{"a":1}]', want: [] },
    {
      name: "strings with braces and quotes",
      json: ' { "a" : "}\\"{" , "b" : [ true , null , -1.5e3 ] , "b" : 0 } ',
      want: ["b"],
    },
    { name: "document order", json: '{"x":{"y":1,"y":1},"z":1,"z":2}', want: ["x.y", "z"] },
    { name: "invalid JSON", json: '{"a":1,"a":', want: [] },
    { name: "empty containers", json: '{"a":{},"b":[],"a":[]}', want: ["a"] },
  ];
  for (const c of cases) {
    await t.test(c.name, () => assert.deepEqual(findDuplicateFields(c.json), c.want));
  }
});

test("findDuplicateFields finds nothing in serialized JSON and agrees with JSON.parse on validity", () => {
  fc.assert(
    fc.property(fc.json(), (text) => {
      assert.deepEqual(findDuplicateFields(text), []);
    }),
  );
  fc.assert(
    fc.property(fc.string(), (text) => {
      // Never throws, whatever the input.
      assert.ok(Array.isArray(findDuplicateFields(text)));
    }),
  );
});

test("a key repeated in a random object is found at its path", () => {
  fc.assert(
    fc.property(
      fc.dictionary(fc.string(), fc.jsonValue(), { minKeys: 1 }),
      fc.string(),
      (obj, key) => {
        const body = JSON.stringify({ spec: obj });
        const dup = `{"spec":{${JSON.stringify(key)}:1,${body.slice(9)}`;
        const want = Object.hasOwn(obj, key) ? [`spec.${key}`] : [];
        assert.deepEqual(findDuplicateFields(dup), want);
      },
    ),
  );
});

/** JSON text with some keys repeated and, optionally, damaged: valid and invalid inputs alike. */
const jsonWithRepeats = fc
  .tuple(
    fc.jsonValue({ maxDepth: 4 }),
    fc.array(fc.nat(), { maxLength: 3 }),
    fc.option(fc.tuple(fc.nat(), fc.constantFrom("", "}", "]", ",", '"', "\\", "1", " ", "tru"))),
    fc.constantFrom("", " ", "\n  "),
  )
  .map(([value, picks, damage, space]) => {
    let text = JSON.stringify(value, null, space);
    // Repeat the key of some `"key":` occurrences right after it: `"key":<v>,"key":`.
    const keys = [...text.matchAll(/"((?:[^"\\]|\\.)*)":/g)];
    for (const p of picks) {
      if (!keys.length) break;
      const m = keys[p % keys.length];
      const at = m.index + m[0].length;
      text = `${text.slice(0, at)}0,${m[0]}${text.slice(at)}`;
      break;
    }
    if (damage) {
      const at = damage[0] % (text.length + 1);
      text = text.slice(0, at) + damage[1] + text.slice(at);
    }
    return text;
  });

test("property: findDuplicateFields answers as the reference scanner on any text", () => {
  fc.assert(
    fc.property(jsonWithRepeats, (text) => {
      assert.deepEqual(findDuplicateFields(text), referenceDuplicateFields(text));
    }),
    { numRuns: 2000 },
  );
  fc.assert(
    fc.property(
      fc.string({ unit: fc.constantFrom(...'{}[]":,.-+eE0123 truefalsn\\u') }),
      (text) => {
        assert.deepEqual(findDuplicateFields(text), referenceDuplicateFields(text));
      },
    ),
    { numRuns: 2000 },
  );
});

/** Keys of every object in a parsed JSON value (what checkDecoding counts). */
function parsedKeys(value: unknown): number {
  if (typeof value !== "object" || value === null) return 0;
  if (Array.isArray(value)) return value.reduce((n: number, v) => n + parsedKeys(v), 0);
  return Object.values(value).reduce((n: number, v) => n + 1 + parsedKeys(v), 0);
}

test("findDuplicateFields with the parsed key count answers as without it", async (t) => {
  await t.test("colons after escaped quotes in strings do not hide a repeat", () => {
    const text = '{"a":"x\\": y\\" :","b":1,"b":2}';
    assert.equal(parsedKeys(JSON.parse(text)), 2);
    assert.deepEqual(findDuplicateFields(text, 2), ["b"]);
  });
  await t.test("a key ending in a backslash still counts", () => {
    const text = '{"a\\\\":1,"a\\\\" :2}';
    assert.equal(parsedKeys(JSON.parse(text)), 1);
    assert.equal(keyColons(text), 2);
    assert.deepEqual(findDuplicateFields(text, 1), ["a\\"]);
  });
  await t.test("managedFields' associative keys are no keys of the text", () => {
    const entry = { fieldsV1: { "f:metadata": { "f:ownerReferences": { 'k:{"uid":"u"}': {} } } } };
    const text = JSON.stringify({ metadata: { managedFields: [entry] } });
    assert.equal(keyColons(text), parsedKeys(JSON.parse(text)));
  });
  await t.test("white space before colons", () => {
    const text = '{ "a" :\n1, "a"\t: 2, "c": {"d" : 1} }';
    assert.deepEqual(findDuplicateFields(text, parsedKeys(JSON.parse(text))), ["a"]);
  });
  await t.test("property: any valid text", () => {
    fc.assert(
      fc.property(jsonWithRepeats, (text) => {
        let value: unknown;
        try {
          value = JSON.parse(text);
        } catch {
          return;
        }
        assert.deepEqual(findDuplicateFields(text, parsedKeys(value)), findDuplicateFields(text));
      }),
      { numRuns: 2000 },
    );
  });
  await t.test("property: a serialized value's key colons are its keys", () => {
    // ...and its strings (keys or values) that begin with spaces and a colon.
    const colonFirst = (v: unknown): number =>
      typeof v === "string"
        ? Number(/^ *:/.test(v))
        : typeof v !== "object" || v === null
          ? 0
          : Object.entries(v).reduce(
              (n, [k, x]) => n + (Array.isArray(v) ? 0 : colonFirst(k)) + colonFirst(x),
              0,
            );
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const text = JSON.stringify(value);
        const parsed = JSON.parse(text) as unknown;
        assert.equal(keyColons(text), parsedKeys(parsed) + colonFirst(parsed));
      }),
      { numRuns: 2000 },
    );
  });
});
