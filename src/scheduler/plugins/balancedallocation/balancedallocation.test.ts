import { test } from "node:test";
import assert from "node:assert/strict";
import { fakeCluster, makeNode, makePod, scoreAll } from "../../testing/wrappers.ts";
import { Name } from "./balancedallocation.ts";

test("BalancedAllocation: equal cpu and memory fractions score highest", () => {
  const nodes = [
    makeNode("balanced").capacity({ cpu: "4", memory: "4Gi", pods: "110" }).obj(),
    makeNode("skewed").capacity({ cpu: "4", memory: "16Gi", pods: "110" }).obj(),
  ];
  const cluster = fakeCluster({ nodes });
  const cases = [
    // balanced: 0.5/0.5 -> std 0 -> 100; skewed: 0.5/0.125 -> std 0.1875 -> 81.
    {
      name: "half of each",
      pod: makePod("p").req({ cpu: "2", memory: "2Gi" }),
      want: { balanced: 100, skewed: 81 },
    },
    { name: "requests nothing", pod: makePod("p"), want: { balanced: 100, skewed: 100 } },
  ];
  for (const c of cases) assert.deepEqual(scoreAll(cluster, Name, c.pod.obj()), c.want, c.name);
});
