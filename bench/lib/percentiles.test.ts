import assert from "node:assert/strict";
import { test } from "node:test";
import { percentile, percentiles } from "./percentiles.ts";

test("percentile uses the nearest rank", () => {
  const sorted = Array.from({ length: 100 }, (_, i) => i + 1);
  const cases: Array<[number, number]> = [
    [50, 50],
    [90, 90],
    [99, 99],
    [100, 100],
    [0.1, 1],
  ];
  for (const [q, want] of cases) assert.equal(percentile(sorted, q), want, `p${q}`);
  assert.equal(percentile([7], 99), 7);
  assert.ok(Number.isNaN(percentile([], 50)));
});

test("percentiles sorts its input numerically and summarises it", () => {
  const p = percentiles([10, 2, 30, 4, 1]);
  assert.deepEqual(p, { count: 5, min: 1, mean: 9.4, p50: 4, p90: 30, p99: 30, max: 30 });
  assert.equal(percentiles([]).count, 0);
});
