import { test } from "node:test";
import assert from "node:assert/strict";
import type { PodAffinityTerm } from "kubernetes-types/core/v1.d.ts";
import { fakeCluster, filterAll, makeNode, makePod, scoreAll } from "../../testing/wrappers.ts";
import {
  ErrReasonAffinityRulesNotMatch as Aff,
  ErrReasonAntiAffinityRulesNotMatch as Anti,
  ErrReasonExistingAntiAffinityRulesNotMatch as Existing,
  Name,
} from "./interpodaffinity.ts";

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
  makeNode("nozone").obj(),
];
const term = (
  labels: Record<string, string>,
  topologyKey = zone,
  extra: Partial<PodAffinityTerm> = {},
): PodAffinityTerm => ({
  labelSelector: { matchLabels: labels },
  topologyKey,
  ...extra,
});

test("InterPodAffinity filter: required affinity and anti-affinity by topology", () => {
  const existing = [
    makePod("db").node("a1").labels({ app: "db" }).obj(),
    makePod("other-ns").namespace("other").node("b1").labels({ app: "cache" }).obj(),
  ];
  const cluster = fakeCluster({
    nodes,
    pods: existing,
    namespaces: { default: { team: "x" }, other: { team: "y" } },
  });
  const cases = [
    {
      name: "affinity to app=db: only zone a",
      pod: makePod("p").spec({
        affinity: {
          podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term({ app: "db" })] },
        },
      }),
      want: { a1: "", a2: "", b1: Aff, nozone: Aff },
    },
    {
      name: "anti-affinity to app=db: not zone a",
      pod: makePod("p").spec({
        affinity: {
          podAntiAffinity: {
            requiredDuringSchedulingIgnoredDuringExecution: [term({ app: "db" })],
          },
        },
      }),
      want: { a1: Anti, a2: Anti, b1: "", nozone: "" },
    },
    {
      name: "anti-affinity by hostname",
      pod: makePod("p").spec({
        affinity: {
          podAntiAffinity: {
            requiredDuringSchedulingIgnoredDuringExecution: [
              term({ app: "db" }, "kubernetes.io/hostname"),
            ],
          },
        },
      }),
      want: { a1: Anti, a2: "", b1: "", nozone: "" },
    },
    {
      name: "terms only see the pod's namespace by default",
      pod: makePod("p").spec({
        affinity: {
          podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term({ app: "cache" })] },
        },
      }),
      want: { a1: Aff, a2: Aff, b1: Aff, nozone: Aff },
    },
    {
      name: "namespaces list",
      pod: makePod("p").spec({
        affinity: {
          podAffinity: {
            requiredDuringSchedulingIgnoredDuringExecution: [
              term({ app: "cache" }, zone, { namespaces: ["other"] }),
            ],
          },
        },
      }),
      want: { a1: Aff, a2: Aff, b1: "", nozone: Aff },
    },
    {
      name: "namespaceSelector",
      pod: makePod("p").spec({
        affinity: {
          podAffinity: {
            requiredDuringSchedulingIgnoredDuringExecution: [
              term({ app: "cache" }, zone, { namespaceSelector: { matchLabels: { team: "y" } } }),
            ],
          },
        },
      }),
      want: { a1: Aff, a2: Aff, b1: "", nozone: Aff },
    },
    {
      name: "first pod of a self-affine group goes anywhere with the key",
      pod: makePod("p")
        .labels({ app: "web" })
        .spec({
          affinity: {
            podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term({ app: "web" })] },
          },
        }),
      want: { a1: "", a2: "", b1: "", nozone: Aff },
    },
  ];
  for (const c of cases) assert.deepEqual(filterAll(cluster, Name, c.pod.obj()), c.want, c.name);
});

test("InterPodAffinity filter: existing pods' anti-affinity repels the incoming pod", () => {
  const guard = makePod("guard")
    .node("b1")
    .spec({
      affinity: {
        podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term({ app: "web" })] },
      },
    })
    .obj();
  const cluster = fakeCluster({ nodes, pods: [guard] });
  assert.deepEqual(filterAll(cluster, Name, makePod("p").labels({ app: "web" }).obj()), {
    a1: "",
    a2: "",
    b1: Existing,
    nozone: "",
  });
  assert.deepEqual(filterAll(cluster, Name, makePod("p").labels({ app: "api" }).obj()), {
    a1: "",
    a2: "",
    b1: "",
    nozone: "",
  });
});

test("InterPodAffinity score: preferred affinity and anti-affinity weights", () => {
  const cluster = fakeCluster({
    nodes,
    pods: [makePod("db").node("a1").labels({ app: "db" }).obj()],
  });
  const pod = makePod("p")
    .spec({
      affinity: {
        podAffinity: {
          preferredDuringSchedulingIgnoredDuringExecution: [
            { weight: 10, podAffinityTerm: term({ app: "db" }) },
          ],
        },
      },
    })
    .obj();
  assert.deepEqual(scoreAll(cluster, Name, pod), { a1: 100, a2: 100, b1: 0, nozone: 0 });
  const anti = makePod("p")
    .spec({
      affinity: {
        podAntiAffinity: {
          preferredDuringSchedulingIgnoredDuringExecution: [
            { weight: 10, podAffinityTerm: term({ app: "db" }, "kubernetes.io/hostname") },
          ],
        },
      },
    })
    .obj();
  assert.deepEqual(scoreAll(cluster, Name, anti), { a1: 0, a2: 100, b1: 100, nozone: 100 });
});

test("InterPodAffinity: kept counts follow cluster changes exactly as a fresh count", () => {
  const withAffinity = (name: string, node: string, labels: Record<string, string>) =>
    makePod(name)
      .node(node)
      .labels(labels)
      .spec({
        affinity: {
          podAntiAffinity: {
            requiredDuringSchedulingIgnoredDuringExecution: [term({ app: "web" })],
            preferredDuringSchedulingIgnoredDuringExecution: [
              { weight: 5, podAffinityTerm: term({ app: "db" }, "kubernetes.io/hostname") },
            ],
          },
          podAffinity: {
            preferredDuringSchedulingIgnoredDuringExecution: [
              { weight: 3, podAffinityTerm: term({ app: "web" }) },
            ],
          },
        },
      })
      .obj();
  const probes = [
    makePod("p").labels({ app: "web" }).obj(),
    makePod("p")
      .labels({ app: "db" })
      .spec({
        affinity: {
          podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term({ app: "web" })] },
          podAntiAffinity: {
            requiredDuringSchedulingIgnoredDuringExecution: [
              term({ app: "db" }, "kubernetes.io/hostname"),
            ],
            preferredDuringSchedulingIgnoredDuringExecution: [
              { weight: 7, podAffinityTerm: term({ app: "web" }) },
            ],
          },
        },
      })
      .obj(),
  ];
  let pods = [
    withAffinity("w1", "a1", { app: "web" }),
    makePod("d1").node("b1").labels({ app: "db" }).obj(),
  ];
  let current = [...nodes];
  const cluster = fakeCluster({ nodes: current, pods });
  const check = (what: string) => {
    const fresh = fakeCluster({ nodes: current, pods });
    for (const p of probes) {
      assert.deepEqual(filterAll(cluster, Name, p), filterAll(fresh, Name, p), what);
      assert.deepEqual(scoreAll(cluster, Name, p), scoreAll(fresh, Name, p), what);
    }
  };
  check("initial");
  const w2 = withAffinity("w2", "b1", { app: "web" });
  cluster.cache.addPod(w2);
  pods = [...pods, w2];
  check("pod with affinity added");
  const moved = makeNode("a2")
    .labels({ [zone]: "b" })
    .obj();
  cluster.cache.updateNode(moved);
  current = [nodes[0]!, moved, nodes[2]!, nodes[3]!];
  check("node relabelled");
  cluster.cache.removePod(pods[0]!);
  pods = pods.slice(1);
  check("pod removed");
  cluster.cache.removeNode(nodes[2]!);
  current = [nodes[0]!, moved, nodes[3]!];
  pods = pods.filter((p) => p.spec?.nodeName !== "b1");
  for (const p of [w2, makePod("d1").node("b1").labels({ app: "db" }).obj()])
    cluster.cache.removePod(p);
  check("node removed");
});
