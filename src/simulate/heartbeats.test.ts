import { test } from "node:test";
import assert from "node:assert/strict";
import { FakeClock } from "../client/clock.ts";
import { Heartbeats } from "./heartbeats.ts";

/** A seeded uniform [0, 1) generator (mulberry32). */
function seeded(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Moves the fake clock in 10 ms steps, letting promise callbacks run between steps. */
async function advance(clock: FakeClock, ms: number): Promise<void> {
  for (let t = 0; t < ms; t += 10) {
    clock.advance(10);
    await new Promise<void>((r) => setImmediate(r));
  }
}

test("runs start at their offsets; a stall bunches them, jitter spreads them again", async () => {
  const cases = [
    { name: "no jitter", jitter: 0, wantDistinct: 1 },
    { name: "upstream's 4%", jitter: 0.04, wantDistinct: 20 },
  ];
  for (const c of cases) {
    const clock = new FakeClock(0);
    const beats = new Heartbeats(clock, { random: seeded(7) });
    const runs: number[][] = Array.from({ length: 50 }, () => []);
    let release!: () => void;
    const stall = new Promise<void>((r) => (release = r));
    for (let i = 0; i < 50; i++)
      beats.every(
        i * 200,
        10_000,
        async () => {
          runs[i]!.push(clock.now());
          if (runs[i]!.length === 1) await stall; // the server stalls every first renewal
        },
        c.jitter,
      );
    await advance(clock, 10_000);
    assert.deepEqual(
      runs.map((r) => r[0]),
      Array.from({ length: 50 }, (_, i) => i * 200),
      `${c.name}: spread offsets`,
    );
    release(); // every stalled call ends at t = 10 s
    await advance(clock, 25_000);
    const second = new Set(runs.map((r) => Math.floor(r[1]! / 10)));
    assert.ok(
      second.size >= c.wantDistinct && (c.jitter > 0 || second.size === 1),
      `${c.name}: ${second.size} distinct 10 ms slots for the second runs`,
    );
    for (const r of runs) assert.ok(r[1]! >= 20_000 && r[1]! < 20_000 + 10_000 * c.jitter + 20);
    beats.stop();
  }
});

test("a failing run is reported and rescheduled; stop cancels what is pending", async () => {
  const clock = new FakeClock(0);
  const errors: unknown[] = [];
  const beats = new Heartbeats(clock, { onError: (e) => errors.push(e), random: () => 0 });
  let calls = 0;
  beats.every(0, 1000, async () => {
    calls++;
    throw new Error("503");
  });
  await advance(clock, 2500);
  assert.equal(calls, 3);
  assert.equal(errors.length, 3);
  beats.stop();
  await advance(clock, 5000);
  assert.equal(calls, 3, "no run after stop");
});
