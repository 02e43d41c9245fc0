import { test } from "node:test";
import assert from "node:assert/strict";
import { formatIndexes, isComplete, parseIndexes, wantActive, type Job } from "./job-status.ts";

const job = (parallelism?: number, completions?: number | null): Job => ({
  spec: { parallelism, completions },
});

test("active pods wanted follow parallelism and remaining completions", () => {
  assert.equal(wantActive(job(2, 5), 0), 2);
  assert.equal(wantActive(job(2, 5), 4), 1);
  assert.equal(wantActive(job(2, 5), 5), 0);
  assert.equal(wantActive(job(3, null), 0), 3, "work queue jobs run parallelism pods");
  assert.equal(wantActive(job(3, null), 1), 0, "until one succeeds");
});

test("completion", () => {
  assert.equal(isComplete(job(1, 3), 2), false);
  assert.equal(isComplete(job(1, 3), 3), true);
  assert.equal(isComplete(job(2, null), 1), true);
});

test("completed indexes round-trip as intervals", () => {
  assert.equal(formatIndexes([4, 0, 1, 2, 7, 8]), "0-2,4,7-8");
  assert.deepEqual(parseIndexes("0-2,4,7-8"), [0, 1, 2, 4, 7, 8]);
  assert.equal(formatIndexes([]), "");
});
