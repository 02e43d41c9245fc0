import { test } from "node:test";
import assert from "node:assert/strict";
import { compile, fromCel, type EvalOptions } from "./index.ts";

function evalJSON(expr: string, bindings: Record<string, unknown>, opts?: EvalOptions): unknown {
  const c = compile(expr, { variables: ["self", "oldSelf", "object", "params", "authorizer"] });
  if (!c.ok) throw c.error;
  const r = c.program.evaluate(bindings, opts);
  if (!r.ok) return { error: r.error.message, code: r.error.code };
  return fromCel(r.value);
}

test("evaluates rules over JSON bindings", () => {
  const self = { replicas: 3, min: 1, name: "web", tags: ["a", "b"], m: { a: 1 }, ratio: 0.5 };
  const cases: [string, unknown][] = [
    ["self.replicas <= 5", true],
    ["self.replicas >= self.min && self.replicas < 3", false],
    ["has(self.m.a) && !has(self.m.b)", true],
    ["self.tags.exists(t, t == 'b')", true],
    ["self.tags.all(t, t.size() == 1)", true],
    ["self.tags.map(t, t.upperAscii())", ["A", "B"]],
    ["self.tags.filter(t, t != 'a')", ["b"]],
    ["size(self.tags) == 2", true],
    ["self.name.startsWith('w') && self.name.matches('^[a-z]+$')", true],
    ["self.ratio * 2.0", 1],
    ["self.m.a + 1", 2],
    ["'x' in self.tags", false],
    ["self.replicas > 2 ? 'big' : 'small'", "big"],
    ["int('12') + 1", 13],
    ["duration('1h') > duration('30m')", true],
    ["string(timestamp('2020-01-01T00:00:00Z'))", "2020-01-01T00:00:00Z"],
  ];
  for (const [expr, want] of cases) assert.deepEqual(evalJSON(expr, { self }), want, expr);
});

test("transition rules see oldSelf; references report it", () => {
  const c = compile("self.replicas >= oldSelf.replicas", { variables: ["self", "oldSelf"] });
  assert.ok(c.ok);
  assert.deepEqual([...c.program.references].sort(), ["oldSelf", "self"]);
  const r = c.program.evaluate({ self: { replicas: 2 }, oldSelf: { replicas: 3 } });
  assert.ok(r.ok && r.value === false);
  const unbound = c.program.evaluate({ self: { replicas: 2 } });
  assert.ok(!unbound.ok && unbound.error.code === "CEL_EVAL");
});

test("compile errors are typed and read like cel-go's", () => {
  const cases: [string, RegExp][] = [
    [
      "nope + 1",
      /^compilation failed: ERROR: <input>:1:1: undeclared reference to 'nope' \(in container ''\)\n \| nope \+ 1\n \| \^$/,
    ],
    ["self.a &&", /^compilation failed: ERROR: <input>:1:8: Syntax error: /],
    ["frobnicate(self)", /undeclared reference to 'frobnicate'/],
    ["self.a.all(x, y > 0)", /ERROR: <input>:1:15: undeclared reference to 'y'/],
    ["self.a > 1 &&\n  missing", /ERROR: <input>:2:3: undeclared reference to 'missing'/],
  ];
  for (const [expr, want] of cases) {
    const c = compile(expr, { variables: ["self"] });
    assert.ok(!c.ok, expr);
    assert.equal(c.error.code, "CEL_COMPILE");
    assert.match(c.error.message, want, expr);
    assert.ok(c.error.issues.length >= 1);
  }
});

test("runtime errors use upstream wording", () => {
  assert.deepEqual(evalJSON("self.missing == 1", { self: {} }), {
    error: "no such key: missing",
    code: "CEL_EVAL",
  });
  assert.equal((evalJSON("1 / 0", {}) as { code: string }).code, "CEL_EVAL");
  assert.match(
    (evalJSON("self + 1", { self: "a" }) as { error: string }).error,
    /no matching overload/,
  );
});

test("cost budget stops nested comprehensions", () => {
  const c = compile("self.l.all(x, self.l.all(y, x + y >= 0))", { variables: ["self"] });
  assert.ok(c.ok);
  const l = Array.from({ length: 200 }, (_, i) => i);
  const small = c.program.evaluate({ self: { l } }, { costLimit: 1_000_000, now: () => 0 });
  assert.ok(small.ok && small.value === true);
  assert.ok(small.cost > 200 * 200, `cost ${small.cost} counts inner iterations`);
  const limited = c.program.evaluate({ self: { l } }, { costLimit: 1000, now: () => 0 });
  assert.ok(!limited.ok);
  assert.equal(limited.error.code, "CEL_COST_LIMIT");
  assert.equal(limited.error.message, "operation cancelled: actual cost limit exceeded");
});

test("each iteration costs its loop body's nodes, as cel-go's runtime cost", () => {
  const l = Array.from({ length: 1000 }, (_, i) => i);
  const cases: [string, number, number][] = [
    // cond @not_strictly_false(@result): 2; step @result && x >= 0: 4; plus 1.
    ["self.all(x, x >= 0)", 7000, 7100],
    ["self.all(x, x >= 0 && x < 5000 && x != 7000)", 13000, 13100],
    ["self.map(x, x + 1).size() > 0", 6000, 6100],
  ];
  for (const [source, min, max] of cases) {
    const c = compile(source, { variables: ["self"] });
    assert.ok(c.ok, source);
    const r = c.program.evaluate({ self: l }, { now: () => 0 });
    assert.ok(r.ok, source);
    assert.ok(r.cost >= min && r.cost <= max, `${source}: cost ${r.cost}`);
  }
  // 150,000 iterations of 7 pass the per-call limit of 1,000,000.
  const big = Array.from({ length: 150_000 }, () => 1);
  const c = compile("self.all(x, x >= 0)", { variables: ["self"] });
  assert.ok(c.ok);
  const r = c.program.evaluate({ self: big }, { now: () => 0 });
  assert.ok(!r.ok);
  assert.equal(r.error.message, "operation cancelled: actual cost limit exceeded");
});

test("time limit stops evaluation using the injected clock", () => {
  const c = compile("self.l.all(x, self.l.all(y, x + y >= 0))", { variables: ["self"] });
  assert.ok(c.ok);
  let t = 0;
  const now = (): number => (t += 10);
  const l = Array.from({ length: 300 }, (_, i) => i);
  const r = c.program.evaluate({ self: { l } }, { timeoutMs: 100, now });
  assert.ok(!r.ok);
  assert.equal(r.error.code, "CEL_TIMEOUT");
});

test("schema hints keep number fields double", () => {
  const c = compile("self.x == 2.0 && type(self.x) == double", { variables: ["self"] });
  assert.ok(c.ok);
  const r = c.program.evaluate(
    { self: { x: 2 } },
    { schemas: { self: { type: "object", properties: { x: { type: "number" } } } } },
  );
  assert.ok(r.ok && r.value === true, JSON.stringify(r));
  const asInt = c.program.evaluate({ self: { x: 2 } });
  assert.ok(!asInt.ok || asInt.value === false);
});

test("schema properties are escaped and nulls are absent", () => {
  const c = compile(
    "self.x__dash__prop == 1 && self.__namespace__ == 'a' && !has(self.gone) && self.m['a-b'] == 2",
    {
      variables: ["self"],
    },
  );
  assert.ok(c.ok);
  const schema = {
    type: "object",
    properties: {
      "x-prop": { type: "integer" },
      namespace: { type: "string" },
      gone: { type: "string" },
      m: { type: "object", additionalProperties: { type: "integer" } },
    },
  };
  const r = c.program.evaluate(
    { self: { "x-prop": 1, namespace: "a", gone: null, m: { "a-b": 2 } } },
    { schemas: { self: schema } },
  );
  assert.ok(r.ok && r.value === true, JSON.stringify(r));
});
