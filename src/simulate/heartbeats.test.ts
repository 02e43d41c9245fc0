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

test("runs due in the same tick share one timer and start at most one tick late", async () => {
  const fake = new FakeClock(0);
  let timers = 0;
  const clock = {
    now: () => fake.now(),
    after: (ms: number, fn: () => void) => (timers++, fake.after(ms, fn)),
  };
  const beats = new Heartbeats(clock, { random: () => 0, tickMs: 10 });
  const started: number[][] = Array.from({ length: 1000 }, () => []);
  // 1,000 nodes' first runs every 3 ms over 3 s, then a 10 s period.
  for (let i = 0; i < 1000; i++)
    beats.every(i * 3, 10_000, async () => void started[i]!.push(fake.now()), 0);
  await advance(fake, 3_000);
  for (let i = 0; i < 1000; i++) {
    const at = started[i]![0]!;
    assert.ok(at >= i * 3 && at < i * 3 + 10, `run ${i} due at ${i * 3} started at ${at}`);
  }
  // 1,000 runs over 301 ticks: about one timer per tick, not one per run.
  assert.ok(timers <= 310, `${timers} timers for 1,000 runs`);
  const before = timers;
  await advance(fake, 10_000);
  assert.equal(
    started.filter((s) => s.length === 2).length,
    1000,
    "every node ran again one period later",
  );
  assert.ok(timers - before <= 310, `${timers - before} timers for the second 1,000 runs`);
  // Still spread over the 3 s they started in: no tick runs more than its share.
  const perTick = new Map<number, number>();
  for (const s of started) perTick.set(s[1]!, (perTick.get(s[1]!) ?? 0) + 1);
  assert.ok(Math.max(...perTick.values()) <= 4, "at most 4 runs (12 ms of offsets) per 10 ms tick");
  beats.stop();
  await advance(fake, 20_000);
  assert.equal(fake.waiting(), 0, "stop leaves no timer");
});
