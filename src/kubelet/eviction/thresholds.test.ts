import { test } from "node:test";
import assert from "node:assert/strict";
import {
  defaultEvictionHard,
  formatBinary,
  parseThresholds,
  thresholdMet,
  ThresholdError,
} from "./thresholds.ts";

test("parseThresholds reads --eviction-hard", () => {
  assert.deepEqual(parseThresholds(defaultEvictionHard), [
    { signal: "memory.available", quantity: "100Mi", value: 100 * 1024 * 1024 },
    { signal: "nodefs.available", percentage: 0.1 },
    { signal: "nodefs.inodesFree", percentage: 0.05 },
    { signal: "imagefs.available", percentage: 0.15 },
  ]);
  assert.deepEqual(parseThresholds(""), []);
  for (const bad of [
    "memory.available>1Gi",
    "cpu.available<1",
    "nodefs.available<150%",
    "memory.available<lots",
  ])
    assert.throws(() => parseThresholds(bad), ThresholdError, bad);
});

test("thresholdMet compares available with the quantity or the share of capacity", () => {
  const [mem, disk] = parseThresholds("memory.available<100Mi,nodefs.available<10%");
  const cases: [typeof mem, number, number, boolean][] = [
    [mem, 100 * 1024 * 1024, 1 << 30, false],
    [mem, 100 * 1024 * 1024 - 1, 1 << 30, true],
    [disk, 11, 100, false],
    [disk, 9, 100, true],
  ];
  for (const [t, available, capacity, want] of cases)
    assert.equal(
      thresholdMet(t, available, capacity),
      want,
      `${t.signal} ${available}/${capacity}`,
    );
});

test("formatBinary prints as resource.Quantity does in BinarySI", () => {
  const cases: [number, string][] = [
    [0, "0"],
    [1536, "1536"],
    [1024, "1Ki"],
    [50 * 1024 * 1024, "50Mi"],
    [1536 * 1024 * 1024, "1536Mi"],
    [3 * 1024 ** 3, "3Gi"],
  ];
  for (const [n, want] of cases) assert.equal(formatBinary(n), want);
});
