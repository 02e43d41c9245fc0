import { test } from "node:test";
import assert from "node:assert/strict";
import { isScalingEvent, proportionalSizes } from "./proportional.ts";
import type { ReplicaSet } from "./status.ts";

const rs = (
  name: string,
  replicas: number,
  desired: number,
  max: number,
  age: number,
  available = 0,
): ReplicaSet => ({
  metadata: {
    name,
    creationTimestamp: new Date(Date.UTC(2026, 0, 1) + age * 1000).toISOString(),
    annotations: {
      "deployment.kubernetes.io/desired-replicas": String(desired),
      "deployment.kubernetes.io/max-replicas": String(max),
    },
  },
  spec: { replicas },
  status: { availableReplicas: available },
});

test("replicas added or removed mid-rollout are spread in proportion (upstream's example)", () => {
  const cases: [
    string,
    number,
    number,
    ReplicaSet | undefined,
    ReplicaSet[],
    Record<string, number>,
  ][] = [
    // 10 → 15 with maxSurge 3: 8 old + 5 new (max 13) become 11 + 7.
    ["scale up", 15, 3, rs("new", 5, 10, 13, 2), [rs("old", 8, 10, 13, 1)], { old: 11, new: 7 }],
    // 15 → 5: 11 old + 7 new (max 18) become 5 + 3.
    ["scale down", 5, 3, rs("new", 7, 15, 18, 2), [rs("old", 11, 15, 18, 1)], { old: 5, new: 3 }],
    // Leftovers go to the largest set: 3 sets of 1 (max 3), 3 → 4 with no surge.
    [
      "leftover",
      4,
      0,
      rs("c", 1, 3, 3, 3),
      [rs("b", 1, 3, 3, 2), rs("a", 1, 3, 3, 1)],
      { a: 1, b: 1, c: 2 },
    ],
    ["one active set takes all", 7, 1, rs("new", 3, 3, 4, 2), [rs("old", 0, 3, 4, 1)], { new: 7 }],
    [
      "none active: the newest",
      2,
      1,
      undefined,
      [rs("x", 0, 1, 2, 1), rs("y", 0, 1, 2, 5)],
      { y: 2 },
    ],
    ["to zero", 0, 3, rs("new", 2, 4, 7, 2), [rs("old", 3, 4, 7, 1)], { old: 0, new: 0 }],
    [
      "saturated new set: olds to zero",
      4,
      1,
      rs("new", 4, 4, 5, 2, 4),
      [rs("old", 1, 4, 5, 1)],
      { old: 0 },
    ],
  ];
  for (const [name, replicas, surge, newRS, olds, want] of cases) {
    const got = proportionalSizes({
      replicas,
      surge,
      statusReplicas: 0,
      rollingUpdate: true,
      newRS,
      olds,
    });
    assert.deepEqual(Object.fromEntries(got), want, name);
  }
  const recreate = proportionalSizes({
    replicas: 9,
    surge: 0,
    statusReplicas: 0,
    rollingUpdate: false,
    newRS: rs("new", 2, 4, 4, 2),
    olds: [rs("old", 2, 4, 4, 1)],
  });
  assert.equal(recreate.size, 0, "Recreate mid-rollout waits");
});

test("a scaling event is an active set sized for another count", () => {
  assert.equal(isScalingEvent(5, [rs("a", 3, 5, 6, 1), rs("b", 0, 2, 3, 2)]), false);
  assert.equal(isScalingEvent(6, [rs("a", 3, 5, 6, 1)]), true);
});
