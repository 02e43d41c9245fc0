import { test } from "node:test";
import assert from "node:assert/strict";
import type { Node } from "kubernetes-types/core/v1.d.ts";
import {
  addDaemonPodTolerations,
  nodeShouldRunDaemonPod,
  setNodeNameAffinity,
  targetNodeOf,
  type PodSpec,
} from "./node-eligibility.ts";

const node = (name: string, labels: Record<string, string> = {}, taints: unknown[] = []): Node =>
  ({ metadata: { name, labels }, spec: { taints } }) as Node;

test("daemon pods fit nodes by selector, affinity and taints as upstream", () => {
  const cases: { name: string; spec: PodSpec; node: Node; run: boolean; keep: boolean }[] = [
    { name: "plain node", spec: {}, node: node("n1"), run: true, keep: true },
    {
      name: "nodeSelector mismatch",
      spec: { nodeSelector: { disk: "ssd" } },
      node: node("n1", { disk: "hdd" }),
      run: false,
      keep: false,
    },
    {
      name: "nodeSelector match",
      spec: { nodeSelector: { disk: "ssd" } },
      node: node("n1", { disk: "ssd" }),
      run: true,
      keep: true,
    },
    {
      name: "required affinity",
      spec: {
        affinity: {
          nodeAffinity: {
            requiredDuringSchedulingIgnoredDuringExecution: {
              nodeSelectorTerms: [
                { matchExpressions: [{ key: "zone", operator: "In", values: ["a"] }] },
              ],
            },
          },
        },
      },
      node: node("n1", { zone: "b" }),
      run: false,
      keep: false,
    },
    {
      name: "untolerated NoSchedule taint keeps running pods",
      spec: {},
      node: node("n1", {}, [{ key: "dedicated", value: "db", effect: "NoSchedule" }]),
      run: false,
      keep: true,
    },
    {
      name: "untolerated NoExecute taint evicts",
      spec: {},
      node: node("n1", {}, [{ key: "dedicated", value: "db", effect: "NoExecute" }]),
      run: false,
      keep: false,
    },
    {
      name: "tolerated taint",
      spec: {
        tolerations: [{ key: "dedicated", operator: "Equal", value: "db", effect: "NoSchedule" }],
      },
      node: node("n1", {}, [{ key: "dedicated", value: "db", effect: "NoSchedule" }]),
      run: true,
      keep: true,
    },
    {
      name: "automatic tolerations: cordoned and not-ready nodes still run daemons",
      spec: {},
      node: node("n1", {}, [
        { key: "node.kubernetes.io/unschedulable", effect: "NoSchedule" },
        { key: "node.kubernetes.io/not-ready", effect: "NoExecute" },
      ]),
      run: true,
      keep: true,
    },
    {
      name: "control-plane taint is not tolerated by default",
      spec: {},
      node: node("cp", {}, [
        { key: "node-role.kubernetes.io/control-plane", effect: "NoSchedule" },
      ]),
      run: false,
      keep: true,
    },
  ];
  for (const c of cases) {
    const spec = structuredClone(c.spec);
    addDaemonPodTolerations(spec);
    assert.deepEqual(
      nodeShouldRunDaemonPod(c.node, spec),
      { shouldRun: c.run, shouldContinueRunning: c.keep },
      c.name,
    );
  }
});

test("automatic tolerations are upstream's set; host-network pods also tolerate network-unavailable", () => {
  const spec: PodSpec = { hostNetwork: true, tolerations: [{ key: "x", operator: "Exists" }] };
  addDaemonPodTolerations(spec);
  addDaemonPodTolerations(spec);
  assert.deepEqual(
    spec.tolerations!.map((t) => `${t.key}:${t.effect ?? ""}`),
    [
      "x:",
      "node.kubernetes.io/not-ready:NoExecute",
      "node.kubernetes.io/unreachable:NoExecute",
      "node.kubernetes.io/disk-pressure:NoSchedule",
      "node.kubernetes.io/memory-pressure:NoSchedule",
      "node.kubernetes.io/pid-pressure:NoSchedule",
      "node.kubernetes.io/unschedulable:NoSchedule",
      "node.kubernetes.io/network-unavailable:NoSchedule",
    ],
  );
  assert.ok(spec.tolerations!.every((t) => t.tolerationSeconds === undefined));
});

test("daemon pods target their node through a metadata.name field affinity", () => {
  const spec: PodSpec = {};
  setNodeNameAffinity(spec, "n7");
  assert.deepEqual(spec.affinity, {
    nodeAffinity: {
      requiredDuringSchedulingIgnoredDuringExecution: {
        nodeSelectorTerms: [
          { matchFields: [{ key: "metadata.name", operator: "In", values: ["n7"] }] },
        ],
      },
    },
  });
  assert.equal(targetNodeOf(spec), "n7");
  assert.equal(targetNodeOf({ ...spec, nodeName: "n8" }), "n8");
  assert.equal(targetNodeOf({}), undefined);
});
