import { test } from "node:test";
import assert from "node:assert/strict";
import { FakeClock } from "../client/clock.ts";
import { RequestDeadlines } from "./request-deadlines.ts";
import { withDeadline } from "./request-deadline.ts";

test("RequestDeadlines: each deadline expires once, at its time, unless cancelled; one timer per length", () => {
  const clock = new FakeClock();
  const deadlines = new RequestDeadlines(clock);
  const fired: string[] = [];
  const a = deadlines.add(1000, () => fired.push("a"));
  clock.advance(100);
  const b = deadlines.add(1000, () => fired.push("b"));
  const c = deadlines.add(1000, () => fired.push("c"));
  deadlines.add(250, () => fired.push("short"));
  assert.equal(clock.waiting(), 2, "one timer per deadline length");
  deadlines.cancel(a);
  deadlines.cancel(a);
  deadlines.cancel(c);
  assert.equal(deadlines.pending(), 2);
  clock.advance(249);
  assert.equal(fired.join(","), "");
  clock.advance(1);
  assert.equal(fired.join(","), "short");
  // a's time (1000): a was cancelled; the timer armed for it re-arms for b.
  clock.advance(650);
  assert.equal(fired.join(","), "short");
  clock.advance(99);
  assert.equal(fired.join(","), "short");
  clock.advance(1);
  assert.equal(fired.join(","), "short,b");
  deadlines.cancel(b);
  assert.equal(deadlines.pending(), 0);
  assert.equal(clock.waiting(), 0, "no timer once nothing is pending");
  // A later deadline of a known length starts a timer again.
  deadlines.add(1000, () => fired.push("d"));
  clock.advance(1000);
  assert.equal(fired.join(","), "short,b,d");
});

test("withDeadline: settles as the work does, or rejects with 504 Timeout after onExpired", async () => {
  const clock = new FakeClock();
  const deadlines = new RequestDeadlines(clock);
  assert.equal(await withDeadline(deadlines, 1000, Promise.resolve(7)), 7);
  await assert.rejects(withDeadline(deadlines, 1000, Promise.reject(new Error("boom"))), /boom/);
  assert.equal(deadlines.pending(), 0, "settled work leaves no deadline behind");
  let expired = 0;
  let finish!: (v: string) => void;
  const slow = withDeadline(
    deadlines,
    1000,
    new Promise<string>((r) => (finish = r)),
    () => expired++,
  );
  clock.advance(1000);
  await assert.rejects(slow, (e: { code?: number; reason?: string }) => {
    assert.equal(e.code, 504);
    assert.equal(e.reason, "Timeout");
    return true;
  });
  assert.equal(expired, 1);
  finish("late");
  assert.equal(deadlines.pending(), 0);
});
