import { test } from "node:test";
import assert from "node:assert/strict";
import type { ContainerStatus, Pod, PodCondition } from "kubernetes-types/core/v1.d.ts";
import { podPrinter, summarizePod } from "./pod-printer.ts";
import { MIN, NOW, ago, headers, meta, rowOf } from "./testing.ts";

const running = (name: string, extra: Partial<ContainerStatus> = {}): ContainerStatus => ({
  name,
  image: "busybox",
  imageID: "",
  ready: true,
  restartCount: 0,
  state: { running: { startedAt: ago(MIN) } },
  ...extra,
});
const waiting = (name: string, reason: string, extra: Partial<ContainerStatus> = {}) =>
  ({
    name,
    image: "busybox",
    imageID: "",
    ready: false,
    restartCount: 0,
    state: { waiting: { reason } },
    ...extra,
  }) as ContainerStatus;
const terminated = (
  name: string,
  t: { exitCode: number; reason?: string; signal?: number },
  extra: Partial<ContainerStatus> = {},
) =>
  ({
    name,
    image: "busybox",
    imageID: "",
    ready: false,
    restartCount: 0,
    state: { terminated: t },
    ...extra,
  }) as ContainerStatus;

interface PodCase {
  name: string;
  containers?: number;
  init?: Array<{ name: string; restartPolicy?: string }>;
  phase?: string;
  reason?: string;
  conditions?: PodCondition[];
  statuses?: ContainerStatus[];
  initStatuses?: ContainerStatus[];
  deleting?: boolean;
  want: [ready: string, status: string, restarts: string];
}

function makePod(c: PodCase): Pod {
  const containers = Array.from({ length: c.containers ?? 1 }, (_, i) => ({
    name: `c${i}`,
    image: "busybox",
  }));
  return {
    metadata: { ...meta("web"), ...(c.deleting ? { deletionTimestamp: ago(0) } : {}) },
    spec: { containers, initContainers: c.init?.map((i) => ({ image: "busybox", ...i })) },
    status: {
      phase: c.phase,
      reason: c.reason,
      conditions: c.conditions,
      containerStatuses: c.statuses,
      initContainerStatuses: c.initStatuses,
    },
  };
}

const cases: PodCase[] = [
  { name: "pending without statuses", phase: "Pending", want: ["0/1", "Pending", "0"] },
  { name: "no phase at all", want: ["0/1", "", "0"] },
  {
    name: "container creating",
    phase: "Pending",
    statuses: [waiting("c0", "ContainerCreating")],
    want: ["0/1", "ContainerCreating", "0"],
  },
  { name: "running", phase: "Running", statuses: [running("c0")], want: ["1/1", "Running", "0"] },
  {
    name: "running but not ready",
    phase: "Running",
    statuses: [running("c0", { ready: false })],
    want: ["0/1", "Running", "0"],
  },
  {
    name: "completed",
    phase: "Succeeded",
    statuses: [terminated("c0", { exitCode: 0, reason: "Completed" })],
    want: ["0/1", "Completed", "0"],
  },
  {
    name: "error",
    phase: "Failed",
    statuses: [terminated("c0", { exitCode: 1, reason: "Error" })],
    want: ["0/1", "Error", "0"],
  },
  {
    name: "oom killed",
    phase: "Running",
    statuses: [terminated("c0", { exitCode: 137, reason: "OOMKilled" })],
    want: ["0/1", "OOMKilled", "0"],
  },
  {
    name: "crash loop with last restart",
    phase: "Running",
    statuses: [
      waiting("c0", "CrashLoopBackOff", {
        restartCount: 2,
        lastState: { terminated: { exitCode: 1, finishedAt: ago(5 * MIN) } },
      }),
    ],
    want: ["0/1", "CrashLoopBackOff", "2 (5m ago)"],
  },
  {
    name: "restarts without a finish time show the bare count",
    phase: "Running",
    statuses: [running("c0", { restartCount: 3 })],
    want: ["1/1", "Running", "3"],
  },
  {
    name: "exit code without reason",
    phase: "Running",
    statuses: [terminated("c0", { exitCode: 2 })],
    want: ["0/1", "ExitCode:2", "0"],
  },
  {
    name: "signal without reason",
    phase: "Running",
    statuses: [terminated("c0", { exitCode: 0, signal: 9 })],
    want: ["0/1", "Signal:9", "0"],
  },
  {
    name: "the first container's reason wins (statuses walked backwards)",
    containers: 2,
    phase: "Running",
    statuses: [waiting("c0", "ImagePullBackOff"), waiting("c1", "ErrImagePull")],
    want: ["0/2", "ImagePullBackOff", "0"],
  },
  {
    name: "completed with a running sidecar container and ready pod",
    containers: 2,
    phase: "Running",
    conditions: [{ type: "Ready", status: "True" }],
    statuses: [terminated("c0", { exitCode: 0, reason: "Completed" }), running("c1")],
    want: ["1/2", "Running", "0"],
  },
  {
    name: "completed with a running container but pod not ready",
    containers: 2,
    phase: "Running",
    statuses: [terminated("c0", { exitCode: 0, reason: "Completed" }), running("c1")],
    want: ["1/2", "NotReady", "0"],
  },
  {
    name: "init 0/1",
    phase: "Pending",
    init: [{ name: "i0" }],
    initStatuses: [waiting("i0", "PodInitializing")],
    statuses: [waiting("c0", "PodInitializing")],
    want: ["0/1", "Init:0/1", "0"],
  },
  {
    name: "init 1/2 after the first finished",
    phase: "Pending",
    init: [{ name: "i0" }, { name: "i1" }],
    initStatuses: [
      terminated("i0", { exitCode: 0, reason: "Completed" }),
      running("i1", { ready: false }),
    ],
    want: ["0/1", "Init:1/2", "0"],
  },
  {
    name: "init error",
    phase: "Pending",
    init: [{ name: "i0" }],
    initStatuses: [terminated("i0", { exitCode: 1, reason: "Error" }, { restartCount: 1 })],
    want: ["0/1", "Init:Error", "1"],
  },
  {
    name: "init exit code without reason",
    phase: "Pending",
    init: [{ name: "i0" }],
    initStatuses: [terminated("i0", { exitCode: 3 })],
    want: ["0/1", "Init:ExitCode:3", "0"],
  },
  {
    name: "init signal without reason",
    phase: "Pending",
    init: [{ name: "i0" }],
    initStatuses: [terminated("i0", { exitCode: 1, signal: 15 })],
    want: ["0/1", "Init:Signal:15", "0"],
  },
  {
    name: "init crash loop",
    phase: "Pending",
    init: [{ name: "i0" }],
    initStatuses: [
      waiting("i0", "CrashLoopBackOff", {
        restartCount: 4,
        lastState: { terminated: { exitCode: 1, finishedAt: ago(90 * 1000) } },
      }),
    ],
    want: ["0/1", "Init:CrashLoopBackOff", "4 (90s ago)"],
  },
  {
    name: "pod initializing after init containers",
    phase: "Pending",
    init: [{ name: "i0" }],
    initStatuses: [terminated("i0", { exitCode: 0, reason: "Completed" })],
    statuses: [waiting("c0", "PodInitializing")],
    want: ["0/1", "PodInitializing", "0"],
  },
  {
    name: "sidecar init container counts as a container",
    phase: "Running",
    init: [{ name: "side", restartPolicy: "Always" }],
    conditions: [{ type: "Initialized", status: "True" }],
    initStatuses: [running("side", { started: true, restartCount: 1 })],
    statuses: [running("c0", { restartCount: 2 })],
    want: ["2/2", "Running", "3"],
  },
  {
    name: "terminating",
    phase: "Running",
    statuses: [running("c0")],
    deleting: true,
    want: ["1/1", "Terminating", "0"],
  },
  {
    name: "deleted terminal pods keep their reason",
    phase: "Succeeded",
    statuses: [terminated("c0", { exitCode: 0, reason: "Completed" })],
    deleting: true,
    want: ["0/1", "Completed", "0"],
  },
  {
    name: "node lost",
    phase: "Running",
    reason: "NodeLost",
    statuses: [running("c0")],
    deleting: true,
    want: ["1/1", "Unknown", "0"],
  },
  {
    name: "node lost before deletion shows the reason",
    phase: "Unknown",
    reason: "NodeLost",
    want: ["0/1", "NodeLost", "0"],
  },
  {
    name: "evicted",
    phase: "Failed",
    reason: "Evicted",
    want: ["0/1", "Evicted", "0"],
  },
  {
    name: "scheduling gated",
    phase: "Pending",
    conditions: [{ type: "PodScheduled", status: "False", reason: "SchedulingGated" }],
    want: ["0/1", "SchedulingGated", "0"],
  },
];

test("pod STATUS, READY and RESTARTS derive as upstream", () => {
  for (const c of cases) {
    const s = summarizePod(makePod(c), NOW);
    assert.deepEqual([s.ready, s.status, s.restarts], c.want, c.name);
  }
});

test("pod columns and wide cells", () => {
  assert.deepEqual(headers(podPrinter), [
    "Name:0",
    "Ready:0",
    "Status:0",
    "Restarts:0",
    "Age:0",
    "IP:1",
    "Node:1",
    "Nominated Node:1",
    "Readiness Gates:1",
  ]);
  assert.equal(podPrinter.columns[0]!.format, "name");
  assert.equal(podPrinter.columns[3]!.type, "string");
  const pod: Pod = {
    metadata: meta("web", 3 * 60 * MIN + 5 * MIN),
    spec: {
      nodeName: "n1",
      containers: [{ name: "c0" }],
      readinessGates: [{ conditionType: "a/ready" }, { conditionType: "b/ready" }],
    },
    status: {
      phase: "Running",
      podIPs: [{ ip: "10.42.0.7" }],
      conditions: [
        { type: "a/ready", status: "True" },
        { type: "b/ready", status: "False" },
      ],
      containerStatuses: [running("c0")],
    },
  };
  assert.deepEqual(rowOf(podPrinter, pod), [
    "web",
    "1/1",
    "Running",
    "0",
    "3h5m",
    "10.42.0.7",
    "n1",
    "<none>",
    "1/2",
  ]);
  const bare: Pod = { metadata: { name: "x" }, spec: { containers: [] } };
  assert.deepEqual(rowOf(podPrinter, bare), [
    "x",
    "0/0",
    "",
    "0",
    "<unknown>",
    "<none>",
    "<none>",
    "<none>",
    "<none>",
  ]);
  const legacyIP: Pod = { metadata: { name: "y" }, status: { podIP: "10.0.0.9" } };
  assert.equal(rowOf(podPrinter, legacyIP)[5], "10.0.0.9");
});

test("finished pods carry a Completed row condition", () => {
  const cond = (phase: string) =>
    podPrinter.rowConditions?.({ metadata: { name: "p" }, status: { phase } });
  assert.deepEqual(cond("Succeeded"), [
    {
      type: "Completed",
      status: "True",
      reason: "Succeeded",
      message: "The pod has completed successfully.",
    },
  ]);
  assert.equal(cond("Failed")?.[0]?.reason, "Failed");
  assert.equal(cond("Running"), undefined);
});
