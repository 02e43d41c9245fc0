import { test } from "node:test";
import assert from "node:assert/strict";
import {
  defaultEvictionHard,
  formatBinary,
  isHardThreshold,
  parseThresholdConfig,
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

test("parseThresholdConfig: soft thresholds need grace periods; minimum reclaims attach to signals", () => {
  const got = parseThresholdConfig({
    hard: "memory.available<100Mi,pid.available<5%",
    soft: "memory.available<1.5Gi,nodefs.available<15%",
    softGracePeriod: "memory.available=1m30s,nodefs.available=2m",
    minimumReclaim: "memory.available=0Mi,nodefs.available=500Mi,imagefs.available=2Gi",
  });
  assert.deepEqual(got, [
    {
      signal: "memory.available",
      quantity: "100Mi",
      value: 100 * 1024 * 1024,
      minReclaim: { quantity: "0Mi", value: 0 },
    },
    { signal: "pid.available", percentage: 0.05 },
    {
      signal: "memory.available",
      quantity: "1.5Gi",
      value: 1.5 * 1024 ** 3,
      gracePeriodMs: 90_000,
      minReclaim: { quantity: "0Mi", value: 0 },
    },
    {
      signal: "nodefs.available",
      percentage: 0.15,
      gracePeriodMs: 120_000,
      minReclaim: { quantity: "500Mi", value: 500 * 1024 * 1024 },
    },
  ]);
  assert.equal(isHardThreshold(got[0]), true);
  assert.equal(isHardThreshold(got[2]), false);
  const bad: [Parameters<typeof parseThresholdConfig>[0], RegExp][] = [
    [
      { soft: "memory.available<1Gi" },
      /grace period must be specified for the soft eviction threshold memory.available/,
    ],
    [
      { soft: "memory.available<1Gi", softGracePeriod: "memory.available=-1s" },
      /must be a positive value/,
    ],
    [
      { soft: "memory.available<1Gi", softGracePeriod: "memory.available=soon" },
      /Cannot parse eviction grace period/,
    ],
    [{ softGracePeriod: "cpu.available=1m" }, /unsupported eviction signal cpu.available/],
    [
      { minimumReclaim: "memory.available=-1Mi" },
      /negative reclaim defined for signal memory.available/,
    ],
    [{ minimumReclaim: "memory.available" }, /want signal=value/],
    [{ hard: "memory.available<1Gi,memory.available<2Gi" }, /duplicate eviction threshold/],
  ];
  for (const [flags, re] of bad)
    assert.throws(() => parseThresholdConfig(flags), re, JSON.stringify(flags));
});

test("thresholdMet with enforceMinReclaim adds the minimum reclaim", () => {
  const [t] = parseThresholdConfig({
    hard: "nodefs.available<10%",
    minimumReclaim: "nodefs.available=5%",
  });
  assert.equal(thresholdMet(t, 12, 100), false);
  assert.equal(thresholdMet(t, 12, 100, true), true);
  assert.equal(thresholdMet(t, 15, 100, true), false);
});
