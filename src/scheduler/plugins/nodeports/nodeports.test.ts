import { test } from "node:test";
import assert from "node:assert/strict";
import { fakeCluster, filterAll, makeNode, makePod } from "../../testing/wrappers.ts";
import { ErrReason, Name } from "./nodeports.ts";

test("NodePorts filter: host port conflicts", () => {
  const used = [
    makePod("a").node("n1").hostPort(8080).obj(),
    makePod("b").node("n1").hostPort(9090, "TCP", "10.0.0.1").obj(),
  ];
  const cluster = fakeCluster({ nodes: [makeNode("n1").obj(), makeNode("n2").obj()], pods: used });
  const cases = [
    { name: "no host ports", pod: makePod("p"), want: { n1: "", n2: "" } },
    {
      name: "same port, wildcard IP",
      pod: makePod("p").hostPort(8080),
      want: { n1: ErrReason, n2: "" },
    },
    {
      name: "same port, other protocol",
      pod: makePod("p").hostPort(8080, "UDP"),
      want: { n1: "", n2: "" },
    },
    {
      name: "wildcard against a specific IP",
      pod: makePod("p").hostPort(9090),
      want: { n1: ErrReason, n2: "" },
    },
    {
      name: "different specific IPs",
      pod: makePod("p").hostPort(9090, "TCP", "10.0.0.2"),
      want: { n1: "", n2: "" },
    },
    {
      name: "same specific IP",
      pod: makePod("p").hostPort(9090, "TCP", "10.0.0.1"),
      want: { n1: ErrReason, n2: "" },
    },
  ];
  for (const c of cases) assert.deepEqual(filterAll(cluster, Name, c.pod.obj()), c.want, c.name);
});
