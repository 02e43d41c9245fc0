/** CRD-creation checks of x-kubernetes-validations: types against the schema and estimated cost. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { ruleCompileErrors } from "./cel-rules.ts";
import type { JSONSchemaProps } from "./types.ts";

const P = "spec.versions[0].schema.openAPIV3Schema";
const HINT =
  "(try simplifying the rule, or adding maxItems, maxProperties, and maxLength where arrays, maps, and strings are declared)";

function schemaWith(spec: JSONSchemaProps): JSONSchemaProps {
  return { type: "object", properties: { spec } };
}

test("rules are type-checked against the schema", () => {
  const errs = ruleCompileErrors(
    schemaWith({
      type: "object",
      properties: { replicas: { type: "integer" } },
      "x-kubernetes-validations": [
        { rule: "self.replicas > 0" },
        { rule: "self.nope > 0" },
        { rule: "self.replicas == 'x'" },
        { rule: "self.replicas + 1" },
        { rule: "true", messageExpression: "self.replicas" },
        { rule: "true", messageExpression: "'have ' + string(self.replicas)" },
      ],
    }),
    P,
  );
  const base = `${P}.properties[spec].x-kubernetes-validations`;
  assert.deepEqual(
    errs.map((e) => [
      e.field,
      e.message.split("\n")[0]!.replace(/apiextensions\.ValidationRule\{.*\}: /, ""),
    ]),
    [
      [
        `${base}[1].rule`,
        "Invalid value: compilation failed: ERROR: <input>:1:5: undefined field 'nope'",
      ],
      [
        `${base}[2].rule`,
        "Invalid value: compilation failed: ERROR: <input>:1:15: found no matching overload for '_==_' applied to '(int, string)'",
      ],
      [`${base}[3].rule`, "Invalid value: cel expression must evaluate to a bool"],
      [
        `${base}[4].messageExpression`,
        "Invalid value: messageExpression must evaluate to a string",
      ],
    ],
  );
});

test("rules over unbounded data are refused by estimated cost, as upstream", () => {
  const unbounded = ruleCompileErrors(
    schemaWith({
      type: "object",
      properties: { items: { type: "array", items: { type: "string" } } },
      "x-kubernetes-validations": [
        { rule: "self.items.all(a, self.items.exists(b, a == b))" },
        { rule: "self.items.size() < 10" },
      ],
    }),
    P,
  );
  assert.deepEqual(
    unbounded.map((e) => `${e.field}: ${e.message}`),
    [
      `${P}.properties[spec].x-kubernetes-validations[0].rule: Forbidden: estimated rule cost exceeds budget by factor of more than 100x ${HINT}`,
      `${P}: Forbidden: x-kubernetes-validations estimated rule cost total for entire OpenAPIv3 schema exceeds budget by factor of more than 100x ${HINT}`,
    ],
  );
  // The same rule with maxItems and maxLength is accepted.
  const bounded = ruleCompileErrors(
    schemaWith({
      type: "object",
      properties: {
        items: { type: "array", maxItems: 100, items: { type: "string", maxLength: 64 } },
      },
      "x-kubernetes-validations": [{ rule: "self.items.all(a, self.items.exists(b, a == b))" }],
    }),
    P,
  );
  assert.deepEqual(bounded, []);
  // A cheap rule on each item of an unbounded list of unbounded lists adds up over the schema.
  const many = ruleCompileErrors(
    schemaWith({
      type: "array",
      items: {
        type: "array",
        items: { type: "string" },
        "x-kubernetes-validations": [{ rule: "self.all(x, x.startsWith('a'))" }],
      },
    }),
    P,
  );
  assert.ok(
    many.some(
      (e) =>
        e.field === `${P}.properties[spec].items.x-kubernetes-validations[0].rule` &&
        /estimated rule cost exceeds budget|contributed to estimated rule cost total/.test(
          e.message,
        ),
    ),
    JSON.stringify(many),
  );
  assert.ok(many.some((e) => e.field === P && /estimated rule cost total/.test(e.message)));
});
