import { test } from "node:test";
import assert from "node:assert/strict";
import { FakeClock } from "../clock.ts";
import { WorkQueue, runWorkers } from "./queue.ts";
import { ItemExponentialFailureRateLimiter, TokenBucket } from "./rate-limiter.ts";

test("a key added many times while waiting is processed once", async () => {
  const q = new WorkQueue({ clock: new FakeClock() });
  q.add("a");
  q.add("a");
  q.add("b");
  assert.equal(q.len(), 2);
  assert.equal(await q.get(), "a");
  assert.equal(await q.get(), "b");
});

test("a key added during processing is not handed out until done", async () => {
  const q = new WorkQueue({ clock: new FakeClock() });
  q.add("a");
  const key = await q.get();
  q.add("a");
  assert.equal(q.len(), 0, "must not be queued while processing");
  q.done(key!);
  assert.equal(q.len(), 1);
  assert.equal(await q.get(), "a");
});

test("addAfter fires on the fake clock, earliest wins", async () => {
  const clock = new FakeClock();
  const q = new WorkQueue({ clock });
  q.addAfter("a", 100);
  q.addAfter("a", 50);
  clock.advance(49);
  assert.equal(q.len(), 0);
  clock.advance(1);
  assert.equal(q.len(), 1);
  clock.advance(100);
  assert.equal(q.len(), 1, "the cancelled later timer must not add again");
});

test("exponential backoff doubles from 5 ms and is capped", () => {
  const rl = new ItemExponentialFailureRateLimiter(5, 1000_000);
  const delays = Array.from({ length: 4 }, () => rl.when("x"));
  assert.deepEqual(delays, [5, 10, 20, 40]);
  for (let i = 0; i < 40; i++) rl.when("x");
  assert.equal(rl.when("x"), 1000_000);
  rl.forget("x");
  assert.equal(rl.when("x"), 5);
});

test("token bucket grants the burst then paces at qps", () => {
  const clock = new FakeClock();
  const bucket = new TokenBucket(10, 3, clock);
  assert.deepEqual([bucket.reserve(), bucket.reserve(), bucket.reserve()], [0, 0, 0]);
  assert.equal(bucket.reserve(), 100);
  clock.advance(1000);
  assert.equal(bucket.tryTake(), true);
});

test("runWorkers retries failures and never syncs one key twice at once", async () => {
  const clock = new FakeClock();
  const q = new WorkQueue({ clock });
  let inFlight = 0;
  let maxInFlight = 0;
  let attempts = 0;
  const synced: string[] = [];
  const done = runWorkers(q, 3, async (key) => {
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    await new Promise((r) => setImmediate(r));
    q.add(key); // re-added while processing: must wait for done()
    inFlight--;
    attempts++;
    if (attempts === 1) throw new Error("first attempt fails");
    synced.push(key);
    if (synced.length >= 2) q.shutDown();
  });
  q.add("k");
  for (let i = 0; i < 20 && !q.isShuttingDown(); i++) {
    await new Promise((r) => setImmediate(r));
    clock.advance(10);
  }
  await done;
  assert.equal(maxInFlight, 1);
  assert.deepEqual(synced, ["k", "k"]);
});

test("queue metrics use client-go's names, labelled by queue name", async () => {
  const { Registry } = await import("prom-client");
  const { WorkQueueMetricsProvider } = await import("./metrics.ts");
  const registry = new Registry();
  const provider = new WorkQueueMetricsProvider(registry);
  const clock = new FakeClock(1_000_000);
  const q = new WorkQueue({ clock, name: "deployment", metrics: provider });
  new WorkQueue({ clock, name: "job", metrics: provider });
  q.add("a");
  q.add("a");
  q.add("b");
  clock.advance(2_000);
  const key = await q.get(); // "a" waited 2 s
  clock.advance(3_000);
  const text1 = await registry.metrics();
  q.addRateLimited(key!);
  q.done(key!);
  const text = await registry.metrics();
  const value = (t: string, series: string) =>
    Number(t.match(new RegExp(`^${series.replace(/[{}"+]/g, "\\$&")} (\\S+)$`, "m"))?.[1]);
  const cases: [string, string, number][] = [
    [text1, 'workqueue_unfinished_work_seconds{name="deployment"}', 3],
    [text1, 'workqueue_longest_running_processor_seconds{name="deployment"}', 3],
    [text, 'workqueue_depth{name="deployment"}', 1],
    [text, 'workqueue_adds_total{name="deployment"}', 2],
    [text, 'workqueue_retries_total{name="deployment"}', 1],
    [text, 'workqueue_queue_duration_seconds_sum{name="deployment"}', 2],
    [text, 'workqueue_queue_duration_seconds_count{name="deployment"}', 1],
    [text, 'workqueue_work_duration_seconds_sum{name="deployment"}', 3],
    [text, 'workqueue_depth{name="job"}', 0],
    [text, 'workqueue_adds_total{name="job"}', 0],
  ];
  for (const [t, series, want] of cases) assert.equal(value(t, series), want, series);
  q.shutDown();
});

test("runWorkers stops taking keys once the queue shuts down: the key in hand finishes, queued keys stay undone", async () => {
  const q = new WorkQueue({ clock: new FakeClock() });
  for (const k of ["a", "b", "c", "d"]) q.add(k);
  const synced: string[] = [];
  await runWorkers(q, 1, async (key) => {
    synced.push(key);
    if (key === "b") q.shutDown();
    await new Promise((r) => setImmediate(r));
  });
  assert.deepEqual(synced, ["a", "b"]);
  assert.equal(q.len(), 2, "c and d were left queued");
});
