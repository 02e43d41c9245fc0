import { after, test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import type { Pod } from "kubernetes-types/core/v1.d.ts";
import { PodWorker } from "./pod-worker.ts";
import { PodWorkerFixtures } from "./testing.ts";
import { TokenManager } from "../token-manager.ts";

const fixtures = new PodWorkerFixtures();
after(() => fixtures.dispose());

const setup = (opts: { execExitCode?: number } = {}) =>
  fixtures.make({ execExitCode: () => opts.execExitCode ?? 0 });

type Spec = NonNullable<Pod["spec"]>;

function pod(
  containers: Spec["containers"],
  spec: Partial<Spec> = {},
  init: Spec["containers"] = [],
): Pod {
  return {
    metadata: { name: "p", namespace: "default", uid: "uid-1" },
    spec: { nodeName: "n", containers, initContainers: init, ...spec },
  };
}

/** Lets timers' callbacks and probe promises run, then waits for the worker. */
async function flush(w: PodWorker): Promise<void> {
  for (let i = 0; i < 10; i++) await new Promise((r) => setImmediate(r));
  await w.settled();
}

test("CrashLoopBackOff: immediate first restart, then 10 s, 20 s, 40 s back-offs", async () => {
  const { clock, deps, statuses } = setup();
  const w = new PodWorker(
    pod([{ name: "c", image: "busybox", command: ["sh", "-c", "exit 1"] }]),
    deps,
  );
  const last = () => statuses.at(-1)!.containerStatuses![0];
  w.trigger();
  await flush(w);
  const steps: { advance: number; restartCount: number; waiting?: string }[] = [
    { advance: 0, restartCount: 1 },
    { advance: 0, restartCount: 1, waiting: "back-off 10s" },
    { advance: 9_999, restartCount: 1, waiting: "back-off 10s" },
    { advance: 1, restartCount: 2 },
    { advance: 0, restartCount: 2, waiting: "back-off 20s" },
    { advance: 20_000, restartCount: 3 },
    { advance: 0, restartCount: 3, waiting: "back-off 40s" },
  ];
  for (const [i, s] of steps.entries()) {
    clock.advance(s.advance);
    w.trigger();
    await flush(w);
    assert.equal(last().restartCount, s.restartCount, `step ${i}`);
    if (s.waiting) {
      assert.equal(last().state!.waiting!.reason, "CrashLoopBackOff", `step ${i}`);
      assert.match(
        last().state!.waiting!.message!,
        new RegExp(`^${s.waiting} restarting failed container=c`),
        `step ${i}`,
      );
      assert.equal(last().lastState!.terminated!.exitCode, 1);
    }
    assert.equal(statuses.at(-1)!.phase, "Running", `step ${i}`);
  }
});

test("init containers run one at a time before the regular containers; restartPolicy Never ends Succeeded", async () => {
  const { clock, deps, statuses, runtime } = setup();
  const w = new PodWorker(
    pod([{ name: "main", image: "busybox", command: ["true"] }], { restartPolicy: "Never" }, [
      { name: "init1", image: "busybox", command: ["true"] },
      { name: "init2", image: "busybox", command: ["true"] },
    ]),
    deps,
  );
  const names = async () => (await runtime.listContainers()).map((c) => c.metadata.name).sort();
  w.trigger();
  await flush(w);
  assert.deepEqual(await names(), ["init1"]);
  assert.equal(statuses.at(-1)!.phase, "Pending");
  assert.equal(statuses.at(-1)!.containerStatuses![0].state!.waiting!.reason, "PodInitializing");
  for (const want of [
    ["init1", "init2"],
    ["init1", "init2", "main"],
  ]) {
    clock.advance(0);
    w.trigger();
    await flush(w);
    assert.deepEqual(await names(), want);
  }
  clock.advance(0);
  w.trigger();
  await flush(w);
  const s = statuses.at(-1)!;
  assert.equal(s.phase, "Succeeded");
  assert.equal(s.containerStatuses![0].state!.terminated!.reason, "Completed");
  assert.equal(s.conditions!.find((c) => c.type === "Initialized")!.status, "True");
});

test("an absent image with pulls disabled waits with ErrImageNeverPull", async () => {
  const { deps, statuses, events } = setup();
  const w = new PodWorker(
    pod([{ name: "c", image: "example.invalid/x:1", imagePullPolicy: "IfNotPresent" }]),
    deps,
  );
  w.trigger();
  await flush(w);
  assert.equal(statuses.at(-1)!.containerStatuses![0].state!.waiting!.reason, "ErrImageNeverPull");
  assert.ok(events.some((e) => e.startsWith("Warning Failed Error: ErrImageNeverPull")));
});

test("a failing liveness probe restarts the container", async () => {
  const { clock, deps, statuses, events } = setup({ execExitCode: 1 });
  const w = new PodWorker(
    pod([
      {
        name: "c",
        image: "busybox",
        command: ["sleep", "3600"],
        livenessProbe: { exec: { command: ["false"] }, periodSeconds: 1, failureThreshold: 2 },
      },
    ]),
    deps,
  );
  w.trigger();
  await flush(w);
  assert.equal(statuses.at(-1)!.containerStatuses![0].restartCount, 0);
  for (let i = 0; i < 3; i++) {
    clock.advance(1000);
    await flush(w);
  }
  assert.ok(
    events.some((e) => e.startsWith("Warning Unhealthy Liveness probe failed")),
    events.join("\n"),
  );
  assert.ok(
    events.some((e) => e.includes("failed liveness probe, will be restarted")),
    events.join("\n"),
  );
  assert.equal(statuses.at(-1)!.containerStatuses![0].restartCount, 1);
});

test("deletion stops the pod, writes a terminal status and finalizes", async () => {
  const { deps, finalized, runtime } = setup();
  const p = pod([{ name: "c", image: "busybox", command: ["sleep", "3600"] }]);
  const w = new PodWorker(p, deps);
  w.trigger();
  await flush(w);
  assert.equal((await runtime.listContainers({ state: "CONTAINER_RUNNING" })).length, 1);
  w.update({
    ...p,
    metadata: {
      ...p.metadata,
      deletionTimestamp: "2026-01-01T00:00:00Z",
      deletionGracePeriodSeconds: 30,
    },
  });
  await flush(w);
  assert.equal(finalized.length, 1);
  assert.equal(finalized[0].containerStatuses![0].state!.terminated!.exitCode, 137);
  assert.equal(finalized[0].phase, "Failed");
  assert.deepEqual(await runtime.listPodSandbox(), []);
  assert.deepEqual(await runtime.listContainers(), []);
});

test("projected service-account tokens are rotated in place at 80% of their TTL", async () => {
  const { clock, deps } = setup();
  let issued = 0;
  deps.tokens = new TokenManager(
    async () => ({ token: `token-${++issued}`, expiresAt: clock.now() + 3600_000 }),
    clock,
    () => 0,
  ).source;
  const p = pod([{ name: "c", image: "busybox", command: ["sleep", "3600"] }], {
    volumes: [
      {
        name: "kube-api-access",
        projected: {
          sources: [{ serviceAccountToken: { path: "token", expirationSeconds: 3600 } }],
        },
      },
    ],
  });
  const w = new PodWorker(p, deps);
  w.trigger();
  await flush(w);
  const dir = join(deps.podsDir, "uid-1", "volumes", "kubernetes.io~projected", "kube-api-access");
  const ino = statSync(dir).ino;
  assert.equal(readFileSync(join(dir, "token"), "utf8"), "token-1");
  // Resyncs every minute; the token is due after 48 minutes.
  for (let minute = 1; minute <= 47; minute++) {
    clock.advance(60_000);
    await flush(w);
  }
  assert.equal(readFileSync(join(dir, "token"), "utf8"), "token-1");
  clock.advance(60_000);
  await flush(w);
  clock.advance(60_000);
  await flush(w);
  assert.equal(readFileSync(join(dir, "token"), "utf8"), "token-2");
  assert.equal(statSync(dir).ino, ino, "the directory (bind-mounted) is kept");
  assert.deepEqual(readdirSync(dir), ["token"]);
  assert.equal(issued, 2);
});

test("evict kills the containers and leaves the pod Failed with reason Evicted", async () => {
  const { deps, statuses, runtime, finalized } = setup();
  const w = new PodWorker(pod([{ name: "c", image: "busybox", command: ["sleep", "3600"] }]), deps);
  w.trigger();
  await flush(w);
  assert.equal(statuses.at(-1)!.phase, "Running");
  const msg = "The node was low on resource: memory. ";
  await w.evict(msg, 1);
  await flush(w);
  const s = statuses.at(-1)!;
  assert.equal(s.phase, "Failed");
  assert.equal(s.reason, "Evicted");
  assert.equal(s.message, msg);
  const dt = s.conditions!.find((c) => c.type === "DisruptionTarget")!;
  assert.deepEqual([dt.status, dt.reason], ["True", "TerminationByKubelet"]);
  assert.ok(s.containerStatuses![0].state!.terminated, "container terminated");
  assert.equal((await runtime.listContainers({ state: "CONTAINER_RUNNING" })).length, 0);
  assert.equal((await runtime.listPodSandbox({ state: "SANDBOX_READY" })).length, 0);
  assert.equal(finalized.length, 0, "an evicted pod stays in the API");
  // Later syncs keep the eviction status.
  w.trigger();
  await flush(w);
  assert.equal(statuses.at(-1)!.reason, "Evicted");
});

test("a persistentVolumeClaim volume mounts its bound volume's host path; unbound, the pod waits", async () => {
  const { clock, deps, runtime, statuses, events, dir } = setup();
  const hostDir = join(dir, "pv-data");
  let bound = false;
  deps.source = {
    ...deps.source,
    persistentVolumeClaim: async () => ({
      metadata: { name: "data", uid: "claim-uid" },
      spec: { volumeName: bound ? "pv-1" : "" },
      status: { phase: bound ? "Bound" : "Pending" },
    }),
    persistentVolume: async () => ({
      metadata: { name: "pv-1" },
      spec: { hostPath: { path: hostDir, type: "DirectoryOrCreate" } },
    }),
  };
  const mounts: string[] = [];
  const create = runtime.createContainer.bind(runtime);
  runtime.createContainer = async (sid, config, sb) => {
    mounts.push(...config.mounts.map((m) => `${m.containerPath}=${m.hostPath}`));
    return create(sid, config, sb);
  };
  const w = new PodWorker(
    pod(
      [
        {
          name: "c",
          image: "busybox",
          command: ["sleep", "3600"],
          volumeMounts: [{ name: "data", mountPath: "/data" }],
        },
      ],
      { volumes: [{ name: "data", persistentVolumeClaim: { claimName: "data" } }] },
    ),
    deps,
  );
  w.trigger();
  await flush(w);
  assert.equal(statuses.at(-1)!.containerStatuses![0].state!.waiting!.reason, "ContainerCreating");
  assert.ok(
    events.some((e) =>
      e.startsWith(
        'Warning FailedMount MountVolume.SetUp failed: PVC default/data has non-bound phase ("Pending")',
      ),
    ),
    events.join("\n"),
  );
  assert.deepEqual(mounts, []);
  bound = true;
  clock.advance(5000);
  await flush(w);
  assert.equal(statuses.at(-1)!.phase, "Running");
  assert.deepEqual(mounts, [`/data=${hostDir}`]);
  assert.ok(statSync(hostDir).isDirectory(), "DirectoryOrCreate made the host directory");
});
