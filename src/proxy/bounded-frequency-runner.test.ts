import { test } from "node:test";
import assert from "node:assert/strict";
import { FakeClock } from "../client/clock.ts";
import { BoundedFrequencyRunner } from "./bounded-frequency-runner.ts";

const tick = () => new Promise((r) => setImmediate(r));

test("runs at once, then coalesces requests within minInterval into one run", async () => {
  const clock = new FakeClock();
  const runs: { at: number; periodic: boolean }[] = [];
  const r = new BoundedFrequencyRunner(
    async (periodic) => void runs.push({ at: clock.now(), periodic }),
    { minIntervalMs: 1000, maxIntervalMs: 30_000, clock },
  );
  r.start();
  r.run();
  await tick();
  assert.equal(runs.length, 1);
  for (let i = 0; i < 5; i++) r.run();
  await tick();
  assert.equal(runs.length, 1, "held back by minInterval");
  clock.advance(999);
  await tick();
  assert.equal(runs.length, 1);
  clock.advance(1);
  await r.whenIdle();
  assert.equal(runs.length, 2, "five requests, one run");
  clock.advance(30_000);
  await r.whenIdle();
  assert.equal(runs.length, 3);
  assert.equal(runs[2]!.periodic, true);
  r.stop();
  clock.advance(60_000);
  r.run();
  await tick();
  assert.equal(runs.length, 3, "no runs after stop");
});

test("a request during a run causes exactly one more run; a throw keeps the schedule", async () => {
  const clock = new FakeClock();
  let release!: () => void;
  let calls = 0;
  const r = new BoundedFrequencyRunner(
    async () => {
      calls++;
      if (calls === 1) await new Promise<void>((res) => (release = res));
      if (calls === 2) throw new Error("boom");
    },
    { minIntervalMs: 0, maxIntervalMs: 0, clock },
  );
  r.run();
  await tick();
  r.run();
  r.run();
  release();
  await r.whenIdle();
  assert.equal(calls, 2);
  r.run();
  await r.whenIdle();
  assert.equal(calls, 3);
});
