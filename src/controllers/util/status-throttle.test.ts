import { test } from "node:test";
import assert from "node:assert/strict";
import { FakeClock } from "../../client/clock.ts";
import { StatusThrottle } from "./status-throttle.ts";

test("StatusThrottle: the first write is free, later ones wait out the interval from the last write", () => {
  const clock = new FakeClock();
  const t = new StatusThrottle(clock, 1000);
  const steps: { advance: number; write?: boolean; key?: string; hold: number }[] = [
    { advance: 0, hold: 0, write: true }, // quiet: at once
    { advance: 0, hold: 1000 }, // right after a write: a full interval
    { advance: 300, hold: 700 },
    { advance: 0, key: "ns/other", hold: 0 }, // keys are independent
    { advance: 700, hold: 0, write: true }, // interval over
    { advance: 999, hold: 1 },
    { advance: 5000, hold: 0 },
  ];
  for (const [i, s] of steps.entries()) {
    clock.advance(s.advance);
    const key = s.key ?? "ns/a";
    assert.equal(t.holdFor(key), s.hold, `step ${i}`);
    if (s.write) t.wrote(key);
  }
  t.forget("ns/a");
  assert.equal(t.holdFor("ns/a"), 0, "forgotten");
});

test("StatusThrottle: an interval of 0 never holds; old entries are pruned", () => {
  const clock = new FakeClock();
  const none = new StatusThrottle(clock, 0);
  none.wrote("k");
  assert.equal(none.holdFor("k"), 0);
  const t = new StatusThrottle(clock, 1000);
  for (let i = 0; i < 1024; i++) t.wrote(`k${i}`);
  clock.advance(1000);
  t.wrote("fresh");
  assert.equal(t.size, 1, "entries older than the interval dropped once 1,024 are held");
  assert.equal(t.holdFor("fresh"), 1000);
});
