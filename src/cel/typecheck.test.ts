import { test } from "node:test";
import assert from "node:assert/strict";
import { compile } from "./compile.ts";
import type { TypeSchema } from "./typecheck.ts";

const spec: TypeSchema = {
  type: "object",
  properties: {
    replicas: { type: "integer" },
    ratio: { type: "number" },
    name: { type: "string", maxLength: 10 },
    enabled: { type: "boolean" },
    tags: { type: "array", maxItems: 5, items: { type: "string", maxLength: 8 } },
    labels: { type: "object", additionalProperties: { type: "string" } },
    port: { "x-kubernetes-int-or-string": true },
    free: { type: "object", "x-kubernetes-preserve-unknown-fields": true },
    items: { type: "array", items: { type: "string" } },
    "x-prop": { type: "integer" },
    namespace: { type: "string" },
  },
};

function check(source: string) {
  return compile(source, { variables: ["self", "oldSelf"], types: { self: spec, oldSelf: spec } });
}

test("rules type-check against the schema", () => {
  const ok: [string, string][] = [
    ["self.replicas <= 5", "bool"],
    ["self.replicas < self.ratio", "bool"],
    ["self.name.startsWith('a') && self.enabled", "bool"],
    ["self.tags.all(t, t.size() < 5)", "bool"],
    ["self.labels.foo == 'x'", "bool"],
    ["self.port == 80 || self.port == 'http'", "bool"],
    ["self.free.anything.goes", "dyn"],
    ["has(self.name) ? self.name : 'x'", "string"],
    ["self.metadata.name == 'x'", "bool"],
    ["self.?name.orValue('') == ''", "bool"],
    ["self.replicas + 1", "int"],
    ["self.x__dash__prop > 0 && self.__namespace__ != ''", "bool"],
  ];
  for (const [source, type] of ok) {
    const c = check(source);
    assert.ok(c.ok, `${source}: ${c.ok ? "" : c.error.message}`);
    assert.equal(c.program.resultType, type, source);
  }
  const bad: [string, string][] = [
    ["self.nope == 1", "ERROR: <input>:1:5: undefined field 'nope'"],
    ["has(self.nope)", "ERROR: <input>:1:1: undefined field 'nope'"],
    [
      "self.replicas == 'one'",
      "ERROR: <input>:1:15: found no matching overload for '_==_' applied to '(int, string)'",
    ],
    [
      "self.name > 5",
      "ERROR: <input>:1:11: found no matching overload for '_>_' applied to '(string, int)'",
    ],
    [
      "self.enabled && self.replicas",
      "ERROR: <input>:1:14: found no matching overload for '_&&_' applied to '(bool, int)'",
    ],
    ["self.name.first", "ERROR: <input>:1:10: type 'string' does not support field selection"],
  ];
  for (const [source, message] of bad) {
    const c = check(source);
    assert.ok(!c.ok, source);
    assert.equal(c.error.message.split("\n")[0], `compilation failed: ${message}`, source);
  }
});

test("estimated cost follows sizes from the schema", () => {
  const cost = (s: string) => {
    const c = check(s);
    assert.ok(c.ok, s);
    return c.program.estimatedCost;
  };
  // Bounded list of bounded strings: cheap; unbounded list with a nested loop: huge.
  assert.ok(cost("self.tags.all(t, t.size() < 5)") < 100);
  assert.ok(cost("self.items.all(a, self.items.exists(b, a == b))") > 10_000_000);
  assert.ok(cost("self.items.all(a, a.matches('^x+$'))") > cost("self.items.all(a, a == 'x')"));
});
