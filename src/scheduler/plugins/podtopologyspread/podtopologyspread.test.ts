import { test } from "node:test";
import assert from "node:assert/strict";
import type { TopologySpreadConstraint } from "kubernetes-types/core/v1.d.ts";
import { fakeCluster, filterAll, makeNode, makePod, scoreAll } from "../../testing/wrappers.ts";
import {
  ErrReasonConstraintsNotMatch as Skew,
  ErrReasonNodeLabelNotMatch as NoLabel,
  Name,
} from "./podtopologyspread.ts";

const zone = "topology.kubernetes.io/zone";
const nodes = [
  makeNode("a1")
    .labels({ [zone]: "a" })
    .obj(),
  makeNode("a2")
    .labels({ [zone]: "a" })
    .obj(),
  makeNode("b1")
    .labels({ [zone]: "b" })
    .obj(),
  makeNode("c1")
    .labels({ [zone]: "c", tier: "gpu" })
    .obj(),
  makeNode("nozone").obj(),
];
const web = (name: string, node: string) => makePod(name).labels({ app: "web" }).node(node).obj();
const spread = (c: Partial<TopologySpreadConstraint>) =>
  makePod("p")
    .labels({ app: "web" })
    .spec({
      topologySpreadConstraints: [
        {
          maxSkew: 1,
          topologyKey: zone,
          whenUnsatisfiable: "DoNotSchedule",
          labelSelector: { matchLabels: { app: "web" } },
          ...c,
        },
      ],
    });

test("PodTopologySpread filter: maxSkew, minDomains, node policies", () => {
  // zone a: 2 pods, b: 1, c: 0
  const cluster = fakeCluster({ nodes, pods: [web("w1", "a1"), web("w2", "a2"), web("w3", "b1")] });
  const cases = [
    {
      name: "maxSkew 1 allows only the emptiest zone",
      pod: spread({}),
      want: { a1: Skew, a2: Skew, b1: Skew, c1: "", nozone: NoLabel },
    },
    {
      name: "maxSkew 2",
      pod: spread({ maxSkew: 2 }),
      want: { a1: Skew, a2: Skew, b1: "", c1: "", nozone: NoLabel },
    },
    {
      name: "nodeAffinityPolicy Honor drops zone c from the domains",
      pod: spread({}).spec({ nodeSelector: { [zone]: "a" } }),
      // Only zone a counts (min 2): a gets skew 1; b and c are outside the domains.
      want: { a1: "", a2: "", b1: "", c1: "", nozone: NoLabel },
    },
    {
      name: "nodeAffinityPolicy Ignore keeps zone c (min 0)",
      pod: spread({ nodeAffinityPolicy: "Ignore" }).spec({ nodeSelector: { [zone]: "a" } }),
      want: { a1: Skew, a2: Skew, b1: Skew, c1: "", nozone: NoLabel },
    },
    {
      name: "minDomains above the domain count makes min 0",
      pod: spread({ maxSkew: 2, minDomains: 5 }),
      want: { a1: Skew, a2: Skew, b1: "", c1: "", nozone: NoLabel },
    },
  ];
  for (const c of cases) assert.deepEqual(filterAll(cluster, Name, c.pod.obj()), c.want, c.name);
});

test("PodTopologySpread filter: nodeTaintsPolicy Honor ignores tainted nodes' domains", () => {
  const tainted = [
    ...nodes.slice(0, 3),
    makeNode("c1")
      .labels({ [zone]: "c" })
      .taint({ key: "k", effect: "NoSchedule" })
      .obj(),
  ];
  const cluster = fakeCluster({ nodes: tainted, pods: [web("w1", "a1"), web("w3", "b1")] });
  assert.equal(filterAll(cluster, Name, spread({}).obj()).a2, Skew);
  assert.equal(filterAll(cluster, Name, spread({ nodeTaintsPolicy: "Honor" }).obj()).a2, "");
});

test("PodTopologySpread score: ScheduleAnyway prefers emptier domains", () => {
  const cluster = fakeCluster({
    nodes: nodes.slice(0, 4),
    pods: [web("w1", "a1"), web("w2", "a2"), web("w3", "b1")],
  });
  const scores = scoreAll(cluster, Name, spread({ whenUnsatisfiable: "ScheduleAnyway" }).obj());
  assert.ok(scores.c1! > scores.b1! && scores.b1! > scores.a1!, JSON.stringify(scores));
  assert.equal(scores.a1, scores.a2);
});

test("PodTopologySpread: pods without constraints or owners are skipped", () => {
  const cluster = fakeCluster({ nodes });
  assert.deepEqual(filterAll(cluster, Name, makePod("p").obj()), {
    a1: "",
    a2: "",
    b1: "",
    c1: "",
    nozone: "",
  });
});

test("PodTopologySpread: kept counts follow cluster changes exactly as a fresh count", () => {
  const cluster = fakeCluster({ nodes, pods: [web("w1", "a1")] });
  const pods = [
    spread({}).obj(),
    spread({ maxSkew: 2, minDomains: 4 }).obj(),
    spread({})
      .spec({ nodeSelector: { tier: "gpu" } })
      .obj(),
    spread({ nodeTaintsPolicy: "Honor" }).obj(),
    spread({ topologyKey: "kubernetes.io/hostname" }).obj(),
  ];
  const check = (what: string, finalNodes: typeof nodes, finalPods: ReturnType<typeof web>[]) => {
    const fresh = fakeCluster({ nodes: finalNodes, pods: finalPods });
    for (const p of pods)
      assert.deepEqual(filterAll(cluster, Name, p), filterAll(fresh, Name, p), what);
    const soft = spread({ whenUnsatisfiable: "ScheduleAnyway" }).obj();
    assert.deepEqual(scoreAll(cluster, Name, soft), scoreAll(fresh, Name, soft), what);
  };
  check("initial", nodes, [web("w1", "a1")]);
  cluster.cache.addPod(web("w2", "b1"));
  cluster.cache.addPod(web("w3", "b1"));
  check("pods added", nodes, [web("w1", "a1"), web("w2", "b1"), web("w3", "b1")]);
  const tainted = makeNode("c1")
    .labels({ [zone]: "c", tier: "gpu" })
    .taint({ key: "k", effect: "NoSchedule" })
    .obj();
  cluster.cache.updateNode(tainted);
  const relabelled = makeNode("a2")
    .labels({ [zone]: "b" })
    .obj();
  cluster.cache.updateNode(relabelled);
  const changed = [nodes[0]!, relabelled, nodes[2]!, tainted, nodes[4]!];
  check("nodes relabelled and tainted", changed, [
    web("w1", "a1"),
    web("w2", "b1"),
    web("w3", "b1"),
  ]);
  cluster.cache.removePod(web("w2", "b1"));
  cluster.cache.removeNode(nodes[0]!);
  cluster.cache.addPod(makePod("other").labels({ app: "db" }).node("b1").obj());
  check(
    "pod and node removed",
    [relabelled, nodes[2]!, tainted, nodes[4]!],
    [web("w3", "b1"), makePod("other").labels({ app: "db" }).node("b1").obj()],
  );
});

test("PodTopologySpread score: system default constraints do not require every topology key", () => {
  // Nodes without a zone label still score by the hostname constraint (upstream requireAllTopologies=false).
  const owned = (name: string, node?: string) => {
    const p = makePod(name).labels({ app: "web" });
    if (node) p.node(node);
    const obj = p.obj();
    obj.metadata!.ownerReferences = [
      { apiVersion: "apps/v1", kind: "ReplicaSet", name: "rs", uid: "u", controller: true },
    ];
    return obj;
  };
  const rs = {
    apiVersion: "apps/v1",
    kind: "ReplicaSet",
    metadata: { name: "rs", namespace: "default" },
    spec: { selector: { matchLabels: { app: "web" } } },
  };
  const cluster = fakeCluster({
    nodes: [makeNode("n1").obj(), makeNode("n2").obj()],
    pods: [owned("r1", "n1"), owned("r2", "n1")],
    objects: { replicasets: [rs] },
  });
  const scores = scoreAll(cluster, Name, owned("new"));
  assert.ok(scores.n2! > scores.n1!, JSON.stringify(scores));
});
