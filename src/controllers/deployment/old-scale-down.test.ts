import { test } from "node:test";
import assert from "node:assert/strict";
import { planOldScaleDown, type ReplicaSetCounts } from "./old-scale-down.ts";

const rs = (
  name: string,
  replicas: number,
  available: number,
  created: number,
): ReplicaSetCounts => ({
  name,
  replicas,
  available,
  created,
});

test("old ReplicaSets shrink unhealthy replicas first, then within maxUnavailable", () => {
  const cases: {
    what: string;
    replicas: number;
    maxUnavailable: number;
    newRS: { replicas: number; available: number };
    olds: ReplicaSetCounts[];
    sizes: [string, number][];
    cleanedUp: number;
    scaledDown: number;
  }[] = [
    {
      what: "upstream's example: new pods crashloop, nothing may go",
      replicas: 10,
      maxUnavailable: 2,
      newRS: { replicas: 5, available: 0 },
      olds: [rs("a", 8, 8, 1)],
      sizes: [],
      cleanedUp: 0,
      scaledDown: 0,
    },
    {
      // By count alone 4 could go, oldest first, leaving only 2 available;
      // removing B's 2 broken pods first keeps 3 (= 4 - 1) available.
      what: "unhealthy pods of a newer old set go before healthy ones of the oldest",
      replicas: 4,
      maxUnavailable: 1,
      newRS: { replicas: 2, available: 2 },
      olds: [rs("b", 2, 0, 2), rs("a", 3, 3, 1)],
      sizes: [
        ["b", 0],
        ["a", 1],
      ],
      cleanedUp: 2,
      scaledDown: 2,
    },
    {
      what: "clean-up is bounded by maxScaledDown",
      replicas: 10,
      maxUnavailable: 2,
      newRS: { replicas: 3, available: 0 },
      olds: [rs("a", 10, 4, 1)],
      sizes: [["a", 8]],
      cleanedUp: 2,
      scaledDown: 0,
    },
    {
      what: "healthy old sets shrink oldest first, by creation time then name",
      replicas: 4,
      maxUnavailable: 1,
      newRS: { replicas: 2, available: 2 },
      olds: [rs("y", 2, 2, 5), rs("x", 2, 2, 5), rs("old", 1, 1, 1)],
      sizes: [
        ["old", 0],
        ["x", 0],
        ["y", 1],
      ],
      cleanedUp: 0,
      scaledDown: 4,
    },
    {
      what: "nothing left to shrink",
      replicas: 3,
      maxUnavailable: 1,
      newRS: { replicas: 3, available: 3 },
      olds: [rs("a", 0, 0, 1)],
      sizes: [],
      cleanedUp: 0,
      scaledDown: 0,
    },
  ];
  for (const c of cases) {
    const plan = planOldScaleDown(c);
    assert.deepEqual([...plan.sizes], c.sizes, c.what);
    assert.equal(plan.cleanedUp, c.cleanedUp, c.what);
    assert.equal(plan.scaledDown, c.scaledDown, c.what);
  }
});
