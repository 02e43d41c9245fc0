import { test } from "node:test";
import assert from "node:assert/strict";
import { compile } from "./compile.ts";
import { fromCel } from "./values.ts";
import type { TypeSchema } from "./types.ts";

const self = { l: [1, 2, 3], m: { a: 1, b: 2 } };

test("two-variable comprehensions on lists (index, element) and maps (key, value)", () => {
  const cases: [string, unknown][] = [
    ["self.l.all(i, v, v == i + 1)", true],
    ["self.l.all(i, v, v > 1)", false],
    ["self.l.exists(i, v, i == 2 && v == 3)", true],
    ["self.m.exists(k, v, k == 'c')", false],
    ["self.m.existsOne(k, v, v > 1)", true],
    ["self.l.exists_one(i, v, v > 1)", false],
    ["self.l.transformList(i, v, v * 10)", [10, 20, 30]],
    ["self.l.transformList(i, v, i > 0, v)", [2, 3]],
    ["self.m.transformList(k, v, k + string(v))", ["a1", "b2"]],
    ["self.m.transformMap(k, v, v + 1)", { a: 2, b: 3 }],
    ["self.m.transformMap(k, v, k == 'a', v + 1)", { a: 2 }],
    ["self.l.transformMap(i, v, v)[1]", 2],
    ["self.l.transformMapEntry(i, v, {string(v): i})", { "1": 0, "2": 1, "3": 2 }],
    ["self.m.transformMapEntry(k, v, v > 1, {v: k})", { "2": "b" }],
    // Nested, shadowing, and mixed with one-variable macros.
    ["self.l.all(i, v, self.l.exists(j, w, w == v && j == i))", true],
    ["self.m.all(k, v, [k].all(k, k == 'a' || k == 'b'))", true],
    ["self.l.map(x, x * 2).all(i, v, v == (i + 1) * 2)", true],
    ["self.l.transformList(i, v, [i, v].all(x, x < 4))", [true, true, true]],
  ];
  for (const [source, want] of cases) {
    const c = compile(source, { variables: ["self"] });
    assert.ok(c.ok, `${source}: ${c.ok ? "" : c.error.message}`);
    const r = c.program.evaluate({ self });
    assert.ok(r.ok, `${source}: ${r.ok ? "" : r.error.message}`);
    assert.deepEqual(fromCel(r.value), want, source);
  }
  const dup = compile("[1, 1].transformMapEntry(i, v, {v: i})", { variables: [] });
  assert.ok(dup.ok);
  const r = dup.program.evaluate({});
  assert.ok(!r.ok);
  assert.equal(r.error.message, "insert failed: key 1 already exists");
});

test("two-variable comprehensions are typed and costed over their range", () => {
  const schema: TypeSchema = {
    type: "object",
    properties: {
      bounded: { type: "array", maxItems: 10, items: { type: "integer" } },
      unbounded: { type: "array", items: { type: "integer" } },
    },
  };
  const check = (s: string) => compile(s, { variables: ["self"], types: { self: schema } });
  const small = check("self.bounded.all(i, v, v > i)");
  const big = check("self.unbounded.all(i, v, v > i)");
  assert.ok(small.ok && big.ok);
  assert.equal(small.program.resultType, "bool");
  assert.ok(small.program.estimatedCost < 200, String(small.program.estimatedCost));
  assert.ok(big.program.estimatedCost > 1_000_000, String(big.program.estimatedCost));
  const bad = check("self.bounded.all(i, v, v > i) && self.nope");
  assert.ok(!bad.ok);
  assert.match(bad.error.message, /undefined field 'nope'/);
});

test("two-variable comprehension variables have the range's key and value types", () => {
  const schema: TypeSchema = {
    type: "object",
    properties: {
      names: { type: "array", items: { type: "string" } },
      counts: { type: "object", additionalProperties: { type: "integer" } },
    },
  };
  const cases: [string, string | RegExp][] = [
    ["self.names.all(i, v, v.startsWith('a') && i >= 0)", "bool"],
    ["self.counts.exists(k, v, k.size() == v)", "bool"],
    ["self.names.transformList(i, v, v + string(i))", "list(string)"],
    [
      "self.names.all(i, v, v == 1)",
      /no matching overload for '_==_' applied to '\(string, int\)'/,
    ],
    [
      "self.names.all(i, v, i == 'a')",
      /no matching overload for '_==_' applied to '\(int, string\)'/,
    ],
    [
      "self.counts.all(k, v, v == 'x')",
      /no matching overload for '_==_' applied to '\(int, string\)'/,
    ],
    [
      "self.counts.all(k, v, k == 1)",
      /no matching overload for '_==_' applied to '\(string, int\)'/,
    ],
    ["[1, 2].exists(i, v, v.size() > 0)", /no matching overload for 'size' applied to 'int\.\(\)'/],
  ];
  for (const [source, want] of cases) {
    const r = compile(source, { variables: ["self"], types: { self: schema } });
    if (typeof want === "string") {
      assert.ok(r.ok, `${source}: ${r.ok ? "" : r.error.message}`);
      assert.equal(r.program.resultType, want, source);
    } else {
      assert.ok(!r.ok, source);
      assert.match(r.error.message, want, source);
    }
  }
});
