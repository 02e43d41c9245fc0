import { test } from "node:test";
import assert from "node:assert/strict";
import type { ContainerStatus as ApiStatus, Pod } from "kubernetes-types/core/v1.d.ts";
import { computePodStatus, podPhase } from "./pod-status.ts";
import type { ContainerStatus } from "../runtime/runtime.ts";

const running: ApiStatus = {
  name: "c",
  image: "",
  imageID: "",
  ready: true,
  restartCount: 0,
  state: { running: {} },
};
const exited = (code: number): ApiStatus => ({
  ...running,
  state: { terminated: { exitCode: code } },
});
const backoff: ApiStatus = {
  ...running,
  state: { waiting: { reason: "CrashLoopBackOff" } },
  lastState: { terminated: { exitCode: 1 } },
};
const creating: ApiStatus = { ...running, state: { waiting: { reason: "ContainerCreating" } } };
const withPolicy = (restartPolicy: string): Pod => ({ spec: { restartPolicy, containers: [] } });

test("podPhase follows upstream getPhase", () => {
  const cases: {
    name: string;
    policy: string;
    init?: ApiStatus[];
    regular: ApiStatus[];
    want: string;
  }[] = [
    { name: "creating", policy: "Always", regular: [creating], want: "Pending" },
    { name: "running", policy: "Always", regular: [running], want: "Running" },
    { name: "crash loop counts as stopped", policy: "Always", regular: [backoff], want: "Running" },
    { name: "all succeeded, Never", policy: "Never", regular: [exited(0)], want: "Succeeded" },
    { name: "one failed, Never", policy: "Never", regular: [exited(0), exited(2)], want: "Failed" },
    {
      name: "failed, OnFailure restarts",
      policy: "OnFailure",
      regular: [exited(2)],
      want: "Running",
    },
    { name: "one still running", policy: "Never", regular: [running, exited(1)], want: "Running" },
    {
      name: "init pending",
      policy: "Always",
      init: [creating],
      regular: [creating],
      want: "Pending",
    },
    {
      name: "init failed, Never",
      policy: "Never",
      init: [exited(1)],
      regular: [creating],
      want: "Failed",
    },
  ];
  for (const c of cases)
    assert.equal(podPhase(withPolicy(c.policy), c.init ?? [], c.regular), c.want, c.name);
});

test("computePodStatus builds container states, conditions and keeps transition times", () => {
  const pod: Pod = {
    metadata: { name: "p", uid: "u" },
    spec: {
      containers: [
        { name: "a", image: "busybox" },
        { name: "b", image: "busybox" },
      ],
    },
  };
  const s = (over: Partial<ContainerStatus>): ContainerStatus => ({
    id: "x".repeat(64),
    metadata: { name: "a", attempt: 0 },
    state: "CONTAINER_RUNNING",
    createdAt: 1,
    startedAt: 1_000,
    finishedAt: 0,
    exitCode: 0,
    image: "busybox",
    imageRef: "sha256:abc",
    reason: "",
    message: "",
    labels: {},
    annotations: {},
    logPath: "",
    ...over,
  });
  const obs = {
    sandboxReady: true,
    podIPs: ["10.42.0.5"],
    hostIP: "127.0.0.1",
    containers: new Map([
      [
        "a",
        [
          s({ metadata: { name: "a", attempt: 1 } }),
          s({ id: "y".repeat(64), state: "CONTAINER_EXITED", exitCode: 2, finishedAt: 2_000 }),
        ],
      ],
    ]),
    waiting: new Map([["b", { reason: "ErrImageNeverPull", message: "nope" }]]),
    ready: () => true,
    started: () => true,
    terminating: false,
    runtimeName: "containerd",
    now: Date.UTC(2026, 0, 1),
  };
  const st = computePodStatus(pod, obs);
  const [a, b] = st.containerStatuses!;
  assert.equal(a.restartCount, 1);
  assert.equal(a.containerID, `containerd://${"x".repeat(64)}`);
  assert.equal(a.lastState!.terminated!.exitCode, 2);
  assert.equal(a.lastState!.terminated!.reason, "Error");
  assert.deepEqual(b.state, { waiting: { reason: "ErrImageNeverPull", message: "nope" } });
  assert.equal(st.phase, "Pending");
  assert.equal(st.podIP, "10.42.0.5");
  const ready = st.conditions!.find((c) => c.type === "Ready")!;
  assert.equal(ready.status, "False");
  assert.equal(ready.message, "containers with unready status: [b]");
  const later = computePodStatus(pod, { ...obs, now: obs.now + 60_000 }, st);
  assert.equal(
    later.conditions!.find((c) => c.type === "Ready")!.lastTransitionTime,
    ready.lastTransitionTime,
  );
});
