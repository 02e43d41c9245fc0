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
