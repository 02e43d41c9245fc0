import { test } from "node:test";
import assert from "node:assert/strict";
import { pool } from "./pool.ts";

test("pool runs every index once with at most width in flight", async () => {
  for (const [n, width] of [
    [0, 4],
    [1, 4],
    [10, 3],
    [2500, 32],
  ] as const) {
    const seen: number[] = [];
    let inFlight = 0;
    let most = 0;
    const marks: number[] = [];
    await pool(
      n,
      width,
      async (i) => {
        inFlight++;
        most = Math.max(most, inFlight);
        await new Promise((r) => setImmediate(r));
        seen.push(i);
        inFlight--;
      },
      (d) => marks.push(d),
    );
    assert.deepEqual(
      [...seen].sort((a, b) => a - b),
      Array.from({ length: n }, (_, i) => i),
      `n=${n}`,
    );
    assert.equal(most, Math.min(width, n), `n=${n} width=${width}`);
    assert.deepEqual(marks, n >= 1000 ? [1000, 2000] : [], `n=${n}`);
  }
});

test("pool stops at the first failing task's error", async () => {
  await assert.rejects(
    pool(5, 2, async (i) => {
      if (i === 3) throw new Error("task 3 failed");
    }),
    /task 3 failed/,
  );
});
