import { test } from "node:test";
import assert from "node:assert/strict";
import { CycleState } from "./framework/cycle-state.ts";
import { PodInfo } from "./framework/pod-info.ts";
import { fakeCluster, makeNode, makePod } from "./testing/wrappers.ts";
import { fitErrorOf, GenericScheduler, numFeasibleNodesToFind } from "./schedule-pod.ts";

test("numFeasibleNodesToFind: adaptive percentage as upstream", () => {
  const cases = [
    { pct: 0, nodes: 50, want: 50 },
    { pct: 0, nodes: 100, want: 100 },
    { pct: 0, nodes: 1000, want: 420 }, // 50 - 8 = 42%
    { pct: 0, nodes: 5000, want: 500 }, // 50 - 40 = 10%
    { pct: 0, nodes: 6000, want: 300 }, // 50 - 48 = 2%, raised to the 5% minimum
    { pct: 0, nodes: 20000, want: 1000 }, // floor at 5%
    { pct: 10, nodes: 500, want: 100 }, // at least 100
    { pct: 100, nodes: 5000, want: 5000 },
  ];
  for (const c of cases)
    assert.equal(numFeasibleNodesToFind(c.pct, c.nodes), c.want, `${c.pct}% of ${c.nodes}`);
});

test("schedulePod picks the best-scoring node and rotates its filter start", () => {
  const nodes = Array.from({ length: 200 }, (_, i) =>
    makeNode(`n${String(i).padStart(3, "0")}`).obj(),
  );
  const cluster = fakeCluster({ nodes });
  const sched = new GenericScheduler(() => 0.5);
  const r1 = sched.schedulePod(cluster.fw, cluster.cache, new CycleState(), makePod("p").info());
  assert.ok(r1.ok);
  // 200 nodes: 50 - 1 = 49% -> 98, raised to the 100-node minimum.
  assert.equal(r1.ok && r1.evaluatedNodes, 100);
  const r2 = sched.schedulePod(cluster.fw, cluster.cache, new CycleState(), makePod("q").info());
  assert.ok(r2.ok && r2.feasibleNodes === 100);
});

test("schedulePod reports a FitError with upstream's message", () => {
  const cluster = fakeCluster({
    nodes: [
      makeNode("cp")
        .taint({ key: "node-role.kubernetes.io/control-plane", effect: "NoSchedule" })
        .obj(),
      makeNode("w1").capacity({ cpu: "1", pods: "10" }).obj(),
      makeNode("w2").capacity({ cpu: "1", pods: "10" }).obj(),
      makeNode("w3").capacity({ cpu: "1", pods: "10" }).obj(),
    ],
  });
  const r = new GenericScheduler().schedulePod(
    cluster.fw,
    cluster.cache,
    new CycleState(),
    makePod("p").req({ cpu: "2" }).info(),
  );
  assert.ok(!r.ok && r.kind === "fit");
  assert.equal(
    fitErrorOf(
      r,
      "preemption: 0/4 nodes are available: 4 No preemption victims found for incoming pod.",
    ),
    "0/4 nodes are available: 1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }, 3 Insufficient cpu. preemption: 0/4 nodes are available: 4 No preemption victims found for incoming pod.",
  );
  assert.deepEqual([...r.diagnosis.unschedulablePlugins].sort(), [
    "NodeResourcesFit",
    "TaintToleration",
  ]);
});

test("schedulePod with no nodes", () => {
  const cluster = fakeCluster({});
  const r = new GenericScheduler().schedulePod(
    cluster.fw,
    cluster.cache,
    new CycleState(),
    makePod("p").info(),
  );
  assert.deepEqual(r, {
    ok: false,
    kind: "error",
    message: "no nodes available to schedule pods",
    noNodes: true,
  });
});

test("selectHost breaks ties with the injected random source", () => {
  const first = new GenericScheduler(() => 0.99);
  const last = new GenericScheduler(() => 0);
  assert.equal(first.selectHost([1, 5, 5, 5]), 1);
  assert.equal(last.selectHost([1, 5, 5, 5]), 3);
  assert.equal(last.selectHost([9, 5]), 0);
});

test("selectHost draws once per call and reaches every tie", () => {
  const draws = [0, 0.4, 0.8];
  let calls = 0;
  const sched = new GenericScheduler(() => draws[calls++ % draws.length]!);
  const picked = draws.map(() => sched.selectHost([5, 1, 5, 5]));
  assert.deepEqual(picked, [3, 2, 0]);
  assert.equal(calls, 3);
  assert.equal(sched.selectHost([2, 7]), 1);
  assert.equal(calls, 4);
  assert.equal(sched.selectHost([]), 0);
});

test("schedulePod: a rejected nominated node is tried first and counted in the FitError", () => {
  const cluster = fakeCluster({
    nodes: ["a", "b", "c"].map((n) => makeNode(n).capacity({ cpu: "1", pods: "10" }).obj()),
  });
  const pod = { ...makePod("p").req({ cpu: "2" }).obj(), status: { nominatedNodeName: "b" } };
  const f = new GenericScheduler().schedulePod(
    cluster.fw,
    cluster.cache,
    new CycleState(),
    new PodInfo(pod),
  );
  assert.ok(!f.ok && f.kind === "fit");
  assert.deepEqual([...f.diagnosis.nodeStatuses.keys()].sort(), ["a", "b", "c"]);
  assert.equal([...f.diagnosis.nodeStatuses.keys()][0], "b", "nominated node first");
  assert.equal(fitErrorOf(f), "0/3 nodes are available: 3 Insufficient cpu.");
});

test("schedulePod scores only the nodes that passed the filters (its list is sized ahead, then trimmed)", () => {
  const cluster = fakeCluster({
    nodes: [
      makeNode("small-1").capacity({ cpu: "1", pods: "10" }).obj(),
      makeNode("big-1").capacity({ cpu: "4", pods: "10" }).obj(),
      makeNode("small-2").capacity({ cpu: "1", pods: "10" }).obj(),
      makeNode("big-2").capacity({ cpu: "4", pods: "10" }).obj(),
    ],
  });
  const sched = new GenericScheduler(() => 0.5);
  for (const name of ["p", "q", "r"]) {
    const r = sched.schedulePod(
      cluster.fw,
      cluster.cache,
      new CycleState(),
      makePod(name).req({ cpu: "2" }).info(),
    );
    assert.ok(r.ok, name);
    assert.equal(r.evaluatedNodes, 4, name);
    assert.equal(r.feasibleNodes, 2, name);
    assert.match(r.host, /^big-/, name);
  }
});

test("selectHost reads only the first n scores; runScorePlugins' reused list holds each cycle's own totals", () => {
  const sched = new GenericScheduler(() => 0);
  assert.equal(sched.selectHost([1, 5, 9], 2), 1);
  const nodes = [
    makeNode("a").capacity({ cpu: "4", memory: "8Gi", pods: "10" }).obj(),
    makeNode("b").capacity({ cpu: "2", memory: "4Gi", pods: "10" }).obj(),
    makeNode("c").capacity({ cpu: "8", memory: "16Gi", pods: "10" }).obj(),
  ];
  const scores = (fw: typeof reused.fw, cache: typeof reused.cache, names: string[]) => {
    const pod = makePod("p").req({ cpu: "1", memory: "1Gi" }).info();
    const list = names.map((n) => cache.get(n)!);
    const state = new CycleState();
    assert.equal(fw.runPreScorePlugins(state, pod, list), null);
    return [...fw.runScorePlugins(state, pod, list).slice(0, list.length)];
  };
  const reused = fakeCluster({ nodes });
  const three = scores(reused.fw, reused.cache, ["a", "b", "c"]);
  const two = scores(reused.fw, reused.cache, ["c", "b"]);
  const fresh = fakeCluster({ nodes });
  assert.deepEqual(two, scores(fresh.fw, fresh.cache, ["c", "b"]));
  assert.deepEqual(two, [three[2], three[1]]);
  assert.notEqual(three[0], three[1], "the nodes score apart");
});
