import { after, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import type { Pod } from "kubernetes-types/core/v1.d.ts";
import { createLogger } from "../util/logger.ts";
import { PodCleanups, runningRuntimePods } from "./pod-cleanups.ts";
import { orphanGracePeriodSeconds, PodWorkers } from "./pod-workers.ts";
import { containerConfig, podLogDir, sandboxConfig } from "./pod/runtime-config.ts";
import { PodWorkerFixtures, type PodWorkerFixture } from "./pod/testing.ts";
import type { Container, ContainerRuntime, PodSandbox } from "./runtime/runtime.ts";

const fixtures = new PodWorkerFixtures();
after(() => fixtures.dispose());

const pod = (uid: string): Pod => ({
  metadata: { name: `name-${uid}`, namespace: "ns", uid },
  spec: {
    nodeName: "n",
    volumes: [{ name: "scratch", emptyDir: {} }],
    containers: [{ name: "c", image: "busybox", command: ["sleep", "3600"] }],
  },
});

/** Runs a pod straight through the runtime, as a kubelet that has since stopped left it. */
async function leftBehind(f: PodWorkerFixture, p: Pod): Promise<void> {
  const sb = sandboxConfig(p, 0, { logsDir: f.deps.logsDir, cgroupRoot: f.deps.cgroupRoot });
  const sid = await f.runtime.runPodSandbox(sb);
  const c = p.spec!.containers[0]!;
  const cfg = containerConfig(p, c, 0, {
    image: "busybox",
    command: c.command!,
    args: [],
    envs: [],
    mounts: [],
    memoryCapacity: 1 << 30,
    isInit: false,
  });
  await f.runtime.startContainer(await f.runtime.createContainer(sid, cfg, sb));
  mkdirSync(join(f.deps.podsDir, p.metadata!.uid!, "volumes", "scratch"), { recursive: true });
  mkdirSync(podLogDir(f.deps.logsDir, p), { recursive: true });
}

function setup() {
  const f = fixtures.make();
  const workers = new PodWorkers({ nodeName: "n", deps: f.deps, admit: () => ({ admit: true }) });
  const cgroupFs = join(f.dir, "cgroupfs");
  let ready = false;
  const cleanups = new PodCleanups({
    clock: f.clock,
    log: createLogger("test", { write: () => {} }),
    workers,
    sourcesReady: () => ready,
    podsDir: f.deps.podsDir,
    cgroupRoot: "/kubepods",
    cgroupFsRoot: cgroupFs,
  });
  const stops: number[] = [];
  const rt: ContainerRuntime = f.runtime;
  const stop = rt.stopContainer.bind(rt);
  rt.stopContainer = async (id, timeout) => {
    stops.push(timeout);
    return stop(id, timeout);
  };
  const round = async () => {
    workers.markHousekeeping();
    const r = await cleanups.handle(
      await f.runtime.listPodSandbox(),
      await f.runtime.listContainers(),
    );
    await workers.settled();
    return r;
  };
  const cgroup = (rel: string) => join(cgroupFs, "memory", rel);
  return { f, workers, round, stops, cgroup, setReady: () => void (ready = true) };
}

test("runningRuntimePods: ready sandboxes and running containers a kubelet labelled, by pod uid", () => {
  const sb = (uid: string, state: PodSandbox["state"]): PodSandbox => ({
    id: `sb-${uid}`,
    metadata: { name: `p-${uid}`, namespace: "ns", uid, attempt: 1 },
    state,
    createdAt: 0,
    labels: { "io.kubernetes.pod.uid": uid },
    annotations: {},
  });
  const c = (uid: string, state: Container["state"]): Container => ({
    id: `c-${uid}`,
    podSandboxId: `sb-${uid}`,
    metadata: { name: "c", attempt: 0 },
    image: "busybox",
    imageRef: "x",
    state,
    createdAt: 0,
    labels: {
      "io.kubernetes.pod.uid": uid,
      "io.kubernetes.pod.name": `p-${uid}`,
      "io.kubernetes.pod.namespace": "ns",
    },
    annotations: {},
  });
  const foreign = { ...sb("foreign", "SANDBOX_READY"), labels: {} };
  const running = runningRuntimePods(
    [
      foreign,
      sb("ready", "SANDBOX_READY"),
      sb("stopped", "SANDBOX_NOTREADY"),
      sb("dead", "SANDBOX_NOTREADY"),
    ],
    [
      c("stopped", "CONTAINER_RUNNING"),
      c("dead", "CONTAINER_EXITED"),
      c("bare", "CONTAINER_RUNNING"),
    ],
  );
  assert.deepEqual(
    [...running].map(([uid, m]) => `${uid}=${m.namespace}/${m.name}@${m.attempt}`),
    ["ready=ns/p-ready@1", "stopped=ns/p-stopped@1", "bare=ns/p-bare@0"],
  );
});

test("a running pod no source knows is killed with its sandbox, volumes, logs and cgroup", async () => {
  const { f, workers, round, stops, cgroup, setReady } = setup();
  const kept = pod("kept");
  workers.upsert(kept);
  await workers.settled();
  const gone = pod("gone");
  await leftBehind(f, gone);
  mkdirSync(cgroup("/kubepods/besteffort/podgone"), { recursive: true });
  mkdirSync(cgroup("/kubepods/besteffort/podkept"), { recursive: true });
  // A pod directory and a cgroup with nothing in the runtime (stopped before the restart).
  mkdirSync(join(f.deps.podsDir, "stale", "volumes"), { recursive: true });
  mkdirSync(cgroup("/kubepods/burstable/podstale"), { recursive: true });

  // Nothing happens before every pod source was listed.
  assert.deepEqual(await round(), { orphans: [], podDirs: [], cgroups: [] });
  assert.equal((await f.runtime.listContainers({ state: "CONTAINER_RUNNING" })).length, 2);

  setReady();
  const first = await round();
  assert.deepEqual(first.orphans, ["gone"]);
  assert.deepEqual(first.podDirs, ["stale"]);
  assert.deepEqual(first.cgroups, [], "a cgroup goes once two scans found it orphaned");
  assert.deepEqual(stops, [orphanGracePeriodSeconds]);
  const left = async (uid: string) => [
    (await f.runtime.listPodSandbox({ labelSelector: { "io.kubernetes.pod.uid": uid } })).length,
    (await f.runtime.listContainers({ labelSelector: { "io.kubernetes.pod.uid": uid } })).length,
  ];
  assert.deepEqual(await left("gone"), [0, 0]);
  assert.equal(existsSync(join(f.deps.podsDir, "gone")), false);
  assert.equal(existsSync(podLogDir(f.deps.logsDir, gone)), false);
  assert.equal(workers.isKnown("gone"), true, "finished this round");
  assert.deepEqual(f.done, ["gone"]);
  // The orphan never showed among the kubelet's pods, and wrote no status or event.
  assert.equal(f.statusOf.has("gone"), false);
  assert.deepEqual(
    f.events.filter((e) => !/ (Pulled|Created|Started) /.test(e)),
    [],
    "only the kept pod's start events",
  );

  // Later rounds (a scan period apart): the stale cgroup goes, then the orphan's too
  // (its worker finished in the first round, so that round counted it as known).
  const cgroupsByRound: string[][] = [];
  for (let i = 0; i < 3; i++) {
    f.clock.advance(2000);
    const r = await round();
    assert.deepEqual([r.orphans, r.podDirs], [[], []]);
    cgroupsByRound.push(r.cgroups);
  }
  assert.deepEqual(cgroupsByRound, [
    ["/kubepods/burstable/podstale"],
    ["/kubepods/besteffort/podgone"],
    [],
  ]);
  // The known pod was never touched.
  assert.deepEqual(await left("kept"), [1, 1]);
  assert.equal((await f.runtime.listContainers({ state: "CONTAINER_RUNNING" })).length, 1);
  assert.ok(existsSync(join(f.deps.podsDir, "kept")));
  assert.ok(existsSync(cgroup("/kubepods/besteffort/podkept")));
  assert.deepEqual(
    workers.pods().map((p) => p.metadata?.uid),
    ["kept"],
  );
});

test("orphan workers are not among the kubelet's pods while they stop", async () => {
  const { f, workers } = setup();
  await leftBehind(f, pod("o"));
  // A slow stop: the orphan's worker is still busy while we look.
  let release!: () => void;
  const rt: ContainerRuntime = f.runtime;
  const stop = rt.stopContainer.bind(rt);
  rt.stopContainer = async (id, t) => {
    await new Promise<void>((r) => (release = r));
    return stop(id, t);
  };
  assert.equal(workers.killOrphan({ name: "name-o", namespace: "ns", uid: "o", attempt: 0 }), true);
  assert.equal(
    workers.killOrphan({ name: "name-o", namespace: "ns", uid: "o", attempt: 0 }),
    false,
  );
  for (let i = 0; i < 5 && !release; i++) await new Promise((r) => setImmediate(r));
  assert.ok(release, "the orphan's container is being stopped");
  assert.deepEqual(workers.pods(), []);
  assert.deepEqual(workers.activePods(), []);
  assert.equal(workers.shouldPodContentBeRemoved("o"), false, "not before its worker is done");
  release();
  await workers.settled();
  assert.equal(workers.shouldPodContentBeRemoved("o"), true);
  workers.markHousekeeping();
  assert.equal(workers.isKnown("o"), false);
});
