import { test } from "node:test";
import assert from "node:assert/strict";
import { memoryRows } from "./scale-report.ts";

test("memoryRows: idle totals, simulator per node, per-pod growth", () => {
  const rows = memoryRows(
    {
      rssIdle: { server: 300, simulate: 100 },
      rssLoaded: { server: 400 },
      heapIdle: { simulate: 50 },
      heapLoaded: { simulate: 60 },
    },
    1000,
    1024,
  );
  const by = Object.fromEntries(rows.map((r) => [r.figure, r.value]));
  assert.equal(by["server RSS, nodes idle (MiB)"], 300);
  assert.equal(by["server RSS per Running pod (KiB)"], 100);
  assert.equal(by["simulate RSS per node, idle (KiB)"], 102.4);
  assert.equal(
    by["simulate RSS per Running pod (KiB)"],
    undefined,
    "no loaded point: no per-pod row",
  );
  assert.equal(by["simulate heap after GC per Running pod (KiB)"], 10);
  assert.equal(
    memoryRows(
      { rssIdle: { server: 1 }, rssLoaded: { server: 2 }, heapIdle: {}, heapLoaded: {} },
      1,
      0,
    ).length,
    1,
  );
});
