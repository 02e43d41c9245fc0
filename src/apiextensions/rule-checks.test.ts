/** CRD-creation checks of x-kubernetes-validations: types against the schema and estimated cost. */
import { before, test } from "node:test";
import { loadCel } from "../cel/lazy.ts";
import assert from "node:assert/strict";
import { ruleCompileErrors } from "./cel-rules.ts";
import type { JSONSchemaProps } from "./types.ts";

// CEL is loaded on first need; the API server awaits it before validating writes.
before(() => loadCel());

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
      `${P}.properties[spec].x-kubernetes-validations[0].rule: Forbidden: contributed to estimated rule cost total exceeding cost limit for entire OpenAPIv3 schema`,
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

test("a rule's estimated cost is multiplied by how many values it can run on", () => {
  // 2 per run (self 1, startsWith: its 1-character prefix at 0.1 per character, rounded up).
  const rule = { rule: "self.startsWith('a')" };
  const item = { type: "string", maxLength: 10, "x-kubernetes-validations": [rule] };
  const cases: [JSONSchemaProps, string[]][] = [
    // 4,500,000 items x 2 = 9,000,000: under the per-rule limit.
    [{ type: "array", maxItems: 4_500_000, items: item }, []],
    // 6,000,000 x 2 = 12,000,000: 1.2 times the limit (printed as Go's %f).
    [
      { type: "array", maxItems: 6_000_000, items: item },
      [
        `${P}.properties[spec].items.x-kubernetes-validations[0].rule: Forbidden: estimated rule cost exceeds budget by factor of 1.200000x ${HINT}`,
      ],
    ],
    // Maps multiply by maxProperties; 40 x 150,000 x 2 = 12,000,000 too.
    [
      {
        type: "array",
        maxItems: 40,
        items: { type: "object", maxProperties: 150_000, additionalProperties: item },
      },
      [
        `${P}.properties[spec].items.additionalProperties.x-kubernetes-validations[0].rule: Forbidden: estimated rule cost exceeds budget by factor of 1.200000x ${HINT}`,
      ],
    ],
    // Unbounded: 3 MiB / (2 + 1) values x 2 = 2,097,152.
    [{ type: "array", items: item }, []],
    // Under a bounded list of 40 unbounded lists: still the request-size bound.
    [{ type: "array", maxItems: 40, items: { type: "array", items: item } }, []],
  ];
  for (const [spec, want] of cases) {
    const errs = ruleCompileErrors(schemaWith(spec), P);
    assert.deepEqual(
      errs.map((e) => `${e.field}: ${e.message}`),
      want,
      JSON.stringify(spec),
    );
  }
});

test("the schema total names its four most expensive rules", () => {
  // Twelve rules of 2 x 4,500,000 = 9,000,000 each: 108,000,000, over the 100,000,000 total.
  const item = {
    type: "string",
    maxLength: 10,
    "x-kubernetes-validations": [{ rule: "self.startsWith('a')" }],
  };
  const properties: Record<string, JSONSchemaProps> = {};
  for (let i = 0; i < 12; i++)
    properties[`l${i}`] = { type: "array", maxItems: 4_500_000, items: item };
  const errs = ruleCompileErrors(schemaWith({ type: "object", properties }), P);
  assert.equal(errs.length, 5, JSON.stringify(errs));
  for (const e of errs.slice(0, 4))
    assert.match(e.message, /contributed to estimated rule cost total exceeding cost limit/);
  assert.equal(
    `${errs[4]!.field}: ${errs[4]!.message}`,
    `${P}: Forbidden: x-kubernetes-validations estimated rule cost total for entire OpenAPIv3 schema exceeds budget by factor of 1.080000x ${HINT}`,
  );
});

test("messageExpression problems are reported on the messageExpression", () => {
  const errs = ruleCompileErrors(
    schemaWith({
      type: "object",
      properties: { n: { type: "integer" } },
      "x-kubernetes-validations": [
        { rule: "self.n > 0", messageExpression: "'n is ' + self.n" },
        { rule: "self.n > 0", messageExpression: "self.?n.orValue(0)" },
        {
          rule: "self.?n.orValue(0) > 0 ? true : false",
          messageExpression: "'n: ' + string(self.n)",
        },
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
        `${base}[0].messageExpression`,
        "Invalid value: messageExpression compilation failed: ERROR: <input>:1:9: found no matching overload for '_+_' applied to '(string, int)'",
      ],
      [
        `${base}[1].messageExpression`,
        "Invalid value: messageExpression must evaluate to a string",
      ],
    ],
  );
});
