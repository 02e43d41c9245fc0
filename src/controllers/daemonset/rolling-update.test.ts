import { test } from "node:test";
import assert from "node:assert/strict";
import type { Pod } from "../util/pods.ts";
import { planRollingUpdate, surgeAndUnavailable, type NodePods } from "./rolling-update.ts";

/** "n1:old+", "n2:new-", "n3:" ... (+ available, - not). */
function nodes(spec: string): NodePods[] {
  return spec.split(" ").map((entry) => {
    const [node, pods] = entry.split(":");
    return {
      node: node!,
      pods: (pods ? pods.split(",") : []).map(
        (p) =>
          ({
            metadata: {
              name: `${node}-${p}`,
              labels: { v: p.slice(0, 3) },
              annotations: { a: p.slice(3) },
            },
          }) as Pod,
      ),
    };
  });
}
const isCurrent = (p: Pod) => p.metadata?.labels?.v === "new";
const isAvailable = (p: Pod) => p.metadata?.annotations?.a === "+";
const names = (ps: Pod[]) => ps.map((p) => p.metadata?.name);

test("without surge, old pods go while the unavailable budget allows", () => {
  const cases: [string, number, string[]][] = [
    ["n1:old+ n2:old+ n3:old+", 1, ["n1-old+"]],
    ["n1:old+ n2:old+ n3:old+", 2, ["n1-old+", "n2-old+"]],
    ["n1:new- n2:old+ n3:old+", 1, []],
    ["n1:new+ n2:old- n3:old+", 1, ["n2-old-"]],
    ["n1:new+ n2:old- n3:old+", 2, ["n2-old-", "n3-old+"]],
    ["n1:new-,old+ n2:old+", 1, []],
    ["n1: n2:old+", 1, []],
    ["n1:new+ n2:new+", 1, []],
  ];
  for (const [spec, maxUnavailable, want] of cases) {
    const plan = planRollingUpdate(nodes(spec), isCurrent, isAvailable, {
      maxSurge: 0,
      maxUnavailable,
    });
    assert.deepEqual(names(plan.deletePods), want, spec);
    assert.deepEqual(plan.createOnNodes, [], spec);
  }
});

test("with surge, new pods start beside old ones and old ones go once replaced", () => {
  const cases: [string, number, string[], string[]][] = [
    ["n1:old+ n2:old+ n3:old+", 1, ["n1"], []],
    ["n1:old+,new- n2:old+ n3:old+", 1, [], []],
    // An available replacement no longer counts as surge: the next node starts at once.
    ["n1:old+,new+ n2:old+ n3:old+", 1, ["n2"], ["n1-old+"]],
    ["n1:old- n2:old+", 1, ["n1", "n2"], []],
    ["n1:old+ n2:old+", 2, ["n1", "n2"], []],
  ];
  for (const [spec, maxSurge, create, del] of cases) {
    const plan = planRollingUpdate(nodes(spec), isCurrent, isAvailable, {
      maxSurge,
      maxUnavailable: 0,
    });
    assert.deepEqual(plan.createOnNodes, create, spec);
    assert.deepEqual(names(plan.deletePods), del, spec);
  }
});

test("maxSurge and maxUnavailable scale with the desired count", () => {
  assert.deepEqual(surgeAndUnavailable(undefined, 10), { maxSurge: 0, maxUnavailable: 1 });
  assert.deepEqual(surgeAndUnavailable({ maxUnavailable: "25%" }, 10), {
    maxSurge: 0,
    maxUnavailable: 3,
  });
  assert.deepEqual(surgeAndUnavailable({ maxSurge: "10%", maxUnavailable: 0 }, 10), {
    maxSurge: 1,
    maxUnavailable: 0,
  });
  assert.deepEqual(surgeAndUnavailable({ maxSurge: 0, maxUnavailable: 0 }, 10), {
    maxSurge: 0,
    maxUnavailable: 1,
  });
});
