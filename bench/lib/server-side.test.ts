import { test } from "node:test";
import assert from "node:assert/strict";
import { bucketDelta } from "./server-side.ts";

const snap = (pairs: [number, number][]) => new Map(pairs);

test("bucketDelta: share within the limit and the p99 bucket of the requests between two snapshots", () => {
  const cases: {
    name: string;
    before: [number, number][];
    after: [number, number][];
    want: { count: number; shareWithin: number; p99Bound: number };
  }[] = [
    {
      name: "all fast",
      before: [],
      after: [
        [0.005, 90],
        [0.025, 100],
        [0.05, 100],
        [Infinity, 100],
      ],
      want: { count: 100, shareWithin: 1, p99Bound: 0.025 },
    },
    {
      name: "earlier requests are subtracted",
      before: [
        [0.005, 0],
        [0.05, 0],
        [0.1, 1000],
        [Infinity, 1000],
      ],
      after: [
        [0.005, 50],
        [0.05, 90],
        [0.1, 1100],
        [Infinity, 1100],
      ],
      want: { count: 100, shareWithin: 0.9, p99Bound: 0.1 },
    },
    {
      name: "no requests",
      before: [[Infinity, 5]],
      after: [[Infinity, 5]],
      want: { count: 0, shareWithin: 1, p99Bound: 0 },
    },
  ];
  for (const c of cases)
    assert.deepEqual(bucketDelta(snap(c.before), snap(c.after), 0.05), c.want, c.name);
});
