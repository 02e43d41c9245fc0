import { test } from "node:test";
import assert from "node:assert/strict";
import type { Pod } from "kubernetes-types/core/v1.d.ts";
import type { KObject } from "../../../api/types.ts";
import type { RestClient } from "../../../client/rest-client.ts";
import type { EventsRecorder } from "../../events/event-broadcaster.ts";
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

test("DefaultPreemption marks, deletes and reports each victim, then nominates the node", async () => {
  const calls: string[] = [];
  const client = {
    patch: async (_ref: unknown, ns: string, name: string, type: string, body: unknown) => {
      calls.push(`patch ${type} ${ns}/${name} ${JSON.stringify(body)}`);
      return {};
    },
    delete: async (_ref: unknown, ns: string, name: string, opts: unknown) => {
      calls.push(`delete ${ns}/${name} ${JSON.stringify(opts)}`);
      return {};
    },
  } as unknown as RestClient;
  const events: string[] = [];
  const eventRecorder: EventsRecorder = {
    eventf: (regarding, related, type, reason, action, note) =>
      events.push(
        [regarding.metadata?.name, related?.metadata?.name, type, reason, action, note].join("|"),
      ),
  };
  const v = makePod("v1").node("n1").priority(1).req({ cpu: "2" }).obj();
  const cluster = fakeCluster({ nodes: [small("n1")], pods: [v], client, eventRecorder });
  const hi = makePod("hi").priority(100).req({ cpu: "2" }).obj();
  const r = await preempt(cluster, hi);
  assert.equal(r.nominatedNodeName, "n1");
  assert.equal(r.victims, 1);
  const stamp = new Date(cluster.clock.now()).toISOString().replace(/\.\d{3}Z$/, "Z");
  assert.deepEqual(calls, [
    'patch merge default/hi {"status":{"nominatedNodeName":"n1"}}',
    `patch strategic default/v1 {"status":{"conditions":[{"type":"DisruptionTarget","status":"True","reason":"PreemptionByScheduler","message":"default-scheduler: preempting to accommodate a higher priority pod","lastTransitionTime":"${stamp}"}]}}`,
    'delete default/v1 {"preconditions":{"uid":"uid-v1"}}',
  ]);
  assert.deepEqual(events, [
    "v1|hi|Normal|Preempted|Preempting|Preempted by pod uid-hi on node n1",
  ]);
});
