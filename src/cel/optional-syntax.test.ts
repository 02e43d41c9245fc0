import { test } from "node:test";
import assert from "node:assert/strict";
import { compile } from "./compile.ts";
import { fromCel } from "./values.ts";

const self = { a: { b: 7, "x-y": 1 }, l: [1, 2], m: { k: "v" } };

test("optional field and index syntax", () => {
  const cases: [string, unknown][] = [
    ["self.?a.?b.orValue(1)", 7],
    ["self.?missing.orValue('d')", "d"],
    ["self.?missing.b.orValue(0)", 0],
    ["self.?a.b.orValue(0)", 7],
    ["self.?missing.?b.hasValue()", false],
    ["self.a[?'x-y'].orValue(0)", 1],
    ["self[?'m'].value().k", "v"],
    ["self.l[?1].orValue(0)", 2],
    ["self.l[?5].orValue(0)", 0],
    ["self.?l[0].orValue(9)", 1],
    ["self.m[?'k'].hasValue() && self.m[?'z'] == optional.none()", true],
    ["'.?[?' == '.?[?' && self.?a.hasValue()", true],
  ];
  for (const [source, want] of cases) {
    const c = compile(source, { variables: ["self"] });
    assert.ok(c.ok, `${source}: ${c.ok ? "" : c.error.message}`);
    const r = c.program.evaluate({ self });
    assert.ok(r.ok, `${source}: ${r.ok ? "" : r.error.message}`);
    assert.deepEqual(fromCel(r.value), want, source);
  }
  const missing = compile("self.?a.missing.orValue(0)", { variables: ["self"] });
  assert.ok(missing.ok);
  const r = missing.program.evaluate({ self });
  assert.ok(!r.ok);
  assert.match(r.error.message, /no such key: missing/);
});

test("errors after optional syntax point into the original text", () => {
  const c = compile("self.?a.orValue(1) + nope", { variables: ["self"] });
  assert.ok(!c.ok);
  assert.equal(
    c.error.message,
    "compilation failed: ERROR: <input>:1:22: undeclared reference to 'nope' (in container '')\n | self.?a.orValue(1) + nope\n | .....................^",
  );
});

test("optional list and map entries, optMap/optFlatMap, or, unwrap", () => {
  const cases: [string, unknown][] = [
    ["[1, ?self.?a.?b, ?self.?zz, 3]", [1, 7, 3]],
    ["[?optional.none()]", []],
    ["[?optional.of([1, 2]), ?optional.none()]", [[1, 2]]],
    ["size([?self.l[?0], ?self.l[?9]])", 1],
    ["[\n ?optional.of(self.l.map(x, x * 2)),\n self.?m.k.orValue('')]", [[2, 4], "v"]],
    ["{?'x': self.?a.?b, ?'y': self.?nope, 'z': 1}", { x: 7, z: 1 }],
    ["{?'k' + 'e': optional.of('v')}", { ke: "v" }],
    ["{'a': self.l.size() > 1 ? 'y' : 'n', ?'b': optional.ofNonZeroValue('')}", { a: "y" }],
    ["'[?x]' + '{?k: v}'", "[?x]{?k: v}"],
    ["[1, 2].exists(x, x > 1 ? true : false)", true],
    ["self.?a.optMap(v, v.b * 2).orValue(0)", 14],
    ["self.?zz.optMap(v, v.b * 2).orValue(0)", 0],
    ["self.?a.optFlatMap(v, v.?b).orValue(0)", 7],
    ["self.?a.optFlatMap(v, v.?zz).orValue(-1)", -1],
    ["optional.none().or(optional.of(2)).value()", 2],
    ["optional.of(1).or(optional.of(2)).value()", 1],
    ["optional.none().or(optional.none()).hasValue()", false],
    ["optional.unwrap([optional.of(1), optional.none(), optional.of(3)])", [1, 3]],
    ["[optional.none(), optional.of('a')].unwrapOpt()", ["a"]],
    ["self.l.first().value() * 10 + self.l.last().value()", 12],
    ["[].first().hasValue() || [].last().hasValue()", false],
    ["optional.ofNonZeroValue(0).hasValue()", false],
    ["optional.ofNonZeroValue([1]).value()", [1]],
  ];
  for (const [source, want] of cases) {
    const c = compile(source, { variables: ["self"] });
    assert.ok(c.ok, `${source}: ${c.ok ? "" : c.error.message}`);
    const r = c.program.evaluate({ self });
    assert.ok(r.ok, `${source}: ${r.ok ? "" : r.error.message}`);
    assert.deepEqual(fromCel(r.value), want, source);
  }
});

test("errors inside optional entries point into the original text", () => {
  const c = compile("[\n ?optional.of(f(1, 2))]", { variables: ["self"] });
  assert.ok(!c.ok);
  assert.equal(
    c.error.message.split("\n")[0],
    "compilation failed: ERROR: <input>:2:15: undeclared reference to 'f' (in container '')",
  );
  const none = compile("optional.none().value()", { variables: [] });
  assert.ok(none.ok);
  const r = none.program.evaluate({});
  assert.ok(!r.ok);
  assert.match(r.error.message, /optional.none\(\) dereference/);
});
