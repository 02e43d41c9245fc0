import { before, test } from "node:test";
import assert from "node:assert/strict";
import { loadCel } from "../../../cel/lazy.ts";
import type { KObject } from "../../../api/types.ts";
import { evaluatePolicy, type PolicyEvaluation } from "./policy-evaluator.ts";

type Rec = Record<string, unknown>;

before(async () => {
  await loadCel();
});

/** A policy object (not validated: stored policies may hold what validation now refuses). */
const policy = (spec: Rec): KObject => ({ metadata: { name: "p" }, spec });
const bindings = (object: Rec): Rec => ({
  object,
  oldObject: null,
  request: { operation: "CREATE" },
  namespaceObject: { metadata: { name: "default" } },
});
const cm = (data: Rec): Rec => ({ metadata: { name: "c" }, data });

/** The failures' messages, or "skipped" / "match error: ...". */
function outcome(e: PolicyEvaluation): string[] | string {
  if (e.skipped) return "skipped";
  if (e.matchError !== undefined) return `match error: ${e.matchError}`;
  return e.failures.map((f) => `${f.error ? "error" : "deny"}: ${f.message}`);
}

test("matchConditions run before validations and read variables lazily, as upstream", () => {
  const variables = [
    { name: "size", expression: "object.data.size()" },
    { name: "bad", expression: "object.data.missing == 'x'" },
  ];
  const cases: [string, Rec, Rec, string[] | string][] = [
    [
      "a condition reads a variable",
      { matchConditions: [{ name: "big", expression: "variables.size > 1" }] },
      cm({ a: "1" }),
      "skipped",
    ],
    [
      "the condition matches",
      { matchConditions: [{ name: "big", expression: "variables.size > 1" }] },
      cm({ a: "1", b: "2" }),
      ["deny: failed expression: false"],
    ],
    [
      "a failing variable fails only the expressions that read it",
      { matchConditions: [{ name: "m", expression: "variables.bad" }] },
      cm({ a: "1" }),
      `match error: expression 'variables.bad' resulted in error: composited variable "bad" fails to evaluate: no such key: missing`,
    ],
    [
      "an unread failing variable is never run",
      { matchConditions: [{ name: "m", expression: "true || variables.bad" }] },
      cm({}),
      ["deny: failed expression: false"],
    ],
    [
      "matchConditions see namespaceObject as null",
      { matchConditions: [{ name: "ns", expression: "namespaceObject == null" }] },
      cm({}),
      ["deny: failed expression: false"],
    ],
    [
      "several errors are aggregated",
      {
        matchConditions: [
          { name: "a", expression: "variables.bad" },
          { name: "b", expression: "object.nope == 1" },
        ],
      },
      cm({}),
      `match error: [expression 'variables.bad' resulted in error: composited variable "bad" fails to evaluate: no such key: missing, expression 'object.nope == 1' resulted in error: no such key: nope]`,
    ],
    [
      "a condition typed dyn does not compile (upstream's compiler wants bool)",
      { matchConditions: [{ name: "n", expression: "object.data.a" }] },
      cm({ a: "x" }),
      "match error: compilation error: must evaluate to bool but got dyn",
    ],
    [
      "false wins over errors",
      {
        matchConditions: [
          { name: "a", expression: "variables.bad" },
          { name: "b", expression: "false" },
        ],
      },
      cm({}),
      "skipped",
    ],
  ];
  for (const [name, spec, object, want] of cases) {
    const p = policy({ variables, validations: [{ expression: "false" }], ...spec });
    assert.deepEqual(outcome(evaluatePolicy(p, bindings(object))), want, name);
  }
});

test("validations see variables and namespaceObject; failures read as upstream's", () => {
  const variables = [
    { name: "bad", expression: "object.data.missing == 'x'" },
    { name: "name", expression: "namespaceObject.metadata.name" },
  ];
  const long = "x".repeat(5 * 1024 + 1);
  const cases: [string, Rec[], string[]][] = [
    [
      "variables chain to namespaceObject",
      [{ expression: "variables.name == 'other'" }],
      ["deny: failed expression: variables.name == 'other'"],
    ],
    [
      "a failing variable is an error of the expression reading it",
      [{ expression: "variables.bad" }],
      [
        `error: expression 'variables.bad' resulted in error: composited variable "bad" fails to evaluate: no such key: missing`,
      ],
    ],
    [
      "messageExpression is trimmed",
      [{ expression: "false", messageExpression: "'  too big  '" }],
      ["deny: too big"],
    ],
    [
      "an over-long messageExpression falls back to message",
      [{ expression: "false", message: " m ", messageExpression: `'${long}'` }],
      ["deny: m"],
    ],
    [
      "a multi-line messageExpression falls back to the expression",
      [{ expression: " false ", messageExpression: "'a\\nb'" }],
      ["deny: failed expression: false"],
    ],
    [
      "a validation typed dyn does not compile (upstream's compiler wants bool)",
      [{ expression: "object.data.a" }],
      ["error: compilation error: must evaluate to bool but got dyn"],
    ],
  ];
  for (const [name, validations, want] of cases) {
    const e = evaluatePolicy(policy({ variables, validations }), bindings(cm({ a: "1" })));
    assert.deepEqual(outcome(e), want, name);
  }
});

test("auditAnnotations: trimmed values, null skipped, errors and wrongly typed expressions reported", () => {
  const e = evaluatePolicy(
    policy({
      variables: [{ name: "bad", expression: "object.nope" }],
      auditAnnotations: [
        { key: "a", valueExpression: "'  v  '" },
        { key: "b", valueExpression: "null" },
        { key: "c", valueExpression: "'   '" },
        { key: "d", valueExpression: "string(variables.bad)" },
        { key: "e", valueExpression: "object.data.size()" },
      ],
    }),
    bindings(cm({ a: "1" })),
  );
  assert.ok(!e.skipped && e.matchError === undefined);
  assert.deepEqual(e.auditAnnotations, { "p/a": "v" });
  assert.deepEqual(e.auditErrors, [
    `expression 'string(variables.bad)' resulted in error: composited variable "bad" fails to evaluate: no such key: nope`,
    "compilation error: must evaluate to one of [string null_type] but got int",
  ]);
});

test("params are declared only with a paramKind", () => {
  const withParams = evaluatePolicy(
    policy({
      paramKind: { apiVersion: "v1", kind: "ConfigMap" },
      validations: [{ expression: "params.data.max == '1'" }],
    }),
    { ...bindings(cm({})), params: cm({ max: "2" }) },
  );
  assert.deepEqual(outcome(withParams), ["deny: failed expression: params.data.max == '1'"]);
  const without = evaluatePolicy(policy({ validations: [{ expression: "params == null" }] }), {
    ...bindings(cm({})),
    params: null,
  });
  const out = outcome(without);
  assert.ok(
    Array.isArray(out) &&
      out.length === 1 &&
      out[0]!.startsWith(
        "error: compilation error: compilation failed: ERROR: <input>:1:1: undeclared reference to 'params'",
      ),
    String(out),
  );
});

test("each set of expressions has a runtime cost budget, variables included, as upstream", () => {
  const many = cm(Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`k${i}`, "v"])));
  const heavy = [{ name: "n", expression: "object.data.map(k, k + k).size()" }];
  const OUT =
    "validation failed due to running out of cost budget, no further validation rules will be run";
  // [spec, budget, outcome]
  const cases: [Rec, number, string[] | string][] = [
    [{ variables: heavy, validations: [{ expression: "variables.n > 0" }] }, 10_000_000, []],
    // The expression alone is cheap; the variable it reads is not.
    [{ variables: heavy, validations: [{ expression: "variables.n > 0" }] }, 50, [`error: ${OUT}`]],
    [{ variables: heavy, validations: [{ expression: "true" }] }, 50, []],
    [
      {
        variables: heavy,
        matchConditions: [{ name: "m", expression: "variables.n > 0" }],
        validations: [{ expression: "true" }],
      },
      50,
      `match error: ${OUT}`,
    ],
    // Messages get what the validations left.
    [
      {
        variables: heavy,
        validations: [
          { expression: "false", messageExpression: "string(variables.n)" },
          { expression: "true" },
        ],
      },
      50,
      [`error: failed messageExpression: ${OUT}`, `error: failed messageExpression: ${OUT}`],
    ],
    [
      {
        variables: heavy,
        validations: [{ expression: "false", messageExpression: "string(variables.n)" }],
      },
      10_000_000,
      ["deny: 50"],
    ],
  ];
  for (const [spec, budget, want] of cases) {
    assert.deepEqual(
      outcome(evaluatePolicy(policy(spec), bindings(many), budget)),
      want,
      JSON.stringify([spec, budget]),
    );
  }
  const audits = evaluatePolicy(
    policy({
      variables: heavy,
      auditAnnotations: [{ key: "n", valueExpression: "string(variables.n)" }],
    }),
    bindings(many),
    50,
  );
  assert.deepEqual(outcome(audits), [`error: ${OUT}`]);
});
