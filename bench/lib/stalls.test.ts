import assert from "node:assert/strict";
import { test } from "node:test";
import { longest, longestLoopCpu, parseStalls, phaseStalls } from "./stalls.ts";

test("parseStalls reads the probe's lines from an offset and skips others", () => {
  const text =
    'k8ts-stall {"at":1000,"ms":12.5,"kind":"gc-minor","thread":0}\n' +
    "server: listening\n" +
    'k8ts-stall {"at":2000,"ms":40,"kind":"loop","thread":0}\n' +
    'k8ts-stall {"at":3000,"ms":7,"ki'; // cut short by an exit
  const all = parseStalls(text);
  assert.deepEqual(
    all.map((s) => [s.at, s.ms, s.kind]),
    [
      [1000, 12.5, "gc-minor"],
      [2000, 40, "loop"],
    ],
  );
  assert.deepEqual(
    parseStalls(text, text.indexOf("server:")).map((s) => s.at),
    [2000],
  );
});

test("phaseStalls finds the longest completion gap and the pauses in it", () => {
  // Ops complete every 2 ms except for a 50 ms hole from 110 to 160.
  const ops: Array<[number, number]> = [];
  for (let t = 102; t <= 110; t += 2) ops.push([100, t]);
  for (let t = 160; t <= 170; t += 2) ops.push([150, t]);
  const p = phaseStalls(ops, {
    server: [
      { at: 120, ms: 30, kind: "gc-minor", thread: 0 },
      { at: 50, ms: 5, kind: "loop", thread: 0 }, // before the phase
      { at: 165, ms: 6, kind: "loop", thread: 0, cpuMs: 1.5 },
    ],
    bench: [{ at: 130, ms: 8, kind: "gc-minor", thread: 3 }],
  });
  assert.equal(p.gapMs, 50);
  assert.equal(p.gapAtMs, 10);
  assert.deepEqual(p.inGap, ["server gc-minor 30.0", "bench#3 gc-minor 8.0"]);
  assert.deepEqual(Object.keys(p.totals).sort(), [
    "bench#3 gc-minor",
    "server gc-minor",
    "server loop",
  ]);
  assert.equal(longest(p, "server", "gc"), 30);
  assert.equal(longest(p, "server", "loop"), 6);
  assert.equal(longestLoopCpu(p, "server"), 1.5);
  assert.equal(longestLoopCpu(p, "bench"), "");
  assert.equal(longest(p, "bench", "gc"), 0); // a worker's pauses are its own source
});

test("phaseStalls of an empty phase is empty", () => {
  assert.deepEqual(phaseStalls([], {}), { gapMs: 0, gapAtMs: 0, totals: {}, inGap: [] });
});
