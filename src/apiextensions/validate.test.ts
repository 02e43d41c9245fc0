import { test } from "node:test";
import assert from "node:assert/strict";
import { validateValue } from "./validate.ts";
import type { JSONSchemaProps } from "./types.ts";

const schema: JSONSchemaProps = {
  type: "object",
  required: ["name"],
  properties: {
    name: { type: "string", minLength: 2, maxLength: 5, pattern: "^[a-z]+$" },
    count: { type: "integer", minimum: 1, maximum: 10, multipleOf: 1 },
    ratio: { type: "number", exclusiveMaximum: true, maximum: 1 },
    mode: { type: "string", enum: ["a", "b"] },
    port: { "x-kubernetes-int-or-string": true },
    when: { type: "string", format: "date-time" },
    id: { type: "string", format: "uuid" },
    tags: {
      type: "array",
      items: { type: "string" },
      maxItems: 2,
      "x-kubernetes-list-type": "set",
    },
    ports: {
      type: "array",
      "x-kubernetes-list-type": "map",
      "x-kubernetes-list-map-keys": ["name"],
      items: { type: "object", required: ["name"], properties: { name: { type: "string" } } },
    },
    labels: { type: "object", additionalProperties: { type: "string" }, maxProperties: 1 },
    maybe: { type: "string", nullable: true },
    template: {
      type: "object",
      "x-kubernetes-embedded-resource": true,
      "x-kubernetes-preserve-unknown-fields": true,
    },
  },
};

test("schema validation reports upstream's messages", () => {
  const cases: [Record<string, unknown>, string[]][] = [
    [{ name: "ab" }, []],
    [{}, ["name: Required value"]],
    [
      { name: 3 },
      ['name: Invalid value: "integer": name in body must be of type string: "integer"'],
    ],
    [{ name: "a" }, ['name: Invalid value: "a": name in body should be at least 2 chars long']],
    [{ name: "abcdef" }, ["name: Too long: may not be more than 5 bytes"]],
    [{ name: "AB" }, ["name: Invalid value: \"AB\": name in body should match '^[a-z]+$'"]],
    [
      { name: "ab", count: 0 },
      ["count: Invalid value: 0: count in body should be greater than or equal to 1"],
    ],
    [
      { name: "ab", count: 11 },
      ["count: Invalid value: 11: count in body should be less than or equal to 10"],
    ],
    [
      { name: "ab", count: 1.5 },
      ['count: Invalid value: "number": count in body must be of type integer: "number"'],
    ],
    [{ name: "ab", ratio: 1 }, ["ratio: Invalid value: 1: ratio in body should be less than 1"]],
    [{ name: "ab", mode: "c" }, ['mode: Unsupported value: "c": supported values: "a", "b"']],
    [{ name: "ab", port: 80 }, []],
    [{ name: "ab", port: "http" }, []],
    [
      { name: "ab", port: true },
      ['port: Invalid value: "boolean": port in body must be of type integer,string: "boolean"'],
    ],
    [{ name: "ab", when: "2024-01-01T00:00:00Z" }, []],
    [
      { name: "ab", when: "yesterday" },
      ['when: Invalid value: "yesterday": when in body must be of type date-time: "yesterday"'],
    ],
    [
      { name: "ab", id: "nope" },
      ['id: Invalid value: "nope": id in body must be of type uuid: "nope"'],
    ],
    [{ name: "ab", tags: ["a", "a"] }, ['tags[1]: Duplicate value: "a"']],
    [{ name: "ab", tags: ["a", "b", "c"] }, ["tags: Too many: 3: must have at most 2 items"]],
    [
      { name: "ab", ports: [{ name: "x" }, { name: "x" }] },
      ['ports[1]: Duplicate value: map[string]interface {}{"name":"x"}'],
    ],
    [{ name: "ab", ports: [{}] }, ["ports[0].name: Required value"]],
    [
      { name: "ab", labels: { a: "1", b: "2" } },
      ["labels: Too many: 2: must have at most 1 items"],
    ],
    [
      { name: "ab", labels: { a: 1 } },
      ['labels[a]: Invalid value: "integer": labels[a] in body must be of type string: "integer"'],
    ],
    [{ name: "ab", maybe: null }, []],
    [{ name: null }, ['name: Invalid value: "null": name in body must be of type string: "null"']],
    [
      { name: "ab", template: { kind: "Pod" } },
      ["template.apiVersion: Required value: must not be empty"],
    ],
  ];
  for (const [value, want] of cases) {
    const got = validateValue(schema, value, "").map((e) => `${e.field}: ${e.message}`);
    assert.deepEqual(got, want, JSON.stringify(value));
  }
});

test("anyOf, oneOf and not", () => {
  const s: JSONSchemaProps = {
    type: "string",
    anyOf: [{ pattern: "^a" }, { pattern: "^b" }],
    not: { enum: ["bad"] },
  };
  assert.deepEqual(validateValue(s, "apple", "x"), []);
  assert.match(
    validateValue(s, "cherry", "x")[0]!.message,
    /must validate at least one schema \(anyOf\)/,
  );
  const one: JSONSchemaProps = { type: "integer", oneOf: [{ minimum: 0 }, { maximum: 10 }] };
  assert.match(validateValue(one, 5, "n")[0]!.message, /one and only one schema \(oneOf\)/);
});
