import { test } from "node:test";
import assert from "node:assert/strict";
import type { NodeSelectorRequirement } from "kubernetes-types/core/v1.d.ts";
import { fakeCluster, filterAll, makeNode, makePod, scoreAll } from "../../testing/wrappers.ts";
import { CycleState } from "../../framework/cycle-state.ts";
import { PodInfo } from "../../framework/pod-info.ts";
import { ErrReasonPod, Name } from "./nodeaffinity.ts";

const nodes = [
  makeNode("large").labels({ size: "Large", cores: "16" }).obj(),
  makeNode("medium").labels({ size: "Medium", cores: "8" }).obj(),
  makeNode("small").labels({ size: "Small", cores: "2" }).obj(),
  makeNode("bare").obj(),
];

const required = (
  ...terms: { exprs?: NodeSelectorRequirement[]; fields?: NodeSelectorRequirement[] }[]
) =>
  makePod("p")
    .spec({
      affinity: {
        nodeAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: {
            nodeSelectorTerms: terms.map((t) => ({
              matchExpressions: t.exprs,
              matchFields: t.fields,
            })),
          },
        },
      },
    })
    .obj();

/** Names of the nodes the pod fits. */
const fits = (r: Record<string, string>) =>
  Object.entries(r)
    .filter(([, v]) => v === "")
    .map(([k]) => k)
    .sort();

test("NodeAffinity filter: nodeSelector and each operator", () => {
  const cluster = fakeCluster({ nodes });
  const cases = [
    {
      name: "nodeSelector",
      pod: makePod("p")
        .spec({ nodeSelector: { size: "Large" } })
        .obj(),
      want: ["large"],
    },
    {
      name: "In",
      pod: required({ exprs: [{ key: "size", operator: "In", values: ["Large", "Medium"] }] }),
      want: ["large", "medium"],
    },
    {
      name: "NotIn (missing label matches)",
      pod: required({ exprs: [{ key: "size", operator: "NotIn", values: ["Small"] }] }),
      want: ["large", "medium", "bare"],
    },
    {
      name: "Exists",
      pod: required({ exprs: [{ key: "size", operator: "Exists" }] }),
      want: ["large", "medium", "small"],
    },
    {
      name: "DoesNotExist",
      pod: required({ exprs: [{ key: "size", operator: "DoesNotExist" }] }),
      want: ["bare"],
    },
    {
      name: "Gt",
      pod: required({ exprs: [{ key: "cores", operator: "Gt", values: ["4"] }] }),
      want: ["large", "medium"],
    },
    {
      name: "Lt",
      pod: required({ exprs: [{ key: "cores", operator: "Lt", values: ["8"] }] }),
      want: ["small"],
    },
    {
      name: "expressions in a term are ANDed",
      pod: required({
        exprs: [
          { key: "size", operator: "Exists" },
          { key: "cores", operator: "Gt", values: ["8"] },
        ],
      }),
      want: ["large"],
    },
    {
      name: "terms are ORed",
      pod: required(
        { exprs: [{ key: "size", operator: "In", values: ["Small"] }] },
        { exprs: [{ key: "size", operator: "DoesNotExist" }] },
      ),
      want: ["small", "bare"],
    },
    {
      name: "matchFields metadata.name",
      pod: required({ fields: [{ key: "metadata.name", operator: "In", values: ["medium"] }] }),
      want: ["medium"],
    },
    { name: "empty term matches nothing", pod: required({}), want: [] },
    {
      name: "In with one value",
      pod: required({ exprs: [{ key: "size", operator: "In", values: ["Small"] }] }),
      want: ["small"],
    },
    {
      name: "NotIn with several values",
      pod: required({ exprs: [{ key: "size", operator: "NotIn", values: ["Small", "Large"] }] }),
      want: ["medium", "bare"],
    },
    {
      name: "Gt with a non-integer value matches nothing",
      pod: required({ exprs: [{ key: "cores", operator: "Gt", values: ["4.5"] }] }),
      want: [],
    },
    {
      name: "matchFields with another field matches nothing",
      pod: required({ fields: [{ key: "metadata.uid", operator: "Exists" }] }),
      want: [],
    },
    {
      name: "labels and fields ANDed in one term",
      pod: required({
        exprs: [{ key: "size", operator: "Exists" }],
        fields: [{ key: "metadata.name", operator: "NotIn", values: ["large"] }],
      }),
      want: ["medium", "small"],
    },
    {
      name: "nodeSelector and required affinity both apply",
      pod: makePod("p")
        .spec({
          nodeSelector: { cores: "8" },
          affinity: {
            nodeAffinity: {
              requiredDuringSchedulingIgnoredDuringExecution: {
                nodeSelectorTerms: [{ matchExpressions: [{ key: "size", operator: "Exists" }] }],
              },
            },
          },
        })
        .obj(),
      want: ["medium"],
    },
  ];
  for (const c of cases)
    assert.deepEqual(fits(filterAll(cluster, Name, c.pod)), [...c.want].sort(), c.name);
  assert.equal(
    filterAll(
      cluster,
      Name,
      makePod("p")
        .spec({ nodeSelector: { size: "huge" } })
        .obj(),
    ).large,
    ErrReasonPod,
  );
});

test("NodeAffinity score: preferred term weights, normalized to 100", () => {
  const cluster = fakeCluster({ nodes });
  const pod = makePod("p")
    .spec({
      affinity: {
        nodeAffinity: {
          preferredDuringSchedulingIgnoredDuringExecution: [
            {
              weight: 80,
              preference: {
                matchExpressions: [{ key: "size", operator: "In", values: ["Large"] }],
              },
            },
            {
              weight: 20,
              preference: {
                matchExpressions: [{ key: "size", operator: "In", values: ["Medium", "Large"] }],
              },
            },
          ],
        },
      },
    })
    .obj();
  assert.deepEqual(scoreAll(cluster, Name, pod), { large: 100, medium: 20, small: 0, bare: 0 });
  assert.deepEqual(scoreAll(cluster, Name, makePod("q").obj()), {
    large: 0,
    medium: 0,
    small: 0,
    bare: 0,
  });
});

test("NodeAffinity PreFilter skips pods without a nodeSelector or required affinity (as upstream)", () => {
  const cluster = fakeCluster({ nodes });
  const pre = cluster.fw.plugins.preFilter.find((p) => p.name === Name)!;
  const cases = [
    { name: "no constraint", pod: makePod("p").obj(), skip: true },
    {
      name: "only preferred affinity",
      pod: makePod("p")
        .spec({
          affinity: {
            nodeAffinity: {
              preferredDuringSchedulingIgnoredDuringExecution: [
                { weight: 1, preference: { matchExpressions: [{ key: "a", operator: "Exists" }] } },
              ],
            },
          },
        })
        .obj(),
      skip: true,
    },
    {
      name: "nodeSelector",
      pod: makePod("p")
        .spec({ nodeSelector: { size: "Large" } })
        .obj(),
      skip: false,
    },
    { name: "required affinity", pod: required({}), skip: false },
  ];
  for (const c of cases) {
    const s = pre.preFilter(new CycleState(), new PodInfo(c.pod), cluster.cache.nodeInfoList());
    assert.equal(s?.isSkip() ?? false, c.skip, c.name);
  }
});

test("NodeAffinity: a rejection for one pod does not leak into the next pod's filtering", () => {
  const cluster = fakeCluster({ nodes });
  const small = makePod("a")
    .spec({ nodeSelector: { size: "Small" } })
    .obj();
  const large = makePod("b")
    .spec({ nodeSelector: { size: "Large" } })
    .obj();
  assert.deepEqual(fits(filterAll(cluster, Name, small)), ["small"]);
  assert.deepEqual(fits(filterAll(cluster, Name, large)), ["large"]);
  assert.deepEqual(fits(filterAll(cluster, Name, small)), ["small"]);
});
