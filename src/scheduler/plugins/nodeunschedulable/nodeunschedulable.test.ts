import { test } from "node:test";
import assert from "node:assert/strict";
import { fakeCluster, filterAll, makeNode, makePod } from "../../testing/wrappers.ts";
import { ErrReasonUnschedulable, Name, taintNodeUnschedulable } from "./nodeunschedulable.ts";

test("NodeUnschedulable filter: cordoned nodes only take pods tolerating the unschedulable taint", () => {
  const cluster = fakeCluster({
    nodes: [makeNode("open").obj(), makeNode("cordoned").unschedulable().obj()],
  });
  const cases = [
    {
      name: "no toleration",
      pod: makePod("p"),
      want: { open: "", cordoned: ErrReasonUnschedulable },
    },
    {
      name: "tolerates the taint by key",
      pod: makePod("p").toleration({
        key: taintNodeUnschedulable,
        operator: "Exists",
        effect: "NoSchedule",
      }),
      want: { open: "", cordoned: "" },
    },
    {
      name: "empty key Exists tolerates everything",
      pod: makePod("p").toleration({ operator: "Exists" }),
      want: { open: "", cordoned: "" },
    },
    {
      name: "wrong effect does not tolerate",
      pod: makePod("p").toleration({
        key: taintNodeUnschedulable,
        operator: "Exists",
        effect: "NoExecute",
      }),
      want: { open: "", cordoned: ErrReasonUnschedulable },
    },
  ];
  for (const c of cases) assert.deepEqual(filterAll(cluster, Name, c.pod.obj()), c.want, c.name);
});
