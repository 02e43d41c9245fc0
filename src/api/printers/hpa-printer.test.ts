import { test } from "node:test";
import assert from "node:assert/strict";
import { horizontalPodAutoscalerPrinter } from "./hpa-printer.ts";
import { headers, meta, rowOf } from "./testing.ts";

const target = { apiVersion: "apps/v1", kind: "Deployment", name: "web" };

test("hpa columns", () => {
  assert.deepEqual(headers(horizontalPodAutoscalerPrinter), [
    "Name:0",
    "Reference:0",
    "Targets:0",
    "MinPods:0",
    "MaxPods:0",
    "Replicas:0",
    "Age:0",
  ]);
});

test("autoscaling/v2 targets", () => {
  const cases: [string, unknown[], unknown[], string][] = [
    ["none", [], [], "<none>"],
    [
      "cpu utilization unknown",
      [
        {
          type: "Resource",
          resource: { name: "cpu", target: { type: "Utilization", averageUtilization: 80 } },
        },
      ],
      [],
      "cpu: <unknown>/80%",
    ],
    [
      "cpu utilization current",
      [
        {
          type: "Resource",
          resource: { name: "cpu", target: { type: "Utilization", averageUtilization: 80 } },
        },
      ],
      [{ type: "Resource", resource: { name: "cpu", current: { averageUtilization: 12 } } }],
      "cpu: 12%/80%",
    ],
    [
      "memory average value",
      [
        {
          type: "Resource",
          resource: { name: "memory", target: { type: "AverageValue", averageValue: "1024Mi" } },
        },
      ],
      [{ type: "Resource", resource: { name: "memory", current: { averageValue: "512Mi" } } }],
      "memory: 512Mi/1Gi",
    ],
    [
      "utilization with no target percentage",
      [{ type: "Resource", resource: { name: "cpu", target: { type: "Utilization" } } }],
      [],
      "cpu: <unknown>/<auto>",
    ],
    [
      "container resource",
      [
        {
          type: "ContainerResource",
          containerResource: {
            name: "cpu",
            container: "app",
            target: { type: "Utilization", averageUtilization: 60 },
          },
        },
      ],
      [
        {
          type: "ContainerResource",
          containerResource: { name: "cpu", container: "app", current: { averageUtilization: 70 } },
        },
      ],
      "cpu: 70%/60%",
    ],
    [
      "pods",
      [
        {
          type: "Pods",
          pods: { metric: { name: "qps" }, target: { type: "AverageValue", averageValue: "100" } },
        },
      ],
      [{ type: "Pods", pods: { metric: { name: "qps" }, current: { averageValue: "250m" } } }],
      "250m/100",
    ],
    [
      "object value and external average",
      [
        {
          type: "Object",
          object: { metric: { name: "hits" }, target: { type: "Value", value: "2k" } },
        },
        {
          type: "External",
          external: {
            metric: { name: "queue" },
            target: { type: "AverageValue", averageValue: "30" },
          },
        },
      ],
      [],
      "<unknown>/2k, <unknown>/30 (avg)",
    ],
    [
      "more than two",
      [
        {
          type: "Resource",
          resource: { name: "cpu", target: { type: "Utilization", averageUtilization: 50 } },
        },
        {
          type: "Resource",
          resource: { name: "memory", target: { type: "Utilization", averageUtilization: 60 } },
        },
        {
          type: "Pods",
          pods: { metric: { name: "qps" }, target: { type: "AverageValue", averageValue: "1" } },
        },
      ],
      [],
      "cpu: <unknown>/50%, memory: <unknown>/60% + 1 more...",
    ],
    ["unknown type", [{ type: "Bogus" }], [], "<unknown type>"],
  ];
  for (const [name, metrics, currentMetrics, want] of cases) {
    const hpa = {
      apiVersion: "autoscaling/v2",
      metadata: meta("web"),
      spec: { scaleTargetRef: target, minReplicas: 1, maxReplicas: 10, metrics },
      status: { currentReplicas: 3, currentMetrics },
    };
    assert.deepEqual(
      rowOf(horizontalPodAutoscalerPrinter, hpa),
      ["web", "Deployment/web", want, "1", 10, 3, "5m"],
      name,
    );
  }
});

test("autoscaling/v1 objects read their cpu target", () => {
  const v1 = {
    apiVersion: "autoscaling/v1",
    metadata: meta("web"),
    spec: { scaleTargetRef: target, maxReplicas: 5, targetCPUUtilizationPercentage: 50 },
    status: { currentReplicas: 2, currentCPUUtilizationPercentage: 34 },
  };
  assert.deepEqual(rowOf(horizontalPodAutoscalerPrinter, v1), [
    "web",
    "Deployment/web",
    "cpu: 34%/50%",
    "<unset>",
    5,
    2,
    "5m",
  ]);
  const noTarget = {
    apiVersion: "autoscaling/v1",
    metadata: meta("x"),
    spec: { scaleTargetRef: target, maxReplicas: 3 },
  };
  assert.equal(rowOf(horizontalPodAutoscalerPrinter, noTarget)[2], "<none>");
});
