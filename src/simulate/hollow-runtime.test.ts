import { test } from "node:test";
import assert from "node:assert/strict";
import type { Pod } from "kubernetes-types/core/v1.d.ts";
import { FakeClock } from "../client/clock.ts";
import { containerConfig, sandboxConfig } from "../kubelet/pod/runtime-config.ts";
import { hollowPod } from "./hollow-node.ts";
import { HollowRuntime, isJobPod } from "./hollow-runtime.ts";
import { makeProfile } from "./profile.ts";

const makePod = (name: string, job: boolean): Pod => ({
  metadata: {
    name,
    namespace: "default",
    uid: `uid-${name}`,
    ownerReferences: job
      ? [{ apiVersion: "batch/v1", kind: "Job", name: "j", uid: "j1", controller: true }]
      : [],
  },
  spec: {
    containers: [
      { name: "c", image: "nginx:1.27", resources: { requests: { cpu: "400m", memory: "100Mi" } } },
    ],
  },
});

async function startPod(rt: HollowRuntime, pod: Pod): Promise<string> {
  const sb = sandboxConfig(pod, 0, { logsDir: "/tmp/x", cgroupRoot: "/x" });
  const sid = await rt.runPodSandbox(sb);
  await rt.pullImage("nginx:1.27");
  const c = pod.spec!.containers[0]!;
  const cfg = containerConfig(pod, c, 0, {
    image: c.image!,
    command: ["nginx"],
    args: [],
    envs: [],
    mounts: [],
    memoryCapacity: 1 << 30,
    isInit: false,
  });
  const id = await rt.createContainer(sid, cfg, sb);
  await rt.startContainer(id);
  return id;
}

test("HollowRuntime: Job pods exit 0 after the job duration and wake their worker", async () => {
  const clock = new FakeClock();
  const pods = new Map<string, Pod>();
  const wakes: [string, number][] = [];
  const rt = new HollowRuntime({
    clock,
    profile: makeProfile({ jobDurationMs: 5000 }),
    ipPrefix: "10.64.0",
    podFor: (uid) => pods.get(uid),
    exitsIn: (uid, ms) => wakes.push([uid, ms]),
  });
  const cases: [string, boolean, string][] = [
    ["job", true, "CONTAINER_EXITED"],
    ["web", false, "CONTAINER_RUNNING"],
  ];
  const ids = new Map<string, string>();
  for (const [name, job] of cases) {
    const pod = makePod(name, job);
    pods.set(pod.metadata!.uid!, pod);
    assert.equal(isJobPod(pod), job);
    ids.set(name, await startPod(rt, pod));
  }
  assert.deepEqual(wakes, [["uid-job", 5001]]);
  clock.advance(5000);
  for (const [name, , state] of cases) {
    const s = await rt.containerStatus(ids.get(name)!);
    assert.equal(s?.state, state, name);
    if (state === "CONTAINER_EXITED") assert.equal(s?.exitCode, 0);
  }
  const [stats] = await rt.listContainerStats({ id: ids.get("web") });
  assert.equal(stats?.cpu?.usageNanoCores, 200e6);
  assert.equal(stats?.memory?.workingSetBytes, 50 * 2 ** 20);
  assert.equal(stats?.cpu?.usageCoreNanoSeconds, 200e6 * 5);
});

test("HollowRuntime: stopping takes the stop delay, capped by the grace period", async () => {
  const cases: [number, number, number][] = [
    // stopDelayMs, grace seconds, expected ms until exited
    [3000, 30, 3000],
    [3000, 1, 1000],
    [3000, 0, 0],
  ];
  for (const [delay, grace, want] of cases) {
    const clock = new FakeClock();
    const pod = makePod("web", false);
    const rt = new HollowRuntime({
      clock,
      profile: makeProfile({ stopDelayMs: delay }),
      ipPrefix: "10.64.0",
      podFor: () => pod,
      exitsIn: () => {},
    });
    const id = await startPod(rt, pod);
    let done = false;
    const stopping = rt.stopContainer(id, grace).then(() => (done = true));
    await new Promise((r) => setImmediate(r));
    if (want > 0) {
      clock.advance(want - 1);
      await new Promise((r) => setImmediate(r));
      assert.equal(done, false, `${delay}/${grace}: still stopping`);
      clock.advance(1);
    }
    await stopping;
    assert.equal((await rt.containerStatus(id))?.state, "CONTAINER_EXITED");
  }
});

test("hollowPod replaces host-touching volumes", () => {
  const pod: Pod = {
    metadata: { name: "p" },
    spec: {
      containers: [],
      volumes: [
        { name: "h", hostPath: { path: "/etc", type: "Directory" } },
        { name: "m", emptyDir: { medium: "Memory" } },
        { name: "c", configMap: { name: "x" } },
        { name: "v", persistentVolumeClaim: { claimName: "data" } },
      ],
    },
  };
  assert.deepEqual(hollowPod(pod).spec!.volumes, [
    { name: "h", emptyDir: {} },
    { name: "m", emptyDir: {} },
    { name: "c", configMap: { name: "x" } },
    { name: "v", emptyDir: {} },
  ]);
  const plain: Pod = { metadata: { name: "q" }, spec: { containers: [] } };
  assert.equal(hollowPod(plain), plain);
});
