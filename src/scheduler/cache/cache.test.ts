import { test } from "node:test";
import assert from "node:assert/strict";
import { makeNode, makePod } from "../testing/wrappers.ts";
import { PodInfo } from "../framework/pod-info.ts";
import { SchedulerCache } from "./cache.ts";

test("assumed pods count until confirmed or forgotten", () => {
  const cache = new SchedulerCache();
  cache.addNode(makeNode("n1").obj());
  const pod = makePod("p").req({ cpu: "1" });
  cache.assumePod(pod.info(), "n1");
  assert.equal(cache.get("n1")!.requested.milliCPU, 1000);
  assert.ok(cache.isAssumed("default/p"));
  cache.addPod(pod.node("n1").obj());
  assert.ok(!cache.isAssumed("default/p"), "the informer's bound pod confirms it");
  assert.equal(cache.get("n1")!.requested.milliCPU, 1000, "not counted twice");
  cache.assumePod(makePod("q").req({ cpu: "2" }).info(), "n1");
  cache.forgetPod("default/q");
  assert.equal(cache.get("n1")!.requested.milliCPU, 1000);
  cache.removePod(pod.obj());
  assert.equal(cache.get("n1")!.pods.size, 0);
});

test("the bind of an assumed pod reuses its parsing only when it was assumed from the old version", () => {
  const cache = new SchedulerCache();
  cache.addNode(makeNode("n1").obj());
  const withRv = (pod: ReturnType<typeof makePod>, rv: string) => {
    const obj = pod.obj();
    return { ...obj, metadata: { ...obj.metadata, resourceVersion: rv } };
  };
  const p = makePod("p").req({ cpu: "1" }).labels({ app: "a" });
  const assumed = cache.assumePod(new PodInfo(withRv(p, "5")), "n1");
  cache.updatePod(withRv(p, "5"), withRv(p.node("n1"), "6"));
  const bound = cache.get("n1")!.pods.get("default/p")!;
  assert.equal(bound.pod.metadata!.resourceVersion, "6", "the informer's object is kept");
  assert.equal(bound.requests, assumed.requests, "parsing reused");
  assert.equal(cache.get("n1")!.requested.milliCPU, 1000);

  // Assumed from rv 7, but the pod changed (labels) before its bind: parse again.
  const q = makePod("q").req({ cpu: "1" }).labels({ app: "a" });
  cache.assumePod(new PodInfo(withRv(q, "7")), "n1");
  const relabelled = q.labels({ app: "b" });
  cache.updatePod(withRv(relabelled, "8"), withRv(relabelled.node("n1"), "9"));
  const qi = cache.get("n1")!.pods.get("default/q")!;
  assert.deepEqual(qi.labels, { app: "b" });
  assert.equal(cache.get("n1")!.requested.milliCPU, 2000);
  assert.ok(!cache.isAssumed("default/q"));
});

test("terminal pods leave the cache; pods may arrive before their node", () => {
  const cache = new SchedulerCache();
  cache.addPod(makePod("early").node("n2").obj());
  assert.equal(cache.get("n2"), undefined, "no Node object yet");
  cache.addNode(makeNode("n2").obj());
  assert.equal(cache.get("n2")!.pods.size, 1);
  const done = { ...makePod("early").node("n2").obj(), status: { phase: "Succeeded" } };
  cache.updatePod(undefined, done);
  assert.equal(cache.get("n2")!.pods.size, 0);
});

test("node list interleaves zones; affinity lists track pods with affinity", () => {
  const cache = new SchedulerCache();
  const zone = "topology.kubernetes.io/zone";
  for (const [n, z] of [
    ["a1", "a"],
    ["a2", "a"],
    ["a3", "a"],
    ["b1", "b"],
    ["c1", "c"],
  ] as const)
    cache.addNode(
      makeNode(n)
        .labels({ [zone]: z })
        .obj(),
    );
  assert.deepEqual(
    cache.nodeInfoList().map((n) => n.name),
    ["a1", "b1", "c1", "a2", "a3"],
  );
  const anti = makePod("anti")
    .node("b1")
    .spec({
      affinity: {
        podAntiAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: [
            { topologyKey: zone, labelSelector: {} },
          ],
        },
      },
    })
    .obj();
  cache.addPod(anti);
  assert.deepEqual(
    cache.havePodsWithRequiredAntiAffinityList().map((n) => n.name),
    ["b1"],
  );
  cache.removePod(anti);
  assert.deepEqual(
    cache.havePodsWithAffinityList().map((n) => n.name),
    [],
  );
  cache.removeNode(makeNode("c1").obj());
  assert.equal(cache.nodeInfoList().length, 4);
});

test("change journal: changedSince lists the nodes changed after a sequence number", () => {
  const cache = new SchedulerCache();
  cache.addNode(makeNode("n1").obj());
  cache.addNode(makeNode("n2").obj());
  const s0 = cache.changeSeq();
  assert.deepEqual(cache.changedSince(s0), []);
  cache.addPod(makePod("p").node("n2").obj());
  const s1 = cache.changeSeq();
  assert.ok(s1 > s0);
  assert.deepEqual(
    cache.changedSince(s0)!.map((n) => n.name),
    ["n2"],
  );
  cache.removeNode(makeNode("n1").obj());
  const gone = cache.changedSince(s1)!;
  assert.equal(gone.length, 1);
  assert.equal(gone[0]!.node, undefined, "a removed node is journalled without its Node");
  // Compaction keeps the latest entry per live node and drops removed ones:
  // a caller from before a dropped removal must start over.
  for (let i = 0; i < 1100; i++)
    cache.addNode(
      makeNode("n2")
        .labels({ i: String(i) })
        .obj(),
    );
  assert.equal(cache.changedSince(s0), undefined);
  const s2 = cache.changeSeq();
  cache.addNode(makeNode("n3").obj());
  assert.deepEqual(
    cache.changedSince(s2)!.map((n) => n.name),
    ["n3"],
  );
});

test("affinity lists are rebuilt only when a node gains its first or loses its last such pod", () => {
  const cache = new SchedulerCache();
  cache.addNode(makeNode("n1").obj());
  cache.addNode(makeNode("n2").obj());
  const anti = (name: string) =>
    makePod(name)
      .node("n1")
      .spec({
        affinity: {
          podAntiAffinity: {
            requiredDuringSchedulingIgnoredDuringExecution: [
              { topologyKey: "kubernetes.io/hostname", labelSelector: {} },
            ],
          },
        },
      })
      .obj();
  cache.addPod(anti("a"));
  const list = cache.havePodsWithRequiredAntiAffinityList();
  assert.deepEqual(
    list.map((n) => n.name),
    ["n1"],
  );
  cache.addPod(anti("b"));
  assert.equal(cache.havePodsWithRequiredAntiAffinityList(), list, "same list object reused");
  cache.removePod(anti("a"));
  assert.equal(cache.havePodsWithAffinityList().length, 1);
  cache.removePod(anti("b"));
  assert.deepEqual(cache.havePodsWithRequiredAntiAffinityList(), []);
  assert.deepEqual(cache.havePodsWithAffinityList(), []);
});
