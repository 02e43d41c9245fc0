import { test } from "node:test";
import assert from "node:assert/strict";
import { parseTraceGc, traceGcSummary } from "./trace-gc.ts";

// Lines as node 20's --trace-gc writes them; the 0x7f... isolate is a worker thread's.
const main = "[11108:0x42097830]";
const worker = "[11108:0x7f4fe8000f00]";
const text = [
  `${main}      346 ms: Scavenge 4.6 (4.7) -> 4.0 (5.7) MB, 17.17 / 0.02 ms  (average mu = 1.000, current mu = 1.000) allocation failure; `,
  `${worker}      400 ms: Scavenge 3.0 (4.0) -> 2.0 (4.0) MB, 1.00 / 0.00 ms  (average mu = 1.000, current mu = 1.000) allocation failure; `,
  "some other output",
  `${main}      452 ms: Scavenge 14.6 (15.7) -> 4.5 (6.2) MB, 2.61 / 0.00 ms  (average mu = 1.000, current mu = 1.000) allocation failure; `,
  `${worker}     8505 ms: Mark-Compact (reduce) 4.8 (8.2) -> 3.4 (5.2) MB, 98.15 / 0.01 ms  (+ 21.2 ms in 21 steps since start of marking, biggest step 19.6 ms) finalize incremental marking via task; GC in old space requested`,
  `${main}      750 ms: Mark-Compact 11.1 (17.6) -> 9.1 (18.8) MB, 18.68 / 0.03 ms  (+ 1.0 ms in 7 steps since start of marking, biggest step 0.5 ms, walltime since start of marking 26 ms) (average mu = 1.000, current mu = 1.000) finalize incremental marking via task; GC in old space requested`,
  `${main}      900 ms: Mark-Compact (reduce) 10.0 (17.6) -> 8.0 (18.8) MB, 5.00 / 0.03 ms  (+ 1.0 ms in 7 steps) finalize incremental marking via task; GC in old space requested`,
  "",
].join("\n");

test("parseTraceGc reads the main isolate's collections only", () => {
  const gcs = parseTraceGc(text);
  assert.deepEqual(
    gcs.map((g) => [g.kind, g.beforeMB, g.afterMB, g.pauseMs, g.prevAfterMB]),
    [
      ["scavenge", 4.6, 4.0, 17.17, undefined],
      ["scavenge", 14.6, 4.5, 2.61, 4.0],
      ["mark-compact", 11.1, 9.1, 18.68, 4.5],
      ["mark-compact", 10.0, 8.0, 5.0, 9.1],
    ],
  );
});

test("traceGcSummary counts from an offset, allocation from the collection before it", () => {
  const from = text.indexOf("some other output");
  const s = traceGcSummary(text, from);
  assert.equal(s.scavenges, 1);
  assert.equal(s.scavengeMs, 2.61);
  assert.equal(s.markCompacts, 2);
  assert.ok(Math.abs(s.markCompactMs - 23.68) < 1e-9);
  assert.equal(s.markCompactMaxMs, 18.68);
  // (14.6 - 4.0) + (11.1 - 4.5) + (10.0 - 9.1)
  assert.ok(Math.abs(s.allocatedMB - 18.1) < 1e-9);
  assert.deepEqual(traceGcSummary(text, text.length).scavenges, 0);
});
