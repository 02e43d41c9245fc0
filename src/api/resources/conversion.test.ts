import { test } from "node:test";
import assert from "node:assert/strict";
import type { KObject } from "../types.ts";
import { convertHPA } from "./autoscaling-conversion.ts";
import { convertEvent } from "./events-conversion.ts";

const v2: KObject = {
  apiVersion: "autoscaling/v2",
  kind: "HorizontalPodAutoscaler",
  metadata: { name: "web", namespace: "default" },
  spec: {
    scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: "web" },
    minReplicas: 2,
    maxReplicas: 5,
    metrics: [
      {
        type: "Resource",
        resource: { name: "cpu", target: { type: "Utilization", averageUtilization: 60 } },
      },
      {
        type: "Resource",
        resource: { name: "memory", target: { type: "AverageValue", averageValue: "1Gi" } },
      },
    ],
  },
  status: {
    currentReplicas: 2,
    desiredReplicas: 3,
    currentMetrics: [
      { type: "Resource", resource: { name: "cpu", current: { averageUtilization: 70 } } },
    ],
    conditions: [{ type: "AbleToScale", status: "True" }],
  },
};

test("HPA v2 → v1 keeps the CPU target and stashes the rest in annotations", () => {
  const v1 = convertHPA(v2, "v1") as any;
  assert.equal(v1.apiVersion, "autoscaling/v1");
  assert.deepEqual(v1.spec, {
    scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: "web" },
    maxReplicas: 5,
    minReplicas: 2,
    targetCPUUtilizationPercentage: 60,
  });
  assert.equal(v1.status.currentCPUUtilizationPercentage, 70);
  assert.equal(v1.status.desiredReplicas, 3);
  assert.ok(v1.metadata.annotations["autoscaling.alpha.kubernetes.io/metrics"]);
  assert.ok(v1.metadata.annotations["autoscaling.alpha.kubernetes.io/conditions"]);
  assert.equal((v2 as any).spec.metrics.length, 2, "input not mutated");
});

test("HPA v2 → v1 → v2 round-trips", () => {
  const back = convertHPA(convertHPA(v2, "autoscaling/v1"), "v2");
  assert.deepEqual(back, v2);
});

test("HPA v1 without annotations converts to a CPU metric", () => {
  const v1: KObject = {
    apiVersion: "autoscaling/v1",
    kind: "HorizontalPodAutoscaler",
    metadata: { name: "x" },
    spec: {
      scaleTargetRef: { kind: "Deployment", name: "x" },
      maxReplicas: 3,
      targetCPUUtilizationPercentage: 50,
    },
  };
  const out = convertHPA(v1, "v2") as any;
  assert.deepEqual(out.spec.metrics, [
    {
      type: "Resource",
      resource: { name: "cpu", target: { type: "Utilization", averageUtilization: 50 } },
    },
  ]);
  assert.throws(() => convertHPA(v1, "v3"), /Cannot convert/);
});

test("Events convert between core/v1 and events.k8s.io/v1", () => {
  const core: KObject = {
    apiVersion: "v1",
    kind: "Event",
    metadata: { name: "e", namespace: "default" },
    involvedObject: { kind: "Pod", name: "web", namespace: "default" },
    reason: "Scheduled",
    message: "assigned",
    source: { component: "default-scheduler" },
    reportingComponent: "default-scheduler",
    reportingInstance: "s-1",
    count: 2,
    type: "Normal",
    eventTime: "2026-01-01T00:00:00.000000Z",
    action: "Binding",
  };
  const ev = convertEvent(core, "events.k8s.io/v1") as any;
  assert.equal(ev.apiVersion, "events.k8s.io/v1");
  assert.deepEqual(ev.regarding, core.involvedObject);
  assert.equal(ev.note, "assigned");
  assert.equal(ev.reportingController, "default-scheduler");
  assert.equal(ev.deprecatedCount, 2);
  assert.deepEqual(ev.deprecatedSource, { component: "default-scheduler" });
  assert.equal(ev.involvedObject, undefined);
  assert.deepEqual(convertEvent(ev, "v1"), core);
});

test("a v1 HPA without a CPU target gets v2's default 80% CPU metric, seen as 80 in v1", () => {
  const v1 = {
    apiVersion: "autoscaling/v1",
    kind: "HorizontalPodAutoscaler",
    metadata: { name: "h", namespace: "default" },
    spec: { scaleTargetRef: { kind: "Deployment", name: "web" }, maxReplicas: 4 },
  };
  const v2 = convertHPA(v1, "v2") as any;
  assert.deepEqual(v2.spec.metrics, [
    {
      type: "Resource",
      resource: { name: "cpu", target: { type: "Utilization", averageUtilization: 80 } },
    },
  ]);
  assert.equal((convertHPA(v2, "v1") as any).spec.targetCPUUtilizationPercentage, 80);
});
