import { test } from "node:test";
import assert from "node:assert/strict";
import type { Pod } from "kubernetes-types/core/v1.d.ts";
import type { KObject } from "../../../api/types.ts";
import { CycleState } from "../../framework/cycle-state.ts";
import { PodInfo } from "../../framework/pod-info.ts";
import type { Status } from "../../framework/status.ts";
import { fakeCluster, makeNode, makePod } from "../../testing/wrappers.ts";
import { Name } from "./defaultpreemption.ts";

async function preempt(cluster: ReturnType<typeof fakeCluster>, pod: Pod) {
  const pi = new PodInfo(pod);
  const state = new CycleState();
  const nodes = cluster.cache.nodeInfoList();
  cluster.fw.runPreFilterPlugins(state, pi, nodes);
  const statuses = new Map<string, Status>();
  for (const n of nodes) {
    const s = cluster.fw.runFilterPlugins(state, pi, n);
    if (s) statuses.set(n.name, s);
  }
  const plugin = cluster.fw.plugins.postFilter.find((p) => p.name === Name)!;
  return plugin.postFilter(state, pi, statuses);
}

const small = (name: string) =>
  makeNode(name).capacity({ cpu: "2", memory: "4Gi", pods: "10" }).obj();
const victim = (
  name: string,
  node: string,
  priority: number,
  labels: Record<string, string> = {},
) => makePod(name).node(node).priority(priority).labels(labels).req({ cpu: "2" }).obj();
const pdb = (app: string, allowed: number): KObject => ({
  metadata: { name: `pdb-${app}`, namespace: "default" },
  spec: { selector: { matchLabels: { app } } },
  status: { disruptionsAllowed: allowed },
});

test("DefaultPreemption picks the node whose victims matter least", async () => {
  const cases = [
    {
      name: "lower-priority victim is chosen over a higher one",
      pods: [victim("v1", "n1", 50), victim("v2", "n2", 10)],
      pdbs: [] as KObject[],
      want: "n2",
    },
    {
      name: "a PDB-protected victim is avoided",
      pods: [victim("v1", "n1", 10, { app: "db" }), victim("v2", "n2", 10, { app: "web" })],
      pdbs: [pdb("db", 0)],
      want: "n2",
    },
    {
      name: "PDB violated when nothing else helps",
      pods: [victim("v1", "n1", 10, { app: "db" }), victim("v2", "n2", 200)],
      pdbs: [pdb("db", 0)],
      want: "n1",
    },
  ];
  for (const c of cases) {
    const cluster = fakeCluster({
      nodes: [small("n1"), small("n2")],
      pods: c.pods,
      objects: { poddisruptionbudgets: c.pdbs },
    });
    const r = await preempt(cluster, makePod("hi").priority(100).req({ cpu: "2" }).obj());
    assert.equal(r.status, null, c.name);
    assert.equal(r.nominatedNodeName, c.want, c.name);
  }
});

test("DefaultPreemption failure messages", async () => {
  const cluster = fakeCluster({
    nodes: [
      small("n1"),
      makeNode("tainted")
        .capacity({ cpu: "2", pods: "10" })
        .taint({ key: "k", effect: "NoSchedule" })
        .obj(),
    ],
    pods: [victim("v1", "n1", 100), victim("v2", "tainted", 0)],
  });
  const cases = [
    {
      name: "no lower-priority victims",
      pod: makePod("p").priority(100).req({ cpu: "1" }).obj(),
      want: "preemption: 0/2 nodes are available: 1 No preemption victims found for incoming pod, 1 Preemption is not helpful for scheduling.",
    },
    {
      name: "preemptionPolicy Never",
      pod: makePod("p").priority(1000).req({ cpu: "1" }).spec({ preemptionPolicy: "Never" }).obj(),
      want: "preemption: not eligible due to preemptionPolicy=Never.",
    },
    {
      name: "removing victims is not enough",
      pod: makePod("p").priority(1000).req({ cpu: "3" }).obj(),
      want: "preemption: 0/2 nodes are available: 1 Insufficient cpu, 1 Preemption is not helpful for scheduling.",
    },
  ];
  for (const c of cases) {
    const r = await preempt(cluster, c.pod);
    assert.equal(r.nominatedNodeName, undefined, c.name);
    assert.equal(r.status?.message(), c.want, c.name);
  }
});
