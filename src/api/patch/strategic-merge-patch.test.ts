import { test } from "node:test";
import assert from "node:assert/strict";
import { applyStrategicMergePatch } from "./strategic-merge-patch.ts";
import { structSchema } from "./patch-schema.ts";
import { deploymentSchema, podSchema } from "./testing-schemas.ts";
import { StatusError } from "../status.ts";

const c = (name: string, extra: Record<string, unknown> = {}) => ({
  name,
  image: `${name}:1`,
  ...extra,
});

const pod = () => ({
  apiVersion: "v1",
  kind: "Pod",
  metadata: { name: "web", labels: { app: "web", old: "x" }, finalizers: ["a", "b"] },
  spec: {
    containers: [
      c("app", {
        env: [
          { name: "A", value: "1" },
          { name: "B", value: "2" },
        ],
        ports: [{ containerPort: 80, protocol: "TCP" }],
      }),
      c("side"),
    ],
    volumes: [{ name: "data", emptyDir: {} }],
    tolerations: [{ key: "k", operator: "Exists" }],
  },
});

type Case = {
  name: string;
  patch: Record<string, unknown>;
  want: (p: ReturnType<typeof pod>) => void;
};

const podCases: Case[] = [
  {
    name: "kubectl apply: image change with $setElementOrder",
    patch: {
      spec: {
        "$setElementOrder/containers": [{ name: "app" }, { name: "side" }],
        containers: [{ image: "app:2", name: "app" }],
      },
    },
    want: (p) => {
      p.spec.containers[0].image = "app:2";
    },
  },
  {
    name: "kubectl apply: remove env var with $patch delete",
    patch: {
      spec: {
        "$setElementOrder/containers": [{ name: "app" }, { name: "side" }],
        containers: [
          {
            "$setElementOrder/env": [{ name: "A" }],
            env: [{ $patch: "delete", name: "B" }],
            name: "app",
          },
        ],
      },
    },
    want: (p) => {
      (p.spec.containers[0] as Record<string, unknown>).env = [{ name: "A", value: "1" }];
    },
  },
  {
    name: "kubectl apply: $retainKeys on a volume changes its source",
    patch: {
      spec: {
        "$setElementOrder/volumes": [{ name: "data" }],
        volumes: [{ $retainKeys: ["hostPath", "name"], hostPath: { path: "/tmp" }, name: "data" }],
      },
    },
    want: (p) => {
      p.spec.volumes = [{ name: "data", hostPath: { path: "/tmp" } } as never];
    },
  },
  {
    name: "kubectl apply: $deleteFromPrimitiveList on finalizers",
    patch: {
      metadata: {
        "$deleteFromPrimitiveList/finalizers": ["b"],
        "$setElementOrder/finalizers": ["a", "c"],
        finalizers: ["c"],
      },
    },
    want: (p) => {
      p.metadata.finalizers = ["a", "c"];
    },
  },
  {
    name: "null deletes a label",
    patch: { metadata: { labels: { old: null, tier: "fe" } } },
    want: (p) => {
      p.metadata.labels = { app: "web", tier: "fe" } as never;
    },
  },
  {
    name: "new container appended by $setElementOrder position",
    patch: {
      spec: {
        "$setElementOrder/containers": [{ name: "app" }, { name: "new" }, { name: "side" }],
        containers: [{ name: "new", image: "n" }],
      },
    },
    want: (p) => {
      p.spec.containers.splice(1, 0, { name: "new", image: "n" } as never);
    },
  },
  {
    name: "port merged by containerPort",
    patch: {
      spec: { containers: [{ name: "app", ports: [{ containerPort: 80, name: "http" }] }] },
    },
    want: (p) => {
      (p.spec.containers[0] as Record<string, unknown>).ports = [
        { containerPort: 80, protocol: "TCP", name: "http" },
      ];
    },
  },
  {
    name: "$patch: replace on a list",
    patch: { spec: { containers: [{ name: "only", image: "o" }, { $patch: "replace" }] } },
    want: (p) => {
      p.spec.containers = [{ name: "only", image: "o" } as never];
    },
  },
  {
    name: "$patch: replace on a map",
    patch: { metadata: { labels: { $patch: "replace", x: "y" } } },
    want: (p) => {
      p.metadata.labels = { x: "y" } as never;
    },
  },
  {
    name: "$patch: delete on a map empties it",
    patch: { metadata: { labels: { $patch: "delete" } } },
    want: (p) => {
      p.metadata.labels = {} as never;
    },
  },
  {
    name: "non-merge list is replaced",
    patch: { spec: { tolerations: [{ key: "other", operator: "Exists" }] } },
    want: (p) => {
      p.spec.tolerations = [{ key: "other", operator: "Exists" }];
    },
  },
  {
    name: "finalizer added as set member, not duplicated",
    patch: { metadata: { finalizers: ["b", "z"] } },
    want: (p) => {
      p.metadata.finalizers = ["a", "b", "z"];
    },
  },
  {
    name: "null inside a new subtree is pruned",
    patch: { spec: { securityContext: { runAsUser: null } } },
    want: (p) => {
      (p.spec as Record<string, unknown>).securityContext = {};
    },
  },
  {
    name: "cordon-like scalar set and unknown field merged",
    patch: { spec: { nodeName: "n1", extra: { a: 1 } } },
    want: (p) => {
      Object.assign(p.spec, { nodeName: "n1", extra: { a: 1 } });
    },
  },
];

for (const tc of podCases) {
  test(`smp: ${tc.name}`, () => {
    const live = pod();
    const want = pod();
    tc.want(want);
    const patch = structuredClone(tc.patch);
    const got = applyStrategicMergePatch(live, patch, podSchema);
    assert.deepEqual(got, want);
    assert.deepEqual(live, pod(), "live object must not be mutated");
    assert.deepEqual(patch, structuredClone(tc.patch), "patch must not be mutated");
  });
}

test("smp: deployment strategy $retainKeys drops rollingUpdate", () => {
  const live = {
    spec: { replicas: 1, strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: "25%" } } },
  };
  const got = applyStrategicMergePatch(
    live,
    { spec: { strategy: { $retainKeys: ["type"], type: "Recreate", rollingUpdate: null } } },
    deploymentSchema,
  );
  assert.deepEqual(got, { spec: { replicas: 1, strategy: { type: "Recreate" } } });
});

// Cases from upstream's documented behaviour (strategicpatch tests).
const item = structSchema({
  name: {},
  value: {},
  other: {},
  mergingList: { strategy: "merge", mergeKey: "name" },
  mergingIntList: { strategy: "merge" },
  nonMergingList: {},
});
const generic: { name: string; doc: unknown; patch: Record<string, unknown>; want: unknown }[] = [
  {
    name: "unique scalars when merging lists",
    doc: { mergingIntList: [1, 2] },
    patch: { mergingIntList: [2, 3] },
    want: { mergingIntList: [1, 2, 3] },
  },
  {
    name: "delete all items from merging list",
    doc: { mergingList: [{ name: 1 }, { name: 2 }] },
    patch: { mergingList: [{ $patch: "replace" }] },
    want: { mergingList: [] },
  },
  {
    name: "delete all keys from map",
    doc: { name: 1, value: 1 },
    patch: { $patch: "replace" },
    want: {},
  },
  {
    name: "add key and delete all keys from map",
    doc: { name: 1, value: 1 },
    patch: { other: "a", $patch: "replace" },
    want: { other: "a" },
  },
  {
    name: "delete all duplicate entries in a merging list",
    doc: {
      mergingList: [{ name: 1 }, { name: 1 }, { name: 2, value: "a" }, { name: 3 }, { name: 3 }],
    },
    patch: {
      mergingList: [
        { name: 1, $patch: "delete" },
        { name: 3, $patch: "delete" },
      ],
    },
    want: { mergingList: [{ name: 2, value: "a" }] },
  },
  {
    name: "preserve the order from the patch in a merging list",
    doc: { mergingList: [{ name: 1 }, { name: 2, value: "b" }, { name: 3 }] },
    patch: {
      mergingList: [
        { name: 3, value: "c" },
        { name: 1, value: "a" },
        { name: 2, other: "x" },
      ],
    },
    want: {
      mergingList: [
        { name: 3, value: "c" },
        { name: 1, value: "a" },
        { name: 2, value: "b", other: "x" },
      ],
    },
  },
  {
    name: "preserve the order from the patch in a merging list 2",
    doc: { mergingList: [{ name: 1 }, { name: 2, value: "b" }, { name: 3 }] },
    patch: {
      mergingList: [
        { name: 3, value: "c" },
        { name: 1, value: "a" },
      ],
    },
    want: {
      mergingList: [
        { name: 2, value: "b" },
        { name: 3, value: "c" },
        { name: 1, value: "a" },
      ],
    },
  },
  {
    name: "preserve the order from the patch in a merging int list",
    doc: { mergingIntList: [1, 2, 3] },
    patch: { mergingIntList: [3, 1] },
    want: { mergingIntList: [2, 3, 1] },
  },
  {
    name: "$setElementOrder with an item absent from the list",
    doc: { mergingList: [{ name: 1 }, { name: 3 }] },
    patch: {
      "$setElementOrder/mergingList": [{ name: 3 }, { name: 2 }, { name: 1 }],
      mergingList: [
        { name: 3, value: 3 },
        { name: 1, value: 1 },
      ],
    },
    want: {
      mergingList: [
        { name: 3, value: 3 },
        { name: 1, value: 1 },
      ],
    },
  },
  {
    name: "$setElementOrder reorders an int list without a patch list",
    doc: { mergingIntList: [1, 3] },
    patch: { "$setElementOrder/mergingIntList": [3, 2, 1] },
    want: { mergingIntList: [3, 1] },
  },
];

for (const tc of generic) {
  test(`smp upstream case: ${tc.name}`, () => {
    assert.deepEqual(applyStrategicMergePatch(tc.doc, tc.patch, item), tc.want);
  });
}

const errors: { name: string; patch: unknown; code: number; message?: RegExp }[] = [
  {
    name: "order mismatch with $setElementOrder",
    patch: {
      "$setElementOrder/mergingList": [{ name: 1 }, { name: 2 }, { name: 3 }],
      mergingList: [
        { name: 3, value: 3 },
        { name: 1, value: 1 },
      ],
    },
    code: 400,
    message: /doesn't match/,
  },
  { name: "retainKeys not a list", patch: { $retainKeys: "x" }, code: 400, message: /retainKeys/ },
  { name: "patch key outside retainKeys", patch: { $retainKeys: ["name"], value: 1 }, code: 400 },
  {
    name: "bad $patch in map",
    patch: { $patch: "frob" },
    code: 400,
    message: /unknown patch type/,
  },
  { name: "bad $patch in list", patch: { mergingList: [{ name: 1, $patch: "frob" }] }, code: 400 },
  {
    name: "missing merge key",
    patch: { mergingList: [{ value: 1 }] },
    code: 400,
    message: /merge key: name/,
  },
  { name: "list of lists", patch: { mergingIntList: [[1]] }, code: 422 },
  {
    name: "bad primitive delete list",
    patch: { "$deleteFromPrimitiveList/mergingIntList": 1 },
    code: 400,
  },
  { name: "patch is an array", patch: [1], code: 400, message: /cannot unmarshal array/ },
];

for (const tc of errors) {
  test(`smp error: ${tc.name}`, () => {
    const doc = {
      mergingList: [{ name: 1 }, { name: 3 }, { name: 2 }],
      mergingIntList: [1],
      name: "n",
    };
    assert.throws(
      () => applyStrategicMergePatch(doc, tc.patch, item),
      (e: unknown) =>
        e instanceof StatusError &&
        e.code === tc.code &&
        (!tc.message || tc.message.test(e.message)),
    );
  });
}

test("smp: free-form schema falls back to merge-patch semantics", () => {
  const got = applyStrategicMergePatch(
    { spec: { list: [1, 2], m: { a: 1, b: 2 } } },
    { spec: { list: [3], m: { a: null, c: 3 } } },
    undefined,
  );
  assert.deepEqual(got, { spec: { list: [3], m: { b: 2, c: 3 } } });
});
