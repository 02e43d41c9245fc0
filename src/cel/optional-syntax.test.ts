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
