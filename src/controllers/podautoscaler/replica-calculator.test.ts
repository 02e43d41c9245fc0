import { test } from "node:test";
import assert from "node:assert/strict";
import type { Pod } from "kubernetes-types/core/v1.d.ts";
import { rawResourceReplicas, resourceReplicas, type PodMetrics } from "./replica-calculator.ts";

const now = Date.UTC(2026, 0, 1, 12);
const iso = (ms: number) => new Date(ms).toISOString();

/** A pod with one container requesting cpuMilli; ready and started long ago unless told. */
function makePod(
  name: string,
  o: {
    cpu?: number;
    phase?: string;
    ready?: boolean;
    startedAgoMs?: number;
    deleted?: boolean;
  } = {},
): Pod {
  const started = now - (o.startedAgoMs ?? 10 * 60_000);
  return {
    metadata: { name, deletionTimestamp: o.deleted ? iso(now) : undefined },
    spec: {
      containers: [
        { name: "c", resources: { requests: { cpu: `${o.cpu ?? 100}m`, memory: "100Mi" } } },
      ],
    },
    status: {
      phase: o.phase ?? "Running",
      startTime: iso(started),
      conditions: [
        {
          type: "Ready",
          status: o.ready === false ? "False" : "True",
          lastTransitionTime: iso(started + 1000),
        },
      ],
    },
  };
}

const metrics = (values: Record<string, number>): PodMetrics =>
  new Map(
    Object.entries(values).map(([k, v]) => [
      k,
      { value: v, timestamp: now - 1000, windowMs: 15_000 },
    ]),
  );

test("resourceReplicas (Utilization) follows upstream's ReplicaCalculator", () => {
  const cases: {
    name: string;
    current: number;
    target: number;
    pods: Pod[];
    metrics: Record<string, number>;
    want: number;
    utilization?: number;
  }[] = [
    {
      name: "scale up",
      current: 2,
      target: 50,
      pods: [makePod("a"), makePod("b")],
      metrics: { a: 100, b: 100 },
      want: 4,
      utilization: 100,
    },
    {
      name: "scale down",
      current: 4,
      target: 50,
      pods: ["a", "b", "c", "d"].map((n) => makePod(n)),
      metrics: { a: 10, b: 10, c: 10, d: 10 },
      want: 1,
      utilization: 10,
    },
    {
      name: "within tolerance",
      current: 2,
      target: 50,
      pods: [makePod("a"), makePod("b")],
      metrics: { a: 54, b: 54 },
      want: 2,
      utilization: 54,
    },
    {
      name: "just outside tolerance",
      current: 2,
      target: 50,
      pods: [makePod("a"), makePod("b")],
      metrics: { a: 56, b: 56 },
      want: 3,
      utilization: 56,
    },
    // Missing pod on scale-down counts as 100% of its request: ratio rises, fewer replicas removed.
    {
      name: "missing on scale down",
      current: 3,
      target: 50,
      pods: [makePod("a"), makePod("b"), makePod("c")],
      metrics: { a: 10, b: 10 },
      want: 3,
    },
    // Missing pod on scale-up counts as 0.
    {
      name: "missing on scale up",
      current: 3,
      target: 50,
      pods: [makePod("a"), makePod("b"), makePod("c")],
      metrics: { a: 200, b: 200 },
      want: 8,
    },
    // Unready pod on scale-up counts as 0; pending pods are unready.
    {
      name: "unready on scale up",
      current: 3,
      target: 50,
      pods: [makePod("a"), makePod("b"), makePod("p", { phase: "Pending" })],
      metrics: { a: 100, b: 100 },
      want: 4,
    },
    // Pods still initializing and not Ready are left out.
    {
      name: "not ready within init period",
      current: 2,
      target: 50,
      pods: [makePod("a"), makePod("b", { ready: false, startedAgoMs: 60_000 })],
      metrics: { a: 100, b: 500 },
      want: 2,
    },
    {
      name: "deleted pods ignored",
      current: 2,
      target: 50,
      pods: [makePod("a"), makePod("x", { deleted: true })],
      metrics: { a: 100, x: 1000 },
      want: 2,
    },
  ];
  for (const c of cases) {
    const r = resourceReplicas({
      currentReplicas: c.current,
      targetUtilization: c.target,
      resource: "cpu",
      pods: c.pods,
      metrics: metrics(c.metrics),
      now,
    });
    assert.equal(r.replicas, c.want, c.name);
    if (c.utilization !== undefined)
      assert.equal(r.utilization, c.utilization, `${c.name}: utilization`);
  }
});

test("resourceReplicas errors as upstream", () => {
  const cases: [string, Pod[], Record<string, number>, RegExp][] = [
    ["no pods", [], { a: 1 }, /no pods returned by selector/],
    [
      "no usable metrics",
      [makePod("a", { phase: "Pending" })],
      { a: 1 },
      /did not receive metrics for targeted pods/,
    ],
    [
      "missing request",
      [{ ...makePod("a"), spec: { containers: [{ name: "c" }] } }],
      { a: 1 },
      /missing request for cpu in container c of Pod a/,
    ],
  ];
  for (const [name, pods, m, re] of cases)
    assert.throws(
      () =>
        resourceReplicas({
          currentReplicas: 1,
          targetUtilization: 50,
          resource: "cpu",
          pods,
          metrics: metrics(m),
          now,
        }),
      re,
      name,
    );
});

test("rawResourceReplicas (AverageValue)", () => {
  const cases: [string, number, number, Record<string, number>, number, number][] = [
    // name, current, target (milli), metrics, want, usage
    ["up", 2, 100, { a: 300, b: 300 }, 6, 300],
    ["down", 4, 100, { a: 50, b: 50, c: 50, d: 50 }, 2, 50],
    ["tolerance", 2, 100, { a: 105, b: 95 }, 2, 100],
  ];
  for (const [name, current, target, m, want, usage] of cases) {
    const pods = Object.keys(m).map((n) => makePod(n));
    const r = rawResourceReplicas({
      currentReplicas: current,
      targetUsage: target,
      resource: "cpu",
      pods,
      metrics: metrics(m),
      now,
    });
    assert.equal(r.replicas, want, name);
    assert.equal(r.usage, usage, `${name}: usage`);
  }
});
