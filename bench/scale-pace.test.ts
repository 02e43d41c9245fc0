import { test } from "node:test";
import assert from "node:assert/strict";
import { pacedByPods, parsePodPace } from "./scale-pace.ts";

/** A fake clock: sleep advances it; fn records the start time of each item. */
function fakeTime() {
  let t = 1000;
  return {
    now: () => t,
    sleep: async (ms: number) => {
      t += ms;
    },
  };
}

test("pacedByPods at a fixed rate starts each object after the pods before it", async () => {
  const cases: { replicas: number[]; rate: number; starts: number[] }[] = [
    { replicas: [10, 10, 10], rate: 10, starts: [0, 1000, 2000] },
    { replicas: [250, 5, 5], rate: 50, starts: [0, 5000, 5100] },
    { replicas: [0, 0, 4], rate: 2, starts: [0, 0, 0] },
  ];
  for (const c of cases) {
    const time = fakeTime();
    const t0 = time.now();
    const starts: number[] = [];
    const r = await pacedByPods(
      c.replicas.map((replicas) => ({ replicas })),
      async () => void starts.push(time.now() - t0),
      { pace: { podsPerSecond: c.rate }, inFlight: 10, ...time },
    );
    assert.deepEqual(starts, c.starts, JSON.stringify(c));
    assert.equal(
      r.pods,
      c.replicas.reduce((a, b) => a + b, 0),
    );
    assert.equal(r.done, c.replicas.length);
  }
});

test("pacedByPods adaptively waits while the backlog is at the limit", async () => {
  const time = fakeTime();
  let ran = 0;
  const started: number[] = [];
  // Every 100 ms of waiting, 5 more pods run.
  const sleep = async (ms: number) => {
    await time.sleep(ms);
    ran += 5;
  };
  const r = await pacedByPods(
    [20, 20, 20].map((replicas) => ({ replicas })),
    async (o) => void started.push(o.replicas),
    { pace: { maxBacklog: 20 }, ran: () => ran, inFlight: 10, now: time.now, sleep },
  );
  assert.equal(started.length, 3);
  // The second object waits until fewer than 20 of the first 20 pods are pending (one poll),
  // the third until fewer than 20 of 40 (four more polls).
  assert.equal(r.heldMs, 500);
  assert.equal(r.failed, 0);
});

test("pacedByPods counts failures and stops starting at the deadline", async () => {
  const time = fakeTime();
  const r = await pacedByPods(
    [1, 1, 1, 1].map((replicas) => ({ replicas })),
    async () => {
      throw new Error("refused");
    },
    { pace: { podsPerSecond: 1 }, inFlight: 1, deadline: time.now() + 1500, ...time },
  );
  assert.deepEqual([r.done, r.failed], [0, 2]);
});

test("parsePodPace", () => {
  assert.deepEqual(parsePodPace("auto", 7), { maxBacklog: 7 });
  assert.deepEqual(parsePodPace("12.5", 7), { podsPerSecond: 12.5 });
  for (const bad of ["", "0", "-3", "x"]) assert.throws(() => parsePodPace(bad, 1), /Cannot parse/);
});
