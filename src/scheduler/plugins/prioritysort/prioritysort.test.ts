import { test } from "node:test";
import assert from "node:assert/strict";
import type { QueuedPodInfo } from "../../framework/interfaces.ts";
import { makePod } from "../../testing/wrappers.ts";
import { newPrioritySort } from "./prioritysort.ts";

const queued = (priority: number, timestamp: number): QueuedPodInfo => ({
  podInfo: makePod("p").priority(priority).info(),
  timestamp,
  attempts: 0,
  unschedulablePlugins: new Set(),
  pendingPlugins: new Set(),
});

test("PrioritySort: higher priority first, then earlier timestamp", () => {
  const { less } = newPrioritySort();
  const cases = [
    { a: queued(10, 5), b: queued(0, 1), want: true },
    { a: queued(0, 1), b: queued(10, 5), want: false },
    { a: queued(5, 1), b: queued(5, 2), want: true },
    { a: queued(5, 2), b: queued(5, 1), want: false },
    { a: queued(5, 2), b: queued(5, 2), want: false },
  ];
  for (const [i, c] of cases.entries()) assert.equal(less(c.a, c.b), c.want, `case ${i}`);
});
