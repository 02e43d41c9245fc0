import { test } from "node:test";
import assert from "node:assert/strict";
import { fakeCluster, filterAll, makeNode, makePod, scoreAll } from "../../testing/wrappers.ts";
import { Name } from "./noderesourcesfit.ts";

const node = makeNode("n1")
  .capacity({
    cpu: "4",
    memory: "8Gi",
    "ephemeral-storage": "10Gi",
    pods: "3",
    "example.com/gpu": "2",
  })
  .obj();

test("NodeResourcesFit filter: every resource kind, init containers and overhead", () => {
  const running = makePod("running").node("n1").req({ cpu: "2", memory: "4Gi" }).obj();
  const cluster = fakeCluster({ nodes: [node], pods: [running] });
  const cases: { name: string; pod: ReturnType<typeof makePod>; want: string }[] = [
    { name: "fits", pod: makePod("p").req({ cpu: "2", memory: "4Gi" }), want: "" },
    { name: "cpu", pod: makePod("p").req({ cpu: "2500m" }), want: "Insufficient cpu" },
    { name: "memory", pod: makePod("p").req({ memory: "5Gi" }), want: "Insufficient memory" },
    {
      name: "cpu and memory",
      pod: makePod("p").req({ cpu: "3", memory: "5Gi" }),
      want: "Insufficient cpu, Insufficient memory",
    },
    {
      name: "ephemeral-storage",
      pod: makePod("p").req({ "ephemeral-storage": "11Gi" }),
      want: "Insufficient ephemeral-storage",
    },
    { name: "extended resource fits", pod: makePod("p").req({ "example.com/gpu": "2" }), want: "" },
    {
      name: "extended resource",
      pod: makePod("p").req({ "example.com/gpu": "3" }),
      want: "Insufficient example.com/gpu",
    },
    {
      name: "unknown extended resource",
      pod: makePod("p").req({ "example.com/fpga": "1" }),
      want: "Insufficient example.com/fpga",
    },
    {
      name: "init container larger than app",
      pod: makePod("p").req({ cpu: "1" }).initReq({ cpu: "3" }),
      want: "Insufficient cpu",
    },
    {
      name: "init container smaller than app",
      pod: makePod("p").req({ cpu: "2" }).initReq({ cpu: "1" }),
      want: "",
    },
    {
      name: "sidecar init container adds to app containers",
      pod: makePod("p").req({ cpu: "1500m" }).initReq({ cpu: "1" }, "Always"),
      want: "Insufficient cpu",
    },
    {
      name: "pod overhead counts",
      pod: makePod("p")
        .req({ cpu: "1500m" })
        .spec({ overhead: { cpu: "1" } }),
      want: "Insufficient cpu",
    },
  ];
  for (const c of cases) assert.equal(filterAll(cluster, Name, c.pod.obj()).n1, c.want, c.name);
});

test("NodeResourcesFit filter: pod count", () => {
  const pods = ["a", "b", "c"].map((n) => makePod(n).node("n1").obj());
  const cluster = fakeCluster({ nodes: [node], pods });
  assert.equal(filterAll(cluster, Name, makePod("p").obj()).n1, "Too many pods");
});

test("NodeResourcesFit score: strategies", () => {
  const nodes = [
    makeNode("empty").capacity({ cpu: "4", memory: "8Gi", pods: "110" }).obj(),
    makeNode("half").capacity({ cpu: "4", memory: "8Gi", pods: "110" }).obj(),
  ];
  const pods = [makePod("x").node("half").req({ cpu: "2", memory: "4Gi" }).obj()];
  const pod = makePod("p").req({ cpu: "1", memory: "2Gi" }).obj();
  const cases = [
    // LeastAllocated: (4-1)/4 = 75; (4-3)/4 = 25.
    { name: "LeastAllocated (default)", args: undefined, want: { empty: 75, half: 25 } },
    {
      name: "MostAllocated",
      args: { scoringStrategy: { type: "MostAllocated" } },
      want: { empty: 25, half: 75 },
    },
    {
      name: "RequestedToCapacityRatio favouring full nodes",
      args: {
        scoringStrategy: {
          type: "RequestedToCapacityRatio",
          requestedToCapacityRatio: {
            shape: [
              { utilization: 0, score: 0 },
              { utilization: 100, score: 10 },
            ],
          },
        },
      },
      want: { empty: 25, half: 75 },
    },
  ];
  for (const c of cases) {
    const cluster = fakeCluster({
      nodes,
      pods,
      profile: { schedulerName: "s", pluginConfig: c.args ? [{ name: Name, args: c.args }] : [] },
    });
    assert.deepEqual(scoreAll(cluster, Name, pod), c.want, c.name);
  }
});
