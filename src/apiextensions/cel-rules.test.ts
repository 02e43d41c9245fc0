import { before, test } from "node:test";
import { loadCel } from "../cel/lazy.ts";
import assert from "node:assert/strict";
import { evaluateRules, ruleCompileErrors } from "./cel-rules.ts";
import type { JSONSchemaProps } from "./types.ts";

// CEL is loaded on first need; the API server awaits it before validating writes.
before(() => loadCel());

const schema: JSONSchemaProps = {
  type: "object",
  properties: {
    spec: {
      type: "object",
      "x-kubernetes-validations": [
        { rule: "self.min <= self.max", message: "min must not exceed max" },
        {
          rule: "self.min >= oldSelf.min",
          messageExpression: "'min may not shrink below ' + string(oldSelf.min)",
        },
        { rule: "self.max < 100", reason: "FieldValueForbidden", fieldPath: ".max" },
      ],
      properties: {
        min: { type: "integer" },
        max: { type: "integer" },
        ratio: { type: "number", "x-kubernetes-validations": [{ rule: "self < 1.0" }] },
        items: {
          type: "array",
          "x-kubernetes-list-type": "map",
          "x-kubernetes-list-map-keys": ["name"],
          items: {
            type: "object",
            properties: { name: { type: "string" }, size: { type: "integer" } },
            "x-kubernetes-validations": [
              { rule: "self.size >= oldSelf.size", message: "size may not shrink" },
            ],
          },
        },
      },
    },
  },
};

const render = (errs: { field: string; message: string }[]) =>
  errs.map((e) => `${e.field}: ${e.message}`);

test("rules run on create without transition rules", () => {
  assert.deepEqual(
    render(evaluateRules(schema, { spec: { min: 1, max: 2, ratio: 0.5 } }, undefined)),
    [],
  );
  assert.deepEqual(
    render(evaluateRules(schema, { spec: { min: 300, max: 200, ratio: 1 } }, undefined)),
    [
      'spec: Invalid value: "object": min must not exceed max',
      "spec.max: Forbidden: failed rule: self.max < 100",
      'spec.ratio: Invalid value: "number": failed rule: self < 1.0',
    ],
  );
});

test("transition rules compare with oldSelf, lists correlate by map keys", () => {
  const old = { spec: { min: 5, max: 10, items: [{ name: "a", size: 3 }] } };
  const next = {
    spec: {
      min: 4,
      max: 10,
      items: [
        { name: "b", size: 1 },
        { name: "a", size: 2 },
      ],
    },
  };
  assert.deepEqual(render(evaluateRules(schema, next, old, "", true)), [
    'spec: Invalid value: "object": min may not shrink below 5',
    'spec.items[1]: Invalid value: "object": size may not shrink',
  ]);
});

test("compile errors carry the rule's schema path", () => {
  const bad: JSONSchemaProps = {
    type: "object",
    properties: {
      spec: {
        type: "object",
        "x-kubernetes-validations": [{ rule: "self.x >" }, { rule: "nope == 1" }],
      },
    },
  };
  const errs = ruleCompileErrors(bad, "spec.versions[0].schema.openAPIV3Schema");
  assert.equal(errs.length, 2);
  assert.equal(
    errs[0]!.field,
    "spec.versions[0].schema.openAPIV3Schema.properties[spec].x-kubernetes-validations[0].rule",
  );
  assert.match(
    errs[0]!.message,
    /^Invalid value: apiextensions\.ValidationRule\{Rule:"self\.x >".*compilation failed: ERROR: <input>:1:/,
  );
  assert.match(errs[1]!.message, /undeclared reference to 'nope'/);
});

test("cost budget stops expensive rules", () => {
  const s: JSONSchemaProps = {
    type: "array",
    items: { type: "integer" },
    "x-kubernetes-validations": [{ rule: "self.all(x, self.all(y, self.all(z, x + y + z >= 0)))" }],
  };
  const list = Array.from({ length: 120 }, (_, i) => i);
  const errs = evaluateRules(s, list, undefined, "spec.l");
  assert.equal(errs.length, 1);
  assert.equal(errs[0]!.type, "FieldValueForbidden");
  assert.match(errs[0]!.message, /call cost exceeds limit for rule|running out of cost budget/);
});
