import { strict as assert } from "node:assert";
import { test } from "node:test";
import { StringInterner } from "./string-intern.ts";

/** An interner that records the strings offered to its table. */
class Recording extends StringInterner {
  offered: string[] = [];
  override intern(s: string): string {
    this.offered.push(s);
    return super.intern(s);
  }
}

const pod = () =>
  JSON.parse(
    JSON.stringify({
      metadata: {
        name: "web-0",
        creationTimestamp: "2026-11-30T10:05:36Z",
        ownerReferences: [{ uid: "d9e6b628-0507-4ad6-9efd-5b20ab8781ee", kind: "ReplicaSet" }],
        managedFields: [{ manager: "kube-controller-manager", fieldsV1: { "f:spec": {} } }],
      },
      spec: {
        containers: [{ image: "registry.k8s.io/pause:3.10", args: ["--long-argument", "x"] }],
        nodeName: "hollow-node-17",
      },
      status: { conditions: [{ type: "PodReadyToStartContainers", status: "True" }] },
      data: { big: "y".repeat(300) },
    }),
  );

test("internValues offers every string value of 11 to maxLength characters, and changes no value", () => {
  const t = new Recording();
  const obj = pod();
  const before = JSON.stringify(obj);
  assert.equal(t.internValues(obj, "fieldsV1"), obj);
  assert.equal(JSON.stringify(obj), before);
  assert.deepEqual(t.offered.sort(), [
    "--long-argument",
    "2026-11-30T10:05:36Z",
    "PodReadyToStartContainers",
    "d9e6b628-0507-4ad6-9efd-5b20ab8781ee",
    "hollow-node-17",
    "kube-controller-manager",
    "registry.k8s.io/pause:3.10",
  ]);
});

test("internValues does not walk the skipped property, frozen objects, or non-objects", () => {
  const t = new Recording();
  const frozen = Object.freeze({ image: "registry.k8s.io/pause:3.10" });
  const obj = {
    a: frozen,
    fieldsV1: { "f:x": "a string value here" },
    b: [Object.freeze(["long string one"])],
  };
  t.internValues(obj, "fieldsV1");
  assert.deepEqual(t.offered, []);
  for (const v of [null, undefined, 3, "a long string value"]) assert.equal(t.internValues(v), v);
  assert.deepEqual(t.offered, []);
});

test("intern returns an equal string, and the table stays within two generations", () => {
  const t = new StringInterner(4);
  for (let i = 0; i < 100; i++) {
    const s = `unique-string-${i}`;
    assert.equal(t.intern(s), s);
    assert.ok(t.size <= 8, `size ${t.size}`);
  }
  // A string interned again after its generation was dropped is still equal.
  assert.equal(t.intern("unique-string-0"), "unique-string-0");
});

test("objects of many decodings stay equal to their JSON after interning", () => {
  const t = new StringInterner(16);
  const texts = Array.from({ length: 50 }, (_, i) =>
    JSON.stringify({ ...pod(), metadata: { ...pod().metadata, name: `web-${i}-long-name` } }),
  );
  const objs = texts.map((s) => t.internValues(JSON.parse(s)));
  objs.forEach((o, i) => assert.equal(JSON.stringify(o), texts[i]));
});
