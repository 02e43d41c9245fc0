import { test } from "node:test";
import assert from "node:assert/strict";
import { FakeClock } from "../../client/clock.ts";
import { Backoff } from "./backoff.ts";

test("CrashLoopBackOff durations double from 10 s to a 300 s cap", () => {
  const clock = new FakeClock();
  const b = new Backoff(clock);
  const seen = Array.from({ length: 8 }, () => b.next("k"));
  assert.deepEqual(seen, [10_000, 20_000, 40_000, 80_000, 160_000, 300_000, 300_000, 300_000]);
});

test("isInBackOffSince compares the time since the event with the duration", () => {
  const clock = new FakeClock();
  const b = new Backoff(clock);
  const cases: { advance: number; expect: boolean }[] = [
    { advance: 0, expect: true },
    { advance: 9_999, expect: true },
    { advance: 1, expect: false },
  ];
  const since = clock.now();
  assert.equal(b.isInBackOffSince("k", since), false, "no entry, no back-off");
  b.next("k");
  for (const c of cases) {
    clock.advance(c.advance);
    assert.equal(b.isInBackOffSince("k", since), c.expect);
  }
});

test("an entry idle for more than twice the maximum starts over", () => {
  const clock = new FakeClock();
  const b = new Backoff(clock);
  b.next("k");
  b.next("k");
  clock.advance(600_001);
  assert.equal(b.next("k"), 10_000);
  b.forgetPrefix("k");
  assert.equal(b.get("k"), 0);
});
