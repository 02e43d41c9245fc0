/**
 * scheduler_perf-style workloads for bench/scheduler.ts: Node objects and pod
 * templates per workload, with upstream's pass floors (pods/s at 5,000 nodes).
 * Node template as upstream's node-default.yaml (4 cpu, 32Gi, 110 pods);
 * pods request 100m cpu and 500Mi as pod-default.yaml.
 */
import type { KObject } from "../../src/api/types.ts";

export interface Workload {
  name: string;
  nodes: number;
  pods: number;
  /**
   * Pods scheduled before the measured ones, not measured (upstream's
   * initPods: SchedulingBasic 5000Nodes_10000Pods has 1,000; the others 0 here).
   */
  initPods: number;
  /** Upstream's floor ("680-810" style text) and the number we compare against. */
  floorText: string;
  floor: number;
  /** Our target on this machine (pods/s). */
  target: number;
  node(i: number): KObject;
  pod(i: number): KObject;
}

const zones = ["zone-a", "zone-b", "zone-c"];

function baseNode(i: number, labels: Record<string, string> = {}, taints?: unknown[]): KObject {
  const name = `perf-node-${i}`;
  return {
    apiVersion: "v1",
    kind: "Node",
    metadata: {
      name,
      labels: {
        "kubernetes.io/hostname": name,
        "topology.kubernetes.io/zone": zones[i % 3]!,
        ...labels,
      },
    },
    spec: taints ? { taints } : {},
    status: {
      capacity: { cpu: "4", memory: "32Gi", pods: "110" },
      allocatable: { cpu: "4", memory: "32Gi", pods: "110" },
      conditions: [{ type: "Ready", status: "True" }],
    },
  };
}

function basePod(
  i: number,
  labels: Record<string, string> = {},
  extra: Record<string, unknown> = {},
): KObject {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: `perf-pod-${i}`, labels: { app: "perf", ...labels } },
    spec: {
      containers: [
        {
          name: "pause",
          image: "registry.k8s.io/pause:3.10",
          resources: { requests: { cpu: "100m", memory: "500Mi" } },
        },
      ],
      ...extra,
    },
  };
}

/** The five workloads of issue 6 at full size, scaled by `scale` (0 < scale <= 1). */
export function workloads(scale: number): Workload[] {
  const n = (full: number) => Math.max(10, Math.round(full * scale));
  const nodes = n(5000);
  return [
    {
      name: "SchedulingBasic",
      nodes,
      pods: n(10_000),
      initPods: n(1000),
      floorText: "680-810",
      floor: 810,
      target: 1000,
      node: (i) => baseNode(i),
      pod: (i) => basePod(i),
    },
    {
      name: "NodeAffinity",
      nodes,
      pods: n(10_000),
      initPods: 0,
      floorText: "220",
      floor: 220,
      target: 440,
      node: (i) => baseNode(i, { "perf-group": i % 2 === 0 ? "even" : "odd" }),
      pod: (i) =>
        basePod(
          i,
          {},
          {
            affinity: {
              nodeAffinity: {
                requiredDuringSchedulingIgnoredDuringExecution: {
                  nodeSelectorTerms: [
                    { matchExpressions: [{ key: "perf-group", operator: "In", values: ["even"] }] },
                  ],
                },
              },
            },
          },
        ),
    },
    {
      name: "Taints",
      nodes,
      pods: n(10_000),
      initPods: 0,
      floorText: "68",
      floor: 68,
      target: 136,
      // 1,000 of 5,000 nodes tainted; pods do not tolerate the taint.
      node: (i) =>
        i % 5 === 0
          ? baseNode(i, {}, [{ key: "perf-taint", value: "x", effect: "NoSchedule" }])
          : baseNode(i),
      pod: (i) => basePod(i),
    },
    {
      name: "RequiredPodAntiAffinity",
      nodes,
      pods: n(5000),
      initPods: 0,
      floorText: "60",
      floor: 60,
      target: 120,
      node: (i) => baseNode(i),
      pod: (i) =>
        basePod(
          i,
          { color: "green" },
          {
            affinity: {
              podAntiAffinity: {
                requiredDuringSchedulingIgnoredDuringExecution: [
                  {
                    labelSelector: { matchLabels: { color: "green" } },
                    topologyKey: "kubernetes.io/hostname",
                  },
                ],
              },
            },
          },
        ),
    },
    {
      name: "TopologySpreading",
      nodes,
      pods: n(10_000),
      initPods: 0,
      floorText: "85",
      floor: 85,
      target: 170,
      node: (i) => baseNode(i),
      pod: (i) =>
        basePod(
          i,
          { spread: "zone" },
          {
            topologySpreadConstraints: [
              {
                maxSkew: 1,
                topologyKey: "topology.kubernetes.io/zone",
                whenUnsatisfiable: "DoNotSchedule",
                labelSelector: { matchLabels: { spread: "zone" } },
              },
            ],
          },
        ),
    },
  ];
}
