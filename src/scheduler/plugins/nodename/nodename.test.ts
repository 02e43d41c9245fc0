import { test } from "node:test";
import assert from "node:assert/strict";
import { fakeCluster, filterAll, makeNode, makePod } from "../../testing/wrappers.ts";
import { ErrReason, Name } from "./nodename.ts";

test("NodeName filter", () => {
  const cluster = fakeCluster({ nodes: [makeNode("n1").obj(), makeNode("n2").obj()] });
  const cases: { name: string; nodeName?: string; want: Record<string, string> }[] = [
    { name: "no nodeName fits everywhere", want: { n1: "", n2: "" } },
    { name: "nodeName fits only that node", nodeName: "n1", want: { n1: "", n2: ErrReason } },
    { name: "unknown node fits nowhere", nodeName: "n9", want: { n1: ErrReason, n2: ErrReason } },
  ];
  for (const c of cases) {
    const pod = makePod("p").obj();
    if (c.nodeName) pod.spec!.nodeName = c.nodeName;
    assert.deepEqual(filterAll(cluster, Name, pod), c.want, c.name);
  }
});
