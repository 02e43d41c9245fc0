import { test } from "node:test";
import assert from "node:assert/strict";
import { memoryRows, ratioRows, startupResult, type StartupWindow } from "./scale-report.ts";

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

test("ratioRows: SLO p99s and figures side by side, etcd's process added to the control plane", () => {
  const sqlite = {
    slo: [
      { SLO: "API mutating p99", "p99 ms": 30 },
      { SLO: "pod startup p50/90/99 (latency pods: CL2 SLO)", "p99 ms": 2000 },
    ],
    figures: {
      "time to all Running (s)": 60,
      "server CPU (s)": 100,
      "server peak RSS (MiB)": 500,
      "store at all Running (MiB)": 40,
      "store on disk at end (MiB)": 10,
      "scheduler bindings/s (ramp)": "n/a",
    },
  };
  const etcd = {
    slo: [{ SLO: "API mutating p99", "p99 ms": 60 }],
    figures: {
      "time to all Running (s)": 80,
      "server CPU (s)": 90,
      "etcd CPU (s)": 30,
      "server peak RSS (MiB)": 450,
      "etcd peak RSS (MiB)": 150,
      "store at all Running (MiB)": 0,
      "store on disk at end (MiB)": 20,
    },
  };
  const by = Object.fromEntries(ratioRows(sqlite, etcd).map((r) => [r.metric, r]));
  assert.deepEqual(by["API mutating: p99 (ms)"], {
    metric: "API mutating: p99 (ms)",
    sqlite: 30,
    etcd: 60,
    "sqlite/etcd": "0.50x",
  });
  const startup = by["pod startup (latency pods: CL2 SLO): p99 (ms)"]!;
  assert.deepEqual([startup.etcd, startup["sqlite/etcd"]], ["-", "-"], "no etcd row: no ratio");
  assert.equal(by["time to all Running (s)"]!["sqlite/etcd"], "0.75x");
  assert.equal(by["scheduler bindings/s (ramp)"]!.sqlite, "-", "a string is not compared");
  assert.equal(by["store at all Running (MiB)"]!["sqlite/etcd"], "-", "etcd 0: no ratio");
  assert.equal(by["store on disk at end (MiB)"]!["sqlite/etcd"], "0.50x");
  const cpu = by["control plane CPU, server + etcd (s)"]!;
  assert.deepEqual([cpu.sqlite, cpu.etcd, cpu["sqlite/etcd"]], [100, 120, "0.83x"]);
  const rss = by["control plane peak RSS, server + etcd (MiB)"]!;
  assert.deepEqual([rss.sqlite, rss.etcd, rss["sqlite/etcd"]], [500, 600, "0.83x"]);
});
