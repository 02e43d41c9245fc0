import { test } from "node:test";
import assert from "node:assert/strict";
import { CpuRateTracker } from "./cpu-rate.ts";

test("CpuRateTracker computes nanocores over at least the minimum window", () => {
  const t = new CpuRateTracker({ minWindowMs: 1000 });
  const steps: [number, number, number | undefined][] = [
    // [cumulative ns, time ms, expected rate]
    [0, 0, undefined],
    [100_000_000, 500, undefined],
    [500_000_000, 1000, 500_000_000],
    [1_500_000_000, 2000, 1_000_000_000],
    // counter reset: a new container instance starts over
    [10, 2500, undefined],
    [250_000_010, 3500, 250_000_000],
  ];
  for (const [ns, ms, want] of steps) assert.equal(t.observe("c", ns, ms), want, `at ${ms}`);
});

test("CpuRateTracker.retain drops keys that are gone", () => {
  const t = new CpuRateTracker({ minWindowMs: 1 });
  t.observe("a", 0, 0);
  t.observe("b", 0, 0);
  t.retain(new Set(["a"]));
  assert.equal(t.observe("a", 1_000_000, 1), 1_000_000_000);
  assert.equal(t.observe("b", 1_000_000, 1), undefined);
});
