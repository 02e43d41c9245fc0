import { test } from "node:test";
import assert from "node:assert/strict";
import { makeNode } from "../../testing/wrappers.ts";
import { NodeInfo } from "../../framework/node-info.ts";
import { topologyValues } from "../../framework/topology-values.ts";
import { TopologyCounts } from "./topology-counts.ts";

const node = (name: string, zone?: string) =>
  new NodeInfo(
    makeNode(name)
      .labels(zone ? { zone } : {})
      .obj(),
  );

test("TopologyCounts: counts per domain read through any node of the domain", () => {
  const [a1, a2, b1, none] = [node("a1", "a"), node("a2", "a"), node("b1", "b"), node("x")];
  const c = new TopologyCounts();
  const cases: {
    op: () => void;
    want: [NodeInfo, string, number][];
    size: number;
    keys: string[];
  }[] = [
    { op: () => {}, want: [[a1, "zone", 0]], size: 0, keys: [] },
    {
      op: () => c.bump(a1, "zone", 2),
      want: [
        [a1, "zone", 2],
        [a2, "zone", 2],
        [b1, "zone", 0],
        [none, "zone", 0],
        [a1, "kubernetes.io/hostname", 0],
      ],
      size: 1,
      keys: ["zone"],
    },
    {
      op: () => c.bump(a1, "kubernetes.io/hostname", 1),
      want: [
        [a1, "kubernetes.io/hostname", 1],
        [a2, "kubernetes.io/hostname", 0],
        [a2, "zone", 2],
      ],
      size: 2,
      keys: ["zone", "kubernetes.io/hostname"],
    },
    {
      op: () => c.bumpValue("zone", "b", -1),
      want: [
        [b1, "zone", -1],
        [a1, "zone", 2],
      ],
      size: 3,
      keys: ["zone", "kubernetes.io/hostname"],
    },
    {
      op: () => {
        c.bump(a2, "zone", -2);
        c.bump(none, "zone", 5);
      },
      want: [
        [a1, "zone", 0],
        [none, "zone", 0],
        [b1, "zone", -1],
      ],
      size: 2,
      keys: ["zone", "kubernetes.io/hostname"],
    },
    {
      // Ids handed out before are void: the counts are re-indexed.
      op: () => topologyValues.reset(),
      want: [
        [b1, "zone", -1],
        [a1, "kubernetes.io/hostname", 1],
        [a2, "zone", 0],
      ],
      size: 2,
      keys: ["zone", "kubernetes.io/hostname"],
    },
    {
      op: () => c.bump(b1, "zone", 1),
      want: [
        [b1, "zone", 0],
        [a1, "kubernetes.io/hostname", 1],
      ],
      size: 1,
      keys: ["kubernetes.io/hostname"],
    },
  ];
  for (const [i, s] of cases.entries()) {
    s.op();
    for (const [n, key, want] of s.want)
      assert.equal(c.at(n, key), want, `step ${i}: ${n.name} ${key}`);
    assert.equal(c.size, s.size, `step ${i} size`);
    assert.deepEqual(c.keys(), s.keys, `step ${i} keys`);
  }
});

test("TopologyCounts.copy is independent of its source", () => {
  const [a, b] = [node("a", "za"), node("b", "zb")];
  const c = new TopologyCounts();
  c.bump(a, "zone", 1);
  const d = c.copy();
  d.bump(a, "zone", 1);
  d.bump(b, "zone", 3);
  c.bump(b, "zone", 1);
  assert.deepEqual([c.at(a, "zone"), c.at(b, "zone")], [1, 1]);
  assert.deepEqual([d.at(a, "zone"), d.at(b, "zone")], [2, 3]);
  assert.equal(d.size, 2);
});
