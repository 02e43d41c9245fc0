import { test } from "node:test";
import assert from "node:assert/strict";
import { compile, returnTypeError } from "./compile.ts";
import { withTypeAndObjectMeta } from "./types.ts";
import type { TypeSchema } from "./typecheck.ts";
import { fromCel } from "./values.ts";

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
    ["has(self.name) ? self.name : 'x'", "string"],
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
    // Unknown fields of preserve-unknown-fields objects are not readable.
    ["self.free.anything == 1", "ERROR: <input>:1:10: undefined field 'anything'"],
    // Only resource roots and embedded resources have implicit metadata.
    ["self.metadata.name == 'x'", "ERROR: <input>:1:5: undefined field 'metadata'"],
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

const ADMISSION = [
  "object",
  "oldObject",
  "request",
  "params",
  "namespaceObject",
  "variables",
  "authorizer",
];

test("admission expressions type-check as cel-go's checker with dyn objects", () => {
  const ok: [string, string][] = [
    ["object.spec.replicas > 5", "bool"],
    ["request.operation == 'CREATE' && request.userInfo.groups.exists(g, g == 'x')", "bool"],
    ["namespaceObject.metadata.labels['env'] == 'prod'", "bool"],
    ["request.kind.group", "string"],
    ["object.spec.x.matches('^a$') || 1 < 1.5", "bool"],
    ["size(object.items) + object.items.size()", "int"],
    ["authorizer.group('').resource('pods').check('get').allowed()", "bool"],
    ["authorizer.requestResource.check('get').reason()", "string"],
    ["quantity('1').add(1).isGreaterThan(quantity('2'))", "bool"],
    ["[1, 2].map(x, x * 2)", "list(int)"],
    ["{'a': 1}.a + 1", "int"],
    ["object.spec.foo in ['a', 'b']", "bool"],
    ["object.spec.list.isSorted() && object.spec.list.sum() > 0", "bool"],
    ["format.dns1123Label().validate('x').hasValue()", "bool"],
    ["'a,b'.split(',')", "list(string)"],
    ["'%s-%d'.format([object.x, 1, [1, 'a']])", "string"],
    ["url('http://x').getQuery()['a'][0]", "string"],
    ["timestamp('2020-01-01T00:00:00Z') + duration('1h')", "google.protobuf.Timestamp"],
    ["object.x ? true : dyn(1)", "bool"],
    ["object.x ? dyn(1) : true", "dyn"],
    ["optional.of(1)", "optional_type(int)"],
    ["[?optional.of(1), 2]", "list(int)"],
    ["sets.contains([1], [1])", "bool"],
    ["cidr('10.0.0.0/8').ip()", "net.IP"],
  ];
  for (const [source, type] of ok) {
    const c = compile(source, { variables: ADMISSION });
    assert.ok(c.ok, `${source}: ${c.ok ? "" : c.error.message}`);
    assert.equal(c.program.resultType, type, source);
  }
  const bad: [string, string][] = [
    ["request.operaton == 'CREATE'", "ERROR: <input>:1:8: undefined field 'operaton'"],
    ["namespaceObject.spec.nope", "ERROR: <input>:1:21: undefined field 'nope'"],
    [
      "object.metadata.name.startsWith(1)",
      "ERROR: <input>:1:32: found no matching overload for 'startsWith' applied to 'dyn.(int)'",
    ],
    [
      "1 + 'a'",
      "ERROR: <input>:1:3: found no matching overload for '_+_' applied to '(int, string)'",
    ],
    [
      "1 == 1.0",
      "ERROR: <input>:1:3: found no matching overload for '_==_' applied to '(int, double)'",
    ],
    [
      "int('1') + 1u",
      "ERROR: <input>:1:10: found no matching overload for '_+_' applied to '(int, uint)'",
    ],
    ["[1, 'a']", "ERROR: <input>:1:5: expected type 'int' but found 'string'"],
    ["{'a': 1, 'b': true}", "ERROR: <input>:1:15: expected type 'int' but found 'bool'"],
    [
      "'abc'[0]",
      "ERROR: <input>:1:6: found no matching overload for '_[_]' applied to '(string, int)'",
    ],
    [
      "object.x ? 1 : 'a'",
      "ERROR: <input>:1:10: found no matching overload for '_?_:_' applied to '(dyn, int, string)'",
    ],
    [
      "'a'.all(x, true)",
      "ERROR: <input>:1:1: expression of type 'string' cannot be the range of a comprehension (must be list, map, or dynamic)",
    ],
    ["size(1)", "ERROR: <input>:1:5: found no matching overload for 'size' applied to '(int)'"],
    [
      "object.a && 1",
      "ERROR: <input>:1:10: found no matching overload for '_&&_' applied to '(dyn, int)'",
    ],
    ["!'x'", "ERROR: <input>:1:1: found no matching overload for '!_' applied to '(string)'"],
    [
      "quantity('1').isGreaterThan(1)",
      "ERROR: <input>:1:28: found no matching overload for 'isGreaterThan' applied to 'kubernetes.Quantity.(int)'",
    ],
    [
      "sets.contains([1], ['a'])",
      "ERROR: <input>:1:14: found no matching overload for 'sets.contains' applied to '(list(int), list(string))'",
    ],
    [
      "optional.of(1).orValue('x')",
      "ERROR: <input>:1:23: found no matching overload for 'orValue' applied to 'optional_type(int).(string)'",
    ],
  ];
  for (const [source, message] of bad) {
    const c = compile(source, { variables: ADMISSION });
    assert.ok(!c.ok, source);
    assert.equal(c.error.message.split("\n")[0], `compilation failed: ${message}`, source);
  }
});

test("result types are checked as upstream's admission compiler does", () => {
  const cases: [string, string[], string | undefined][] = [
    ["object.spec.paused", ["bool"], "must evaluate to bool but got dyn"],
    ["object.spec.paused == true", ["bool"], undefined],
    ["1", ["bool"], "must evaluate to bool but got int"],
    ["object.spec.containers.map(c, c.name)", ["bool"], "must evaluate to bool but got list(dyn)"],
    ["'x: ' + string(object.spec.replicas)", ["string"], undefined],
    ["null", ["string", "null_type"], undefined],
    ["1", ["string", "null_type"], "must evaluate to one of [string null_type] but got int"],
    ["object", ["any"], undefined],
  ];
  for (const [source, returns, want] of cases) {
    const c = compile(source, { variables: ADMISSION });
    assert.ok(c.ok, source);
    assert.equal(returnTypeError(c.program, returns), want, source);
  }
});

test("date-time, date and duration fields are timestamps and durations, statically and at run time", () => {
  const schema: TypeSchema = {
    type: "object",
    properties: {
      ts: { type: "string", format: "date-time" },
      day: { type: "string", format: "date" },
      d: { type: "string", format: "duration" },
    },
  };
  const self = { ts: "2020-01-01T10:00:00Z", day: "2020-01-01", d: "1h30m" };
  const cases: [string, string, unknown][] = [
    ["self.ts > timestamp('2019-01-01T00:00:00Z') && self.ts.getFullYear() == 2020", "bool", true],
    ["self.day < self.ts", "bool", true],
    ["self.d == duration('90m')", "bool", true],
    ["self.ts + self.d", "google.protobuf.Timestamp", "2020-01-01T11:30:00Z"],
    ["self.ts - timestamp('2020-01-01T00:00:00Z') > self.d", "bool", true],
  ];
  for (const [source, type, want] of cases) {
    const c = compile(source, { variables: ["self"], types: { self: schema } });
    assert.ok(c.ok, `${source}: ${c.ok ? "" : c.error.message}`);
    assert.equal(c.program.resultType, type, source);
    const r = c.program.evaluate({ self }, { schemas: { self: schema } });
    assert.ok(r.ok, `${source}: ${r.ok ? "" : r.error.message}`);
    assert.deepEqual(fromCel(r.value), want, source);
  }
  const bad = compile("self.ts == '2020'", { variables: ["self"], types: { self: schema } });
  assert.ok(!bad.ok);
  assert.match(
    bad.error.message,
    /found no matching overload for '_==_' applied to '\(google\.protobuf\.Timestamp, string\)'/,
  );
  // namespaceObject is typed as upstream's: its timestamps compare as timestamps.
  const ns = compile(
    "namespaceObject.metadata.creationTimestamp < timestamp('2021-01-01T00:00:00Z')",
    { variables: ["namespaceObject"] },
  );
  assert.ok(ns.ok);
  const r = ns.program.evaluate({
    namespaceObject: { metadata: { name: "a", creationTimestamp: "2020-05-01T00:00:00Z" } },
  });
  assert.ok(r.ok && r.value === true, JSON.stringify(r));
});

test("estimated costs equal upstream's published estimates (apiextensions cost tests)", () => {
  // Array/map/string schemas with and without maxItems/maxProperties/maxLength.
  const arr = (t: string, max?: number, fmt?: string) => ({
    type: "array",
    ...(max !== undefined ? { maxItems: max } : {}),
    items:
      t === "int-or-string"
        ? { "x-kubernetes-int-or-string": true }
        : { type: t, ...(fmt ? { format: fmt } : {}) },
  });
  const map = (t: string, max?: number, fmt?: string) => ({
    type: "object",
    ...(max !== undefined ? { maxProperties: max } : {}),
    additionalProperties: { type: t, ...(fmt ? { format: fmt } : {}) },
  });
  const str = (max?: number) => ({
    type: "string",
    ...(max !== undefined ? { maxLength: max } : {}),
  });
  const cases: [TypeSchema, string, number][] = [
    [arr("number"), "self.all(x, true)", 4718591],
    [arr("number", 10), "self.all(x, true)", 32],
    [arr("string"), "self.all(x, true)", 3145727],
    [arr("string", 20), "self.all(x, true)", 62],
    [arr("boolean"), "self.all(x, true)", 1887437],
    [arr("boolean", 5), "self.all(x, true)", 17],
    [map("number"), "self.all(x, true)", 1348169],
    [map("number", 10), "self.all(x, true)", 32],
    [map("number"), "has(self.x)", 0],
    [map("string"), "self.all(x, true)", 1179647],
    [map("boolean"), "self.all(x, true)", 943718],
    [str(), "self.contains('test')", 314574],
    [str(), "self.startsWith('test')", 2],
    [str(30), "self.endsWith('test')", 2],
    [str(), `size(self + "hello") > size("hello")`, 314578],

    [arr("number"), "self[1] == 0.0", 2],
    [arr("number", 10), "self.all(x, self.all(y, true))", 352],
    [arr("number", 10), "self.all(x, self.all(y, self.all(z, true)))", 3552],
    [str(), `self.matches("x")`, 314574],
    [str(), `self == "x"`, 2],
    [str(0), `self == "x"`, 1],
    [arr("number"), "self.all(x, x == 0.0)", 6291454],
    [arr("int-or-string"), "self.all(x, true)", 4718591],
    [arr("int-or-string", 10), "self[0] == 5", 3],
    [arr("string", undefined, "duration"), "self.all(x, true)", 2359295],
    [arr("string", undefined, "date"), "self.all(x, true)", 725936],
    [arr("string", undefined, "date-time"), "self.all(x, true)", 428963],
    [map("string", undefined, "duration"), "self.all(x, true)", 1048577],
    [map("string", undefined, "date"), "self.all(x, true)", 524288],
    [map("string", undefined, "date-time"), "self.all(x, true)", 349526],
    [str(), `self.matches("")`, 1],
    [str(), "self.lowerAscii() == 'lower!'", 314575],
    [map("integer"), "oldSelf.size() == self.size()", 5],
    [arr("boolean", 25), "self[0] == false", 2],
    [arr("string", undefined, "duration"), "self[0].getHours() == 2", 4],
    [str(), "self.find('[0-9]+') == ''", 629147],
  ];

  for (const [schema, rule, want] of cases) {
    const c = compile(rule, {
      variables: ["self", "oldSelf"],
      types: { self: schema, oldSelf: schema },
    });
    assert.ok(c.ok, rule);
    assert.equal(c.program.estimatedCost, want, `${rule} on ${JSON.stringify(schema)}`);
  }
});

test("objects' minimum size counts their required properties without defaults", () => {
  // {"name":"","n":0} is 2 + (4 + 2 + 4) + (1 + 1 + 4) = 18 bytes, plus a comma: 19.
  const item: TypeSchema = {
    type: "object",
    required: ["name", "n", "opt"],
    properties: {
      name: { type: "string" },
      n: { type: "integer" },
      opt: { type: "integer", default: 1 },
    },
  };
  const c = compile("self.all(x, true)", {
    variables: ["self"],
    types: { self: { type: "array", items: item } },
  });
  assert.ok(c.ok);
  assert.equal(c.program.estimatedCost, 3 * Math.floor((3 * 1024 * 1024 - 2) / 19) + 2);
});

test("bounded strings, bytes, times and string-list functions cost as upstream's published estimates", () => {
  // maxLength counts code points: upstream bounds a string at 4 bytes each; an enum
  // bounds it at its longest value; regexes charge one more character of the text.
  const str = (max?: number, extra: TypeSchema = {}): TypeSchema => ({
    type: "string",
    ...(max !== undefined ? { maxLength: max } : {}),
    ...extra,
  });
  const enumValues = { enum: ["A", "B", "C", "LongValue"] };
  const cases: [TypeSchema, string, number][] = [
    [str(10), "self.contains('test')", 5],
    [str(15), "self.startsWith('test')", 2],
    [str(30), "self.endsWith('test')", 2],
    [str(4), `size(self + "hello") > size("hello")`, 7],
    [str(50), `self.matches("x")`, 22],
    [str(10), `"".matches("(((((((((())))))))))[0-9]")`, 7],
    [str(100), `self.matches("")`, 1],
    [str(0), `self == "x"`, 1],
    [str(0, { format: "byte" }), `self == b"x"`, 1],
    [str(undefined, { format: "byte" }), `self == b"x"`, 2],
    [str(10), "self.find('[0-9]+') == ''", 11],
    [str(10), "self.lowerAscii() == 'lower!'", 6],
    [str(undefined, enumValues), "self.contains('A')", 2],
    [str(1000, enumValues), "self.contains('A')", 401],
    [{ type: "array", maxItems: 10, items: str(10) }, "self.join(' ') == 'aa bb'", 43],
    [{ type: "array", items: str() }, "self.join(' ') == 'aa bb'", 329853068905],
    [{ type: "array", maxItems: 10, items: str(10) }, "self.isSorted() == true", 52],
    [{ type: "array", items: str() }, "self.isSorted() == true", 329854432052],
    [
      { type: "object", properties: { str: str(4), before: str(2), after: str(4) } },
      "self.str.replace(self.before, self.after) == 'does not matter'",
      12,
    ],
    [
      { type: "object", properties: { str: str(), before: str(2), after: str(4) } },
      "self.str.replace(self.before, self.after) == 'does not matter'",
      629154,
    ],
    [
      { type: "object", properties: { str: str(10), separator: str(10) } },
      "self.str.split(self.separator) == []",
      22,
    ],
    [
      { type: "object", properties: { str: str(), separator: str() } },
      "self.str.split(self.separator) == []",
      629160,
    ],
    // Map keys have no size; a map value read as a field has an unknown size.
    [
      { type: "object", maxProperties: 10, additionalProperties: str(10) },
      "self.all(x, x.contains(self[x]))",
      72,
    ],
    [{ type: "object", additionalProperties: str() }, "self.all(x, x.contains(self[x]))", 2752507],
    [
      {
        type: "array",
        maxItems: 12,
        items: { type: "object", additionalProperties: { type: "number" } },
      },
      "self.all(x, x.y == 25.2)",
      74,
    ],
    [
      { type: "array", items: { type: "object", additionalProperties: { type: "number" } } },
      "self.all(x, x.y == 25.2)",
      6291452,
    ],
    [
      { type: "object", maxProperties: 0, additionalProperties: { type: "number" } },
      `self["x"] == 0.0`,
      2,
    ],
    [
      { type: "object", additionalProperties: { type: "string", format: "date-time" } },
      `self["a"] == self["b"]`,
      8,
    ],
    [
      { type: "object", additionalProperties: { type: "string", format: "duration" } },
      `self["c"] == self["d"]`,
      8,
    ],
  ];
  for (const [schema, rule, want] of cases) {
    const c = compile(rule, { variables: ["self"], types: { self: schema } });
    assert.ok(c.ok, rule);
    assert.equal(c.program.estimatedCost, want, `${rule} on ${JSON.stringify(schema)}`);
  }
});

test("schemas are exposed to CEL as upstream's SchemaDeclType exposes them", () => {
  const quantity: TypeSchema = { oneOf: [{ type: "string" }, { type: "number" }] } as TypeSchema;
  const root: TypeSchema = withTypeAndObjectMeta({
    type: "object",
    properties: {
      quantity,
      raw: { "x-kubernetes-preserve-unknown-fields": true },
      limits: { type: "object", additionalProperties: quantity },
      list: { type: "array", items: quantity },
      rawObject: { type: "object" },
      free: {
        type: "object",
        "x-kubernetes-preserve-unknown-fields": true,
        properties: { known: { type: "integer" } },
      },
      port: { "x-kubernetes-int-or-string": true },
      embedded: {
        type: "object",
        "x-kubernetes-embedded-resource": true,
        properties: { spec: { type: "object", properties: { n: { type: "integer" } } } },
      },
      metadata: { type: "object" },
    },
  });
  // [expression, result type or the undefined field]
  const cases: [string, { type: string } | { undefinedField: string }][] = [
    ["self.quantity == '1'", { undefinedField: "quantity" }],
    ["has(self.raw)", { undefinedField: "raw" }],
    ["self.limits.size()", { undefinedField: "limits" }],
    ["self.list.size()", { undefinedField: "list" }],
    ["self.rawObject.x", { undefinedField: "x" }],
    ["self.free.known", { type: "int" }],
    ["self.free.unknown", { undefinedField: "unknown" }],
    ["self.port", { type: "dyn" }],
    [
      "self.kind + self.apiVersion + self.metadata.name + self.metadata.generateName",
      { type: "string" },
    ],
    // A declared metadata without name and generateName is replaced: nothing else is visible.
    ["self.metadata.labels", { undefinedField: "labels" }],
    ["self.embedded.metadata.name + self.embedded.kind", { type: "string" }],
    ["self.embedded.spec.n", { type: "int" }],
    ["self.embedded.metadata.namespace", { undefinedField: "namespace" }],
  ];
  for (const [source, want] of cases) {
    const c = compile(source, { variables: ["self"], types: { self: root } });
    if ("type" in want) {
      assert.ok(c.ok, `${source}: ${c.ok ? "" : c.error.message}`);
      assert.equal(c.program.resultType, want.type, source);
    } else {
      assert.ok(!c.ok, source);
      assert.match(c.error.message, new RegExp(`undefined field '${want.undefinedField}'`), source);
    }
  }
  // request.options is upstream's AnyType.
  const r = compile("request.options.dryRun == true", { variables: ["request"] });
  assert.ok(r.ok, r.ok ? "" : r.error.message);
});
