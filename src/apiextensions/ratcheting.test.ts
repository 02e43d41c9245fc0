/** Validation ratcheting: errors on values unchanged from the old object are not reported. */
import { before, test } from "node:test";
import { loadCel } from "../cel/lazy.ts";
import assert from "node:assert/strict";
import { evaluateRules } from "./cel-rules.ts";
import type { JSONSchemaProps } from "./types.ts";
import { validateValue } from "./validate.ts";

// CEL is loaded on first need; the API server awaits it before validating writes.
before(() => loadCel());

const schema: JSONSchemaProps = {
  type: "object",
  properties: {
    name: { type: "string", maxLength: 3 },
    size: { type: "integer", minimum: 10 },
    tags: {
      type: "array",
      "x-kubernetes-list-type": "map",
      "x-kubernetes-list-map-keys": ["k"],
      items: {
        type: "object",
        properties: { k: { type: "string" }, v: { type: "string", pattern: "^[a-z]+$" } },
      },
    },
    atomic: { type: "array", items: { type: "string", maxLength: 1 } },
    labels: { type: "object", additionalProperties: { type: "string", maxLength: 2 } },
  },
};

test("schema errors ratchet on unchanged values only", () => {
  const old = {
    name: "toolong",
    size: 1,
    tags: [{ k: "a", v: "BAD" }],
    atomic: ["xx"],
    labels: { a: "long" },
  };
  const cases: [string, Record<string, unknown>, string[]][] = [
    ["nothing changed", { ...old }, []],
    ["other field changed", { ...old, size: 2 }, ["size"]],
    ["bad value changed to another bad value", { ...old, name: "stilltoolong" }, ["name"]],
    [
      "list-map item unchanged while another is added",
      {
        ...old,
        tags: [
          { k: "b", v: "ok" },
          { k: "a", v: "BAD" },
        ],
      },
      [],
    ],
    ["list-map item changed", { ...old, tags: [{ k: "a", v: "WORSE" }] }, ["tags[0].v"]],
    ["atomic list changed: items are re-validated", { ...old, atomic: ["xx", "y"] }, ["atomic[0]"]],
    ["map value unchanged while another is added", { ...old, labels: { a: "long", b: "ok" } }, []],
    ["map value added bad", { ...old, labels: { a: "long", b: "bad" } }, ["labels[b]"]],
  ];
  for (const [name, next, fields] of cases) {
    const got = validateValue(schema, next, "", { old }).map((e) => e.field);
    assert.deepEqual(got, fields, name);
  }
  // Without ratcheting (create) every error is reported.
  assert.equal(validateValue(schema, old, "").length, 5);
});

test("CEL rules without oldSelf ratchet; transition rules still run", () => {
  const s: JSONSchemaProps = {
    type: "object",
    properties: {
      spec: {
        type: "object",
        "x-kubernetes-validations": [
          { rule: "self.min <= self.max", message: "min above max" },
          { rule: "self.max >= oldSelf.max", message: "max may not shrink" },
        ],
        properties: {
          min: { type: "integer" },
          max: { type: "integer" },
          name: { type: "string", "x-kubernetes-validations": [{ rule: "self.size() < 3" }] },
        },
      },
    },
  };
  const old = { spec: { min: 5, max: 1, name: "long" } };
  const fields = (next: unknown) =>
    evaluateRules(s, next, old, "", false, true).map((e) => `${e.field}: ${e.message}`);
  assert.deepEqual(fields(structuredClone(old)), []);
  assert.deepEqual(fields({ spec: { min: 5, max: 1, name: "longer" } }), [
    'spec: Invalid value: "object": min above max',
    'spec.name: Invalid value: "string": failed rule: self.size() < 3',
  ]);
  assert.deepEqual(fields({ spec: { min: 5, max: 0, name: "long" } }), [
    'spec: Invalid value: "object": min above max',
    'spec: Invalid value: "object": max may not shrink',
  ]);
});
