import { test } from "node:test";
import assert from "node:assert/strict";
import { canonicalJSON, computeHash, safeEncode, storedTemplateKey, templateKey } from "./hash.ts";

test("canonicalJSON sorts keys and treats null fields as absent", () => {
  const cases: [unknown, unknown, boolean][] = [
    [{ b: 1, a: 2 }, { a: 2, b: 1 }, true],
    [
      { metadata: { creationTimestamp: null, labels: { a: "x" } } },
      { metadata: { labels: { a: "x" } } },
      true,
    ],
    [{ a: [1, 2] }, { a: [2, 1] }, false],
    [{ a: { b: 1 } }, { a: { b: 2 } }, false],
    [[null], [], false],
  ];
  for (const [x, y, equal] of cases)
    assert.equal(
      canonicalJSON(x) === canonicalJSON(y),
      equal,
      `${JSON.stringify(x)} vs ${JSON.stringify(y)}`,
    );
});

test("computeHash: kubectl's undo template (creationTimestamp: null) hashes like the original", () => {
  const original = {
    metadata: { labels: { app: "nginx" } },
    spec: { containers: [{ name: "c", image: "nginx" }] },
  };
  const restored = {
    metadata: { creationTimestamp: null, labels: { app: "nginx" } },
    spec: original.spec,
  };
  assert.equal(computeHash(restored), computeHash(original));
  assert.notEqual(computeHash(original, 1), computeHash(original));
  assert.match(computeHash(original), /^[4-9bcdf]+$/);
  assert.equal(safeEncode(1234567890), "56789bcdf4");
  assert.equal(safeEncode(7), "c");
});

test("templateKey: a template stored before a default existed equals the defaulted one", () => {
  const old = {
    metadata: { labels: { app: "web" } },
    spec: { containers: [{ name: "web", image: "nginx:1.27" }] },
  };
  const stored = {
    metadata: { labels: { app: "web" } },
    spec: {
      containers: [
        {
          name: "web",
          image: "nginx:1.27",
          resources: {},
          imagePullPolicy: "IfNotPresent",
          terminationMessagePath: "/dev/termination-log",
          terminationMessagePolicy: "File",
        },
      ],
      restartPolicy: "Always",
      dnsPolicy: "ClusterFirst",
      terminationGracePeriodSeconds: 30,
      securityContext: {},
      schedulerName: "default-scheduler",
    },
  };
  assert.notEqual(canonicalJSON(old), canonicalJSON(stored));
  assert.equal(templateKey(old), templateKey(stored));
  // The caller's object is left as it was.
  assert.equal("resources" in old.spec.containers[0]!, false);
  const changed = structuredClone(stored);
  changed.spec.containers[0]!.image = "nginx:1.28";
  assert.notEqual(templateKey(changed), templateKey(stored));
  const limited = structuredClone(stored);
  (limited.spec.containers[0] as { resources: object }).resources = { limits: { cpu: "1" } };
  assert.notEqual(templateKey(limited), templateKey(old));
});

test("storedTemplateKey caches per object and per extractor", () => {
  const obj = {
    a: { spec: { containers: [{ name: "a", image: "a:1" }] } },
    b: { spec: { containers: [{ name: "b", image: "b:1" }] } },
  };
  const first = (o: typeof obj) => o.a;
  const second = (o: typeof obj) => o.b;
  assert.equal(storedTemplateKey(obj, first), templateKey(obj.a));
  assert.equal(storedTemplateKey(obj, second), templateKey(obj.b));
  assert.notEqual(storedTemplateKey(obj, first), storedTemplateKey(obj, second));
});
