import { test } from "node:test";
import assert from "node:assert/strict";
import { FieldSet, keyElement, pathString, valueElement } from "./field-set.ts";
import { compareObjects, fieldSetOf } from "./field-set-of.ts";
import { deploymentSchema, podSchema } from "./testing-schemas.ts";

test("FieldSet: FieldsV1 round trip keeps members with children as '.'", () => {
  const fields = {
    "f:metadata": { "f:labels": { ".": {}, "f:app": {} } },
    "f:spec": {
      "f:containers": {
        'k:{"name":"web"}': { ".": {}, "f:image": {}, "f:name": {} },
      },
      "f:replicas": {},
    },
  };
  const set = FieldSet.fromFieldsV1(fields);
  assert.deepEqual(set.toFieldsV1(), fields);
  assert.ok(set.has(["f:metadata", "f:labels"]));
  assert.ok(!set.has(["f:metadata"]));
  assert.ok(set.has(["f:spec", "f:containers", 'k:{"name":"web"}', "f:image"]));
});

test("FieldSet: malformed FieldsV1 is rejected", () => {
  assert.throws(() => FieldSet.fromFieldsV1({ "x:y": {} }), /bad path element/);
  assert.throws(() => FieldSet.fromFieldsV1({ "f:a": 1 }), /expected an object/);
  assert.throws(() => FieldSet.fromFieldsV1([]), /expected an object/);
});

test("FieldSet: merge, subtract and prune change the set in place as union, difference and withoutPrefixes", () => {
  const a = () =>
    FieldSet.fromFieldsV1({
      "f:spec": { ".": {}, "f:x": {}, "f:y": { "f:z": {} } },
      "f:status": {},
    });
  const b = FieldSet.fromFieldsV1({ "f:spec": { "f:y": { "f:z": {} }, "f:w": {} } });
  const cases: [string, (s: FieldSet) => FieldSet, (s: FieldSet) => FieldSet][] = [
    ["merge", (s) => s.merge(b), (s) => s.union(b)],
    ["subtract", (s) => s.subtract(b), (s) => s.difference(b)],
    [
      "prune",
      (s) => s.prune([["f:spec", "f:y"], ["f:status"]]),
      (s) => s.withoutPrefixes([["f:spec", "f:y"], ["f:status"]]),
    ],
    ["prune all", (s) => s.prune([[]]), (s) => s.withoutPrefixes([[]])],
  ];
  for (const [name, inPlace, copying] of cases) {
    const target = a();
    const result = inPlace(target);
    assert.equal(result, target, `${name} returns the same set`);
    assert.deepEqual(target.toFieldsV1(), copying(a()).toFieldsV1(), name);
  }
  // Subtracting everything leaves no empty nodes behind.
  assert.ok(a().subtract(a()).isEmpty());
});

test("FieldSet: union, difference, intersection are exact-path", () => {
  const a = new FieldSet().insert(["f:a"]).insert(["f:b", "f:c"]);
  const b = new FieldSet().insert(["f:b", "f:c"]).insert(["f:b"]);
  assert.deepEqual(a.union(b).paths(), [["f:a"], ["f:b"], ["f:b", "f:c"]]);
  assert.deepEqual(a.difference(b).paths(), [["f:a"]]);
  assert.deepEqual(a.intersection(b).paths(), [["f:b", "f:c"]]);
  assert.ok(a.difference(a).isEmpty());
  assert.ok(a.hasAtOrBelow(["f:b"]));
  assert.ok(!a.hasAtOrBelow(["f:z"]));
  assert.deepEqual(a.withoutPrefixes([["f:b"]]).paths(), [["f:a"]]);
});

test("path strings as upstream prints them", () => {
  const cases: [string[], string][] = [
    [["f:spec", "f:replicas"], ".spec.replicas"],
    [
      ["f:spec", "f:containers", keyElement({ name: "web" }), "f:image"],
      '.spec.containers[name="web"].image',
    ],
    [
      ["f:ports", keyElement({ protocol: "TCP", containerPort: 80 })],
      '.ports[containerPort=80,protocol="TCP"]',
    ],
    [["f:metadata", "f:finalizers", valueElement("a/b")], '.metadata.finalizers[="a/b"]'],
    [["f:args", "i:2"], ".args[2]"],
  ];
  for (const [path, want] of cases) assert.equal(pathString(path), want);
});

test("fieldSetOf: an apply configuration as upstream records it", () => {
  const applied = {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "web", labels: { app: "web" } },
    spec: {
      replicas: 2,
      selector: { matchLabels: { app: "web" } },
      template: {
        metadata: { labels: { app: "web" } },
        spec: {
          containers: [
            { name: "web", image: "nginx", ports: [{ containerPort: 80 }], resources: {} },
          ],
        },
      },
    },
  };
  assert.deepEqual(fieldSetOf(applied, deploymentSchema).toFieldsV1(), {
    "f:apiVersion": {},
    "f:kind": {},
    "f:metadata": { "f:labels": { "f:app": {} }, "f:name": {} },
    "f:spec": {
      "f:replicas": {},
      "f:selector": {},
      "f:template": {
        "f:metadata": { "f:labels": { "f:app": {} } },
        "f:spec": {
          "f:containers": {
            'k:{"name":"web"}': {
              ".": {},
              "f:image": {},
              "f:name": {},
              "f:ports": {
                'k:{"containerPort":80,"protocol":"TCP"}': { ".": {}, "f:containerPort": {} },
              },
              "f:resources": {},
            },
          },
        },
      },
    },
  });
});

test("fieldSetOf: set lists by value, atomic lists whole, missing key is an error", () => {
  const set = fieldSetOf(
    { metadata: { finalizers: ["a", "b"] }, spec: { tolerations: [{ key: "k" }] } },
    podSchema,
  );
  assert.deepEqual(set.toFieldsV1(), {
    "f:metadata": { "f:finalizers": { 'v:"a"': {}, 'v:"b"': {} } },
    "f:spec": { "f:tolerations": {} },
  });
  assert.throws(
    () => fieldSetOf({ spec: { containers: [{ image: "x" }] } }, podSchema),
    /\.spec\.containers: element 0: associative list with keys has an element that omits key field "name"/,
  );
});

test("compareObjects: added, removed and modified leaves and items", () => {
  const before = {
    metadata: { labels: { a: "1", b: "2" } },
    spec: {
      containers: [
        { name: "x", image: "i1" },
        { name: "y", image: "y" },
      ],
      nodeName: "n1",
    },
  };
  const after = {
    metadata: { labels: { a: "1", c: "3" } },
    spec: {
      containers: [
        { name: "x", image: "i2" },
        { name: "z", image: "z" },
      ],
      nodeName: "n1",
    },
  };
  const c = compareObjects(before, after, podSchema);
  const x = 'k:{"name":"x"}';
  assert.deepEqual(c.modified.paths(), [["f:spec", "f:containers", x, "f:image"]]);
  assert.deepEqual(c.added.paths(), [
    ["f:metadata", "f:labels", "f:c"],
    ["f:spec", "f:containers", 'k:{"name":"z"}'],
    ["f:spec", "f:containers", 'k:{"name":"z"}', "f:image"],
    ["f:spec", "f:containers", 'k:{"name":"z"}', "f:name"],
  ]);
  assert.deepEqual(c.removed.paths()[0], ["f:metadata", "f:labels", "f:b"]);
  assert.equal(c.removed.paths().length, 4);
  const same = compareObjects(before, structuredClone(before), podSchema);
  assert.ok(same.added.isEmpty() && same.removed.isEmpty() && same.modified.isEmpty());
});
