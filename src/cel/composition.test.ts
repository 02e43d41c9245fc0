import { test } from "node:test";
import assert from "node:assert/strict";
import { compileVariables, declaredType, variablesType } from "./composition.ts";
import { compile } from "./compile.ts";
import { typeName, type T } from "./types.ts";

const VARS = ["object", "variables"];

test("declared types of variables follow upstream's conversion", () => {
  const cases: [string, string][] = [
    ["1", "int"],
    ["'a'", "string"],
    ["[1, 2]", "list(int)"],
    ["{'a': [true]}", "map(string, list(bool))"],
    ["timestamp('2020-01-01T00:00:00Z')", "google.protobuf.Timestamp"],
    ["duration('1s')", "google.protobuf.Duration"],
    ["quantity('1')", "dyn"],
    ["optional.of(1)", "dyn"],
    ["type(1)", "dyn"],
    ["object", "dyn"],
  ];
  for (const [source, want] of cases) {
    const r = compile(source, { variables: VARS });
    assert.ok(r.ok, source);
    assert.equal(typeName(declaredType(r.program.staticType)), want, source);
  }
  assert.equal(typeName(declaredType(undefined)), "dyn");
});

test("variables are typed in order; later ones and missing ones are undefined fields", () => {
  const { results, options } = compileVariables(
    [
      { name: "n", expression: "1" },
      { name: "s", expression: "string(variables.n)" },
      { name: "early", expression: "variables.late" },
      { name: "late", expression: "true" },
      { name: "broken", expression: "1 + 'a'" },
    ],
    { variables: VARS },
  );
  assert.deepEqual(
    results.map((r) => r.ok),
    [true, true, false, true, false],
  );
  assert.match(results[2]!.ok ? "" : results[2]!.error.message, /undefined field 'late'/);
  const cases: [string, string | RegExp][] = [
    ["variables.n + 1", "int"],
    ["variables.s + 'x'", "string"],
    ["variables.late", "bool"],
    ["variables.broken", "dyn"],
    ["variables.n == 'a'", /no matching overload for '_==_' applied to '\(int, string\)'/],
    ["variables.nope", /undefined field 'nope'/],
    ["has(variables.n)", "bool"],
  ];
  for (const [source, want] of cases) {
    const r = compile(source, options);
    if (typeof want === "string") {
      assert.ok(r.ok, `${source}: ${r.ok ? "" : r.error.message}`);
      assert.equal(r.program.resultType, want, source);
    } else {
      assert.ok(!r.ok, source);
      assert.match(r.error.message, want, source);
    }
  }
  const t: T = variablesType([["x", undefined]]);
  assert.equal(typeName(t), "kubernetes.variables");
});

test("composed variables evaluate as a map binding", () => {
  const { options } = compileVariables([{ name: "n", expression: "1" }], { variables: VARS });
  const r = compile("variables.n == 1", options);
  assert.ok(r.ok);
  const out = r.program.evaluate({ variables: { n: 1 } });
  assert.ok(out.ok && out.value === true);
});
