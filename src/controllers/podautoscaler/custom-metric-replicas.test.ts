import { test } from "node:test";
import assert from "node:assert/strict";
import type { Pod } from "kubernetes-types/core/v1.d.ts";
import { groupResource } from "./custom-metrics-source.ts";
import { perPodReplicas, usageRatioReplicas } from "./custom-metric-replicas.ts";

const pod = (phase: string, ready: boolean): Pod => ({
  status: { phase, conditions: [{ type: "Ready", status: ready ? "True" : "False" }] },
});
const twoReady = [pod("Running", true), pod("Running", true)];

test("usageRatioReplicas follows upstream getUsageRatioReplicaCount", () => {
  const cases: [string, number, number, Pod[], number][] = [
    ["within tolerance keeps current", 3, 1.05, twoReady, 3],
    ["ratio times ready pods", 3, 2.5, twoReady, 5],
    [
      "unready and pending pods do not count",
      4,
      2,
      [...twoReady, pod("Running", false), pod("Pending", false)],
      4,
    ],
    ["scale down", 4, 0.5, twoReady, 1],
    ["from zero: ceil(ratio)", 0, 2.2, [], 3],
    ["from zero, no load: zero", 0, 0, [], 0],
  ];
  for (const [name, current, ratio, pods, want] of cases)
    assert.equal(usageRatioReplicas(current, ratio, 0.1, pods), want, name);
  assert.throws(() => usageRatioReplicas(2, 3, 0.1, []), /no pods returned by selector/);
});

test("perPodReplicas divides the total by the per-pod target", () => {
  const cases: [string, number, number, number, { replicas: number; average: number }][] = [
    ["over target", 2, 25_000, 5_000, { replicas: 5, average: 12_500 }],
    ["within tolerance", 2, 10_500, 5_000, { replicas: 2, average: 5_250 }],
    ["under target", 4, 3_000, 5_000, { replicas: 1, average: 750 }],
    ["rounds the average up", 3, 10_000, 1_000, { replicas: 10, average: 3_334 }],
  ];
  for (const [name, current, total, target, want] of cases)
    assert.deepEqual(perPodReplicas(current, total, target, 0.1), want, name);
});

test("groupResource names the custom metrics URL segment of a kind", () => {
  const cases: [string | undefined, string, string][] = [
    ["v1", "Service", "services"],
    ["apps/v1", "Deployment", "deployments.apps"],
    ["networking.k8s.io/v1", "Ingress", "ingresses.networking.k8s.io"],
    ["example.com/v1", "Policy", "policies.example.com"],
    [undefined, "Pod", "pods"],
  ];
  for (const [apiVersion, kind, want] of cases) assert.equal(groupResource(apiVersion, kind), want);
});
