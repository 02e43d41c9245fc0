import { test } from "node:test";
import assert from "node:assert/strict";
import { applyJsonPatch, escapeJsonPointerToken, parseJsonPointer } from "./json-patch.ts";
import { StatusError } from "../status.ts";

const pod = () => ({
  metadata: { name: "web", labels: { app: "web", "a/b": "x", "t~": "y" } },
  spec: {
    containers: [
      { name: "a", image: "nginx" },
      { name: "b", image: "busybox" },
    ],
  },
});

const ok: { name: string; patch: unknown[]; want: unknown }[] = [
  {
    name: "add label",
    patch: [{ op: "add", path: "/metadata/labels/tier", value: "fe" }],
    want: { ...pod(), metadata: { name: "web", labels: { ...pod().metadata.labels, tier: "fe" } } },
  },
  {
    name: "replace image by index",
    patch: [{ op: "replace", path: "/spec/containers/1/image", value: "alpine" }],
    want: {
      ...pod(),
      spec: {
        containers: [
          { name: "a", image: "nginx" },
          { name: "b", image: "alpine" },
        ],
      },
    },
  },
  {
    name: "append with -",
    patch: [{ op: "add", path: "/spec/containers/-", value: { name: "c" } }],
    want: { ...pod(), spec: { containers: [...pod().spec.containers, { name: "c" }] } },
  },
  {
    name: "insert at index shifts",
    patch: [{ op: "add", path: "/spec/containers/0", value: { name: "z" } }],
    want: { ...pod(), spec: { containers: [{ name: "z" }, ...pod().spec.containers] } },
  },
  {
    name: "remove escaped keys ~1 and ~0",
    patch: [
      { op: "remove", path: "/metadata/labels/a~1b" },
      { op: "remove", path: "/metadata/labels/t~0" },
    ],
    want: { ...pod(), metadata: { name: "web", labels: { app: "web" } } },
  },
  {
    name: "move",
    patch: [{ op: "move", from: "/metadata/labels/app", path: "/metadata/labels/name" }],
    want: { ...pod(), metadata: { name: "web", labels: { "a/b": "x", "t~": "y", name: "web" } } },
  },
  {
    name: "copy",
    patch: [{ op: "copy", from: "/spec/containers/0", path: "/spec/containers/-" }],
    want: {
      ...pod(),
      spec: { containers: [...pod().spec.containers, { name: "a", image: "nginx" }] },
    },
  },
  {
    name: "test then replace",
    patch: [
      { op: "test", path: "/spec/containers/0/image", value: "nginx" },
      { op: "replace", path: "/spec/containers/0/image", value: "nginx:2" },
    ],
    want: {
      ...pod(),
      spec: {
        containers: [
          { name: "a", image: "nginx:2" },
          { name: "b", image: "busybox" },
        ],
      },
    },
  },
  {
    name: "replace whole document",
    patch: [{ op: "replace", path: "", value: { a: 1 } }],
    want: { a: 1 },
  },
  { name: "empty patch", patch: [], want: pod() },
];

for (const c of ok) {
  test(`json patch: ${c.name}`, () => {
    const input = pod();
    const out = applyJsonPatch(input, c.patch);
    assert.deepEqual(out, c.want);
    assert.deepEqual(input, pod(), "input must not be mutated");
  });
}

const bad: { name: string; patch: unknown; reason: string; code: number }[] = [
  {
    name: "failed test",
    patch: [{ op: "test", path: "/metadata/name", value: "x" }],
    reason: "Invalid",
    code: 422,
  },
  {
    name: "remove missing",
    patch: [{ op: "remove", path: "/metadata/nope" }],
    reason: "Invalid",
    code: 422,
  },
  {
    name: "replace missing",
    patch: [{ op: "replace", path: "/spec/x", value: 1 }],
    reason: "Invalid",
    code: 422,
  },
  {
    name: "add under missing parent",
    patch: [{ op: "add", path: "/a/b/c", value: 1 }],
    reason: "Invalid",
    code: 422,
  },
  {
    name: "index out of range",
    patch: [{ op: "add", path: "/spec/containers/5", value: 1 }],
    reason: "Invalid",
    code: 422,
  },
  {
    name: "bad index",
    patch: [{ op: "remove", path: "/spec/containers/01" }],
    reason: "Invalid",
    code: 422,
  },
  { name: "unknown op", patch: [{ op: "frob", path: "/a" }], reason: "Invalid", code: 422 },
  { name: "missing path", patch: [{ op: "add", value: 1 }], reason: "Invalid", code: 422 },
  {
    name: "move into own child",
    patch: [{ op: "move", from: "/spec", path: "/spec/x" }],
    reason: "Invalid",
    code: 422,
  },
  { name: "not an array", patch: { op: "add" }, reason: "BadRequest", code: 400 },
  { name: "element not an object", patch: [1], reason: "BadRequest", code: 400 },
  {
    name: "too many operations",
    patch: Array.from({ length: 10001 }, () => ({ op: "test", path: "", value: null })),
    reason: "RequestEntityTooLarge",
    code: 413,
  },
];

for (const c of bad) {
  test(`json patch error: ${c.name}`, () => {
    const input = pod();
    assert.throws(
      () => applyJsonPatch(input, c.patch),
      (err: unknown) =>
        err instanceof StatusError && err.reason === c.reason && err.code === c.code,
    );
    assert.deepEqual(input, pod());
  });
}

test("json patch: 422 carries upstream's generic message and empty details", () => {
  try {
    applyJsonPatch(pod(), [{ op: "test", path: "/metadata/name", value: "x" }]);
    assert.fail("expected an error");
  } catch (err) {
    assert.ok(err instanceof StatusError);
    assert.deepEqual(err.toStatus(), {
      kind: "Status",
      apiVersion: "v1",
      metadata: {},
      status: "Failure",
      message: "the server rejected our request due to an error in our request",
      reason: "Invalid",
      details: {},
      code: 422,
    });
  }
});

test("json pointer escaping round-trips", () => {
  assert.deepEqual(parseJsonPointer("/a~1b/~0c/~01"), ["a/b", "~c", "~1"]);
  assert.equal(escapeJsonPointerToken("a/b~c"), "a~1b~0c");
  assert.deepEqual(parseJsonPointer(""), []);
});
