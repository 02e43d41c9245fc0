import { test } from "node:test";
import assert from "node:assert/strict";
import type { PodSpec } from "kubernetes-types/core/v1.d.ts";
import type { ContainerStatus } from "../runtime/runtime.ts";
import { computePodActions } from "./pod-actions.ts";

/** "name:running", "name:exited=1" (newest instance of each container). */
function observed(...specs: string[]): Map<string, ContainerStatus[]> {
  const m = new Map<string, ContainerStatus[]>();
  for (const s of specs) {
    const [name, rest] = s.split(":");
    const [state, code] = rest.split("=");
    m.set(name, [
      {
        id: `id-${name}`,
        metadata: { name, attempt: 0 },
        state: state === "running" ? "CONTAINER_RUNNING" : "CONTAINER_EXITED",
        exitCode: Number(code ?? 0),
      } as ContainerStatus,
    ]);
  }
  return m;
}

const spec = (restartPolicy: string, init: string[] = []): PodSpec => ({
  restartPolicy,
  initContainers: init.map((name) => ({ name })),
  containers: [{ name: "a" }, { name: "b" }],
});

test("computePodActions follows init order, restart policies and failed probes", () => {
  const cases: {
    name: string;
    spec: PodSpec;
    seen: string[];
    unhealthy?: string;
    want: string[];
  }[] = [
    { name: "new pod", spec: spec("Always"), seen: [], want: ["start a", "start b"] },
    {
      name: "first init container first",
      spec: spec("Always", ["i1", "i2"]),
      seen: [],
      want: ["start i1"],
    },
    {
      name: "next init after a success",
      spec: spec("Always", ["i1", "i2"]),
      seen: ["i1:exited=0"],
      want: ["start i2"],
    },
    {
      name: "a running init container blocks",
      spec: spec("Always", ["i1"]),
      seen: ["i1:running"],
      want: [],
    },
    {
      name: "failed init restarts unless Never",
      spec: spec("OnFailure", ["i1"]),
      seen: ["i1:exited=2"],
      want: ["restart i1"],
    },
    { name: "failed init, Never", spec: spec("Never", ["i1"]), seen: ["i1:exited=2"], want: [] },
    {
      name: "Always restarts any exit",
      spec: spec("Always"),
      seen: ["a:exited=0", "b:exited=1"],
      want: ["restart a", "restart b"],
    },
    {
      name: "OnFailure restarts failures only",
      spec: spec("OnFailure"),
      seen: ["a:exited=0", "b:exited=1"],
      want: ["done a", "restart b"],
    },
    {
      name: "Never restarts nothing",
      spec: spec("Never"),
      seen: ["a:exited=0", "b:exited=1"],
      want: ["done a", "done b"],
    },
    {
      name: "a failed liveness probe kills",
      spec: spec("Always"),
      seen: ["a:running", "b:running"],
      unhealthy: "id-b",
      want: ["kill b liveness"],
    },
  ];
  for (const c of cases) {
    const got = computePodActions(c.spec, observed(...c.seen), (id) =>
      id === c.unhealthy ? "liveness" : undefined,
    ).map((a) => `${a.type} ${a.container.name}${a.type === "kill" ? ` ${a.probe}` : ""}`);
    assert.deepEqual(got, c.want, c.name);
  }
});
