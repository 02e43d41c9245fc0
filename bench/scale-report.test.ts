import { test } from "node:test";
import assert from "node:assert/strict";
import { memoryRows, startupResult, type StartupWindow } from "./scale-report.ts";

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

test("startupResult checks p50, p90 and p99 and counts pods that never ran", () => {
  const p = (p50: number, p90: number, p99: number, count = 10) =>
    ({ count, min: 0, mean: 0, p50, p90, p99, max: p99 }) as const;
  const cases: [StartupWindow, string][] = [
    [{ name: "a", samples: p(1000, 2000, 4999), thresholdMs: 5000 }, "PASS"],
    [{ name: "b", samples: p(1000, 2000, 5001), thresholdMs: 5000 }, "FAIL"],
    [{ name: "c", samples: p(6000, 6000, 6000), thresholdMs: 3_600_000 }, "PASS"],
    [{ name: "d", samples: p(1, 1, 1), thresholdMs: 5000, missing: 2 }, "FAIL (2 never Running)"],
    [{ name: "e", samples: p(NaN, NaN, NaN, 0), thresholdMs: 5000 }, "n/a"],
  ];
  for (const [w, want] of cases) assert.equal(startupResult(w), want, w.name);
});
