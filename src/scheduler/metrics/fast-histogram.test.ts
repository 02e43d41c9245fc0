import { test } from "node:test";
import assert from "node:assert/strict";
import { Histogram, Registry } from "prom-client";
import { FastHistogram } from "./fast-histogram.ts";

test("FastHistogram exposes exactly what prom-client's Histogram does", async () => {
  const cases: { name: string; labelNames: string[]; obs: [Record<string, string>, number][] }[] = [
    {
      name: "no labels",
      labelNames: [],
      obs: [
        [{}, 0.0005],
        [{}, 0.002],
        [{}, 99],
      ],
    },
    {
      name: "labels, values on bucket bounds and above the last",
      labelNames: ["result", "profile"],
      obs: [
        [{ result: "scheduled", profile: "p" }, 0.001],
        [{ result: "scheduled", profile: "p" }, 0.0011],
        [{ result: "error", profile: "p" }, 5],
        [{ result: "scheduled", profile: "p" }, 0],
      ],
    },
  ];
  for (const c of cases) {
    const buckets = [0.001, 0.002, 0.004, 1];
    const ours = new Registry();
    const theirs = new Registry();
    const fast = new FastHistogram("h", "help text", c.labelNames, buckets, ours);
    const slow = new Histogram({
      name: "h",
      help: "help text",
      labelNames: c.labelNames,
      buckets,
      registers: [theirs],
    });
    for (const [labels, v] of c.obs) {
      fast.child(labels).observe(v);
      if (c.labelNames.length) slow.observe(labels, v);
      else slow.observe(v);
    }
    assert.equal(await ours.metrics(), await theirs.metrics(), c.name);
  }
});
