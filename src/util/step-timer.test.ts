import { test } from "node:test";
import assert from "node:assert/strict";
import { StepTimer } from "./step-timer.ts";

test("StepTimer: one lap per step, in order, adding up to at most the total", async () => {
  const t = new StepTimer();
  t.lap("first");
  await new Promise((r) => setTimeout(r, 5));
  t.lap("second");
  assert.deepEqual(Object.keys(t.laps), ["first", "second"]);
  assert.ok(Object.values(t.laps).every((ms) => Number.isInteger(ms) && ms >= 0));
  assert.ok(t.laps.second! >= 1, "the awaited step took time");
  assert.ok(t.laps.first! + t.laps.second! <= t.totalMs + 1);
});
