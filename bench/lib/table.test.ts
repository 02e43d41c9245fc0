import assert from "node:assert/strict";
import { test } from "node:test";
import { formatNumber, formatTable } from "./table.ts";

test("formatNumber groups thousands and keeps a few decimals", () => {
  const cases: Array<[number, string]> = [
    [12345.6, "12,346"],
    [3.14159, "3.14"],
    [0.012345, "0.0123"],
    [0, "0"],
    [NaN, "NaN"],
  ];
  for (const [n, want] of cases) assert.equal(formatNumber(n), want);
});

test("formatTable aligns the first column left and the others right", () => {
  const text = formatTable([
    { metric: "writes/s", sqlite: 1500, etcd: 500 },
    { metric: "p99 ms", sqlite: 1.5, etcd: undefined },
  ]);
  assert.deepEqual(text.split("\n"), [
    "metric    sqlite  etcd",
    "--------  ------  ----",
    "writes/s   1,500   500",
    "p99 ms       1.5",
  ]);
});
