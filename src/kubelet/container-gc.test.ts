import { after, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FakeClock } from "../client/clock.ts";
import { createLogger } from "../util/logger.ts";
import { ContainerGC, logDirPodUID, type ContainerGCPolicy } from "./container-gc.ts";
import { labelPodUID } from "./pod/runtime-config.ts";
import type {
  Container,
  ContainerRuntime,
  ContainerState,
  PodSandbox,
  SandboxState,
} from "./runtime/runtime.ts";

const dirs: string[] = [];
after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

interface World {
  containers: Container[];
  sandboxes: PodSandbox[];
  calls: string[];
  logsDir: string;
}

/** The part of a runtime the GC uses, over plain lists; log files under logsDir. */
function fakeRuntime(w: World): ContainerRuntime {
  return {
    async listContainers() {
      return [...w.containers];
    },
    async listPodSandbox() {
      return [...w.sandboxes];
    },
    async containerStatus(id: string) {
      const c = w.containers.find((x) => x.id === id);
      return c && { ...c, logPath: join(w.logsDir, `${id}.log`) };
    },
    async stopContainer(id: string) {
      w.calls.push(`stop ${id}`);
    },
    async removeContainer(id: string) {
      w.calls.push(`rm ${id}`);
      w.containers = w.containers.filter((c) => c.id !== id);
    },
    async removePodSandbox(id: string) {
      w.calls.push(`rmp ${id}`);
      w.sandboxes = w.sandboxes.filter((s) => s.id !== id);
      w.containers = w.containers.filter((c) => c.podSandboxId !== id);
    },
  } as unknown as ContainerRuntime;
}

/** `uid/name#attempt:state@createdAt` in sandbox `sb`, e.g. "a/web#0:exited@1". */
function container(spec: string, sandbox = "sb-a"): Container {
  const m = /^(\w+)\/(\w+)#(\d+):(\w+)@(\d+)$/.exec(spec)!;
  const state = `CONTAINER_${m[4].toUpperCase()}` as ContainerState;
  return {
    id: `${m[1]}-${m[2]}-${m[3]}`,
    podSandboxId: sandbox,
    metadata: { name: m[2], attempt: Number(m[3]) },
    image: "busybox",
    imageRef: "sha256:busybox",
    state,
    createdAt: Number(m[5]) * 1000,
    labels: { [labelPodUID]: m[1] },
    annotations: {},
  };
}

function sandbox(id: string, uid: string, state: "ready" | "notready", at: number): PodSandbox {
  return {
    id,
    metadata: { name: uid, uid, namespace: "default", attempt: 0 },
    state: `SANDBOX_${state.toUpperCase()}` as SandboxState,
    createdAt: at * 1000,
    labels: { [labelPodUID]: uid },
    annotations: {},
  };
}

function setup(
  o: {
    policy?: Partial<ContainerGCPolicy>;
    known?: string[];
    terminated?: string[];
    ready?: boolean;
  } = {},
) {
  const logsDir = mkdtempSync(join(tmpdir(), "k8ts-cgc-"));
  dirs.push(logsDir);
  const w: World = { containers: [], sandboxes: [], calls: [], logsDir };
  const clock = new FakeClock(100_000);
  const known = new Set(o.known ?? ["a", "b"]);
  const terminated = new Set(o.terminated ?? []);
  const gc = new ContainerGC({
    runtime: fakeRuntime(w),
    clock,
    log: createLogger("test", { write: () => {} }),
    policy: o.policy,
    podState: {
      shouldPodContentBeRemoved: (uid) => !known.has(uid),
      shouldPodRuntimeBeRemoved: (uid) => !known.has(uid) || terminated.has(uid),
    },
    sourcesReady: () => o.ready ?? true,
    logsDir,
  });
  return { w, gc, clock, logsDir };
}

const removedIds = (w: World) => w.calls.filter((c) => c.startsWith("rm ")).map((c) => c.slice(3));

test("dead containers: the newest per pod container is kept, per policy and pod state", async () => {
  const cases: {
    name: string;
    containers: string[];
    policy?: Partial<ContainerGCPolicy>;
    known?: string[];
    terminated?: string[];
    ready?: boolean;
    all?: boolean;
    removed: string[];
  }[] = [
    {
      name: "default policy keeps one dead container per pod container",
      containers: ["a/web#0:exited@1", "a/web#1:exited@2", "a/web#2:exited@3", "a/web#3:running@4"],
      removed: ["a-web-0", "a-web-1"],
    },
    {
      name: "a created (about to start) instance does not cost the previous one",
      containers: ["a/web#0:exited@1", "a/web#1:exited@2", "a/web#2:created@3"],
      removed: ["a-web-0"],
    },
    {
      name: "groups are per container name",
      containers: ["a/web#0:exited@1", "a/log#0:exited@1", "a/log#1:exited@5"],
      removed: ["a-log-0"],
    },
    {
      name: "maximum-dead-containers-per-container=2",
      containers: ["a/web#0:exited@1", "a/web#1:exited@2", "a/web#2:exited@3"],
      policy: { maxPerPodContainer: 2 },
      removed: ["a-web-0"],
    },
    {
      name: "a negative per-container limit keeps them all",
      containers: ["a/web#0:exited@1", "a/web#1:exited@2"],
      policy: { maxPerPodContainer: -1 },
      removed: [],
    },
    {
      name: "minimum age: young dead containers stay",
      containers: ["a/web#0:exited@1", "a/web#1:exited@95", "a/web#2:exited@99"],
      policy: { minAgeMs: 10_000 },
      removed: [],
    },
    {
      name: "a pod unknown to the kubelet loses every dead container",
      containers: ["z/web#0:exited@1", "z/web#1:created@2", "a/web#0:exited@1"],
      removed: ["z-web-1", "z-web-0"],
    },
    {
      name: "before the pod sources are ready, unknown pods keep their newest",
      containers: ["z/web#0:exited@1", "z/web#1:exited@2"],
      ready: false,
      removed: ["z-web-0"],
    },
    {
      name: "a terminated pod keeps its dead containers in a regular pass",
      containers: ["b/job#0:exited@1"],
      terminated: ["b"],
      removed: [],
    },
    {
      name: "DeleteAllUnusedContainers takes a terminated pod's containers",
      containers: ["b/job#0:exited@1", "a/web#0:exited@1", "a/web#1:running@2"],
      terminated: ["b"],
      all: true,
      removed: ["b-job-0"],
    },
    {
      name: "maximum-dead-containers: an equal share per group, then the oldest",
      containers: [
        "a/web#0:exited@1",
        "a/web#1:exited@4",
        "a/log#0:exited@2",
        "b/job#0:exited@3",
        "b/job#1:exited@5",
      ],
      policy: { maxPerPodContainer: -1, maxContainers: 2 },
      removed: ["a-web-0", "b-job-0", "a-log-0"],
    },
    {
      name: "containers without the kubelet's pod label are left alone",
      containers: ["a/web#0:exited@1"],
      known: [],
      removed: [],
    },
  ];
  for (const c of cases) {
    const { w, gc } = setup(c);
    w.containers = c.containers.map((s) => container(s));
    if (c.name.startsWith("containers without")) w.containers[0].labels = {};
    const res = c.all ? await gc.deleteAllUnusedContainers() : await gc.garbageCollect();
    assert.deepEqual(removedIds(w).sort(), [...c.removed].sort(), c.name);
    assert.deepEqual(res.containers.sort(), [...c.removed].sort(), c.name);
  }
});

test("a container in an unknown state is stopped before removal", async () => {
  const { w, gc } = setup({ known: [] });
  w.containers = [container("z/web#0:unknown@1")];
  await gc.garbageCollect();
  assert.deepEqual(w.calls, ["stop z-web-0", "rm z-web-0"]);
});

test("a removed container's log file and rotated logs go with it", async () => {
  const { w, gc, logsDir } = setup();
  w.containers = ["a/web#0:exited@1", "a/web#1:exited@2"].map((s) => container(s));
  const files = ["a-web-0.log", "a-web-0.log.20260101-000000.gz", "a-web-1.log"];
  for (const f of files) writeFileSync(join(logsDir, f), "x");
  await gc.garbageCollect();
  assert.deepEqual(
    files.map((f) => existsSync(join(logsDir, f))),
    [false, false, true],
  );
});

test("dead sandboxes: inactive ones go, the newest stays unless the pod is gone", async () => {
  const cases: {
    name: string;
    sandboxes: PodSandbox[];
    containers?: string[];
    known?: string[];
    terminated?: string[];
    all?: boolean;
    removed: string[];
  }[] = [
    {
      name: "older not-ready sandboxes of a live pod",
      sandboxes: [
        sandbox("s1", "a", "notready", 1),
        sandbox("s2", "a", "notready", 2),
        sandbox("s3", "a", "ready", 3),
      ],
      removed: ["s1", "s2"],
    },
    {
      name: "the newest is kept even when not ready",
      sandboxes: [sandbox("s1", "a", "notready", 1), sandbox("s2", "a", "notready", 2)],
      removed: ["s1"],
    },
    {
      name: "a sandbox that still has containers is active",
      sandboxes: [sandbox("sb-a", "a", "notready", 1), sandbox("s2", "a", "notready", 2)],
      containers: ["a/web#0:exited@1"],
      removed: [],
    },
    {
      name: "a pod unknown to the kubelet loses every inactive sandbox",
      sandboxes: [sandbox("s1", "z", "notready", 1), sandbox("s2", "z", "ready", 2)],
      removed: ["s1"],
    },
    {
      name: "a terminated pod's sandbox goes with DeleteAllUnusedContainers",
      sandboxes: [sandbox("s1", "b", "notready", 1)],
      terminated: ["b"],
      all: true,
      removed: ["s1"],
    },
  ];
  for (const c of cases) {
    const { w, gc } = setup(c);
    w.sandboxes = c.sandboxes;
    w.containers = (c.containers ?? []).map((s) => container(s));
    const res = c.all ? await gc.deleteAllUnusedContainers() : await gc.garbageCollect();
    assert.deepEqual(res.sandboxes.sort(), c.removed, c.name);
  }
});

test("pod log directories of pods whose content should go are removed once sources are ready", async () => {
  for (const ready of [false, true]) {
    const { gc, logsDir } = setup({ ready });
    for (const d of ["default_web_a", "default_old_z", "kube-system_x_b"])
      mkdirSync(join(logsDir, d, "main"), { recursive: true });
    const res = await gc.garbageCollect();
    assert.deepEqual(res.logDirs, ready ? ["default_old_z"] : []);
    assert.equal(existsSync(join(logsDir, "default_old_z")), !ready);
    assert.ok(existsSync(join(logsDir, "default_web_a")));
  }
  assert.equal(logDirPodUID("ns_name_1234-ab"), "1234-ab");
  assert.equal(logDirPodUID("nounderscore"), undefined);
});

test("the periodic pass runs on the clock, and passes never overlap", async () => {
  const { w, gc, clock } = setup({ known: [] });
  w.containers = [container("z/web#0:exited@1")];
  gc.start();
  await clock.advance(59_000);
  assert.equal(w.containers.length, 1);
  await clock.advance(1_000);
  for (let i = 0; i < 20 && w.containers.length; i++) await new Promise((r) => setImmediate(r));
  assert.equal(w.containers.length, 0);
  gc.stop();
  w.containers = [container("z/web#1:exited@2")];
  const [r1, r2] = await Promise.all([gc.garbageCollect(), gc.garbageCollect()]);
  assert.deepEqual([r1.containers, r2.containers], [["z-web-1"], []]);
});
