import { test } from "node:test";
import assert from "node:assert/strict";
import type { Taint, Toleration } from "kubernetes-types/core/v1.d.ts";
import { fakeCluster, filterAll, makeNode, makePod, scoreAll } from "../../testing/wrappers.ts";
import { toleratesTaint } from "../helper/taints.ts";
import { Name } from "./tainttoleration.ts";

test("toleratesTaint: operators and effects", () => {
  const taint: Taint = { key: "app", value: "blue", effect: "NoSchedule" };
  const cases: { name: string; t: Toleration; want: boolean }[] = [
    { name: "Equal same value", t: { key: "app", operator: "Equal", value: "blue" }, want: true },
    { name: "Equal is the default operator", t: { key: "app", value: "blue" }, want: true },
    { name: "Equal other value", t: { key: "app", operator: "Equal", value: "red" }, want: false },
    { name: "Exists same key", t: { key: "app", operator: "Exists" }, want: true },
    { name: "Exists other key", t: { key: "tier", operator: "Exists" }, want: false },
    { name: "empty key Exists matches all", t: { operator: "Exists" }, want: true },
    { name: "empty key Equal matches nothing", t: { operator: "Equal" }, want: false },
    {
      name: "effect must match",
      t: { key: "app", operator: "Exists", effect: "NoExecute" },
      want: false,
    },
    {
      name: "same effect",
      t: { key: "app", operator: "Exists", effect: "NoSchedule" },
      want: true,
    },
  ];
  for (const c of cases) assert.equal(toleratesTaint(c.t, taint), c.want, c.name);
});

test("TaintToleration filter: NoSchedule and NoExecute filter, PreferNoSchedule does not", () => {
  const cluster = fakeCluster({
    nodes: [
      makeNode("plain").obj(),
      makeNode("noschedule").taint({ key: "app", value: "blue", effect: "NoSchedule" }).obj(),
      makeNode("noexecute").taint({ key: "dedicated", effect: "NoExecute" }).obj(),
      makeNode("prefer").taint({ key: "app", value: "blue", effect: "PreferNoSchedule" }).obj(),
    ],
  });
  const cases = [
    {
      name: "no tolerations",
      pod: makePod("p"),
      want: {
        plain: "",
        noschedule: "node(s) had untolerated taint {app: blue}",
        noexecute: "node(s) had untolerated taint {dedicated: }",
        prefer: "",
      },
    },
    {
      name: "tolerates app=blue",
      pod: makePod("p").toleration({
        key: "app",
        operator: "Equal",
        value: "blue",
        effect: "NoSchedule",
      }),
      want: {
        plain: "",
        noschedule: "",
        noexecute: "node(s) had untolerated taint {dedicated: }",
        prefer: "",
      },
    },
    {
      name: "tolerates everything",
      pod: makePod("p").toleration({ operator: "Exists" }),
      want: { plain: "", noschedule: "", noexecute: "", prefer: "" },
    },
  ];
  for (const c of cases) assert.deepEqual(filterAll(cluster, Name, c.pod.obj()), c.want, c.name);
});

test("TaintToleration score: fewer intolerable PreferNoSchedule taints score higher", () => {
  const cluster = fakeCluster({
    nodes: [
      makeNode("none").obj(),
      makeNode("one").taint({ key: "a", value: "x", effect: "PreferNoSchedule" }).obj(),
      makeNode("two")
        .taint({ key: "a", value: "x", effect: "PreferNoSchedule" })
        .taint({ key: "b", value: "y", effect: "PreferNoSchedule" })
        .obj(),
    ],
  });
  assert.deepEqual(scoreAll(cluster, Name, makePod("p").obj()), { none: 100, one: 50, two: 0 });
  const tolerant = makePod("p")
    .toleration({ key: "a", operator: "Exists", effect: "PreferNoSchedule" })
    .obj();
  assert.deepEqual(scoreAll(cluster, Name, tolerant), { none: 100, one: 100, two: 0 });
});
