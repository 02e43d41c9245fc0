import { test } from "node:test";
import assert from "node:assert/strict";
import { maxOldScaleDown, newReplicaSetReplicas, resolveFenceposts } from "./rolling.ts";

test("fenceposts resolve percentages as upstream (surge up, unavailable down)", () => {
  const cases: [
    number,
    string | number | undefined,
    string | number | undefined,
    number,
    number,
  ][] = [
    [10, undefined, undefined, 3, 2],
    [4, "25%", "25%", 1, 1],
    [1, "25%", "25%", 1, 0],
    [3, 0, 0, 0, 1],
    [5, 2, "50%", 2, 2],
  ];
  for (const [replicas, maxSurge, maxUnavailable, surge, unavailable] of cases) {
    assert.deepEqual(
      resolveFenceposts(replicas, { maxSurge, maxUnavailable }),
      { surge, unavailable },
      `${replicas} ${maxSurge} ${maxUnavailable}`,
    );
  }
});

test("the new ReplicaSet grows only within the surge", () => {
  assert.equal(
    newReplicaSetReplicas({ replicas: 4, surge: 1, newReplicas: 0, totalReplicas: 4 }),
    1,
  );
  assert.equal(
    newReplicaSetReplicas({ replicas: 4, surge: 1, newReplicas: 1, totalReplicas: 5 }),
    1,
  );
  assert.equal(
    newReplicaSetReplicas({ replicas: 4, surge: 2, newReplicas: 3, totalReplicas: 4 }),
    4,
  );
  assert.equal(
    newReplicaSetReplicas({ replicas: 4, surge: 1, newReplicas: 6, totalReplicas: 6 }),
    4,
  );
});

test("old ReplicaSets shrink only while enough pods stay available", () => {
  assert.equal(
    maxOldScaleDown({
      replicas: 4,
      unavailable: 1,
      totalReplicas: 5,
      newReplicas: 1,
      newAvailable: 0,
    }),
    1,
  );
  assert.equal(
    maxOldScaleDown({
      replicas: 4,
      unavailable: 0,
      totalReplicas: 5,
      newReplicas: 1,
      newAvailable: 0,
    }),
    0,
  );
  assert.equal(
    maxOldScaleDown({
      replicas: 4,
      unavailable: 0,
      totalReplicas: 5,
      newReplicas: 1,
      newAvailable: 1,
    }),
    1,
  );
});
