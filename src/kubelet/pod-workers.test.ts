import { after, test } from "node:test";
import assert from "node:assert/strict";
import type { Pod } from "kubernetes-types/core/v1.d.ts";
import { PodWorkerFixtures } from "./pod/testing.ts";
import { PodWorkers, type AdmitResult } from "./pod-workers.ts";

const fixtures = new PodWorkerFixtures();
after(() => fixtures.dispose());

function setup(admit: (pod: Pod) => AdmitResult = () => ({ admit: true })) {
  const f = fixtures.make();
  const workers = new PodWorkers({ nodeName: "n", deps: f.deps, admit });
  return { ...f, workers, statuses: f.statusOf };
}

const pod = (uid: string, extra: Partial<Pod> = {}): Pod => ({
  metadata: { name: uid, namespace: "default", uid },
  spec: { nodeName: "n", containers: [{ name: "c", image: "busybox" }] },
  ...extra,
});

test("pods of other nodes and mirror pods are ignored; admitted pods get a worker", async () => {
  const { workers } = setup();
  workers.upsert({ ...pod("other"), spec: { nodeName: "m", containers: [] } });
  workers.upsert(
    pod("mirror", {
      metadata: { uid: "mirror", annotations: { "kubernetes.io/config.mirror": "x" } },
    }),
  );
  workers.upsert(pod("a"));
  await workers.settled();
  assert.deepEqual(
    workers.pods().map((p) => p.metadata?.uid),
    ["a"],
  );
  assert.deepEqual(
    workers.activePods().map((p) => p.metadata?.uid),
    ["a"],
  );
});

test("a pod rejected at admission never runs and is finalized at once when deleted", async () => {
  const { workers, statuses, done } = setup(() => ({
    admit: false,
    reason: "Evicted",
    message: "The node had condition: [DiskPressure]. ",
  }));
  workers.upsert(pod("r"));
  assert.deepEqual(workers.pods(), []);
  assert.equal(statuses.get("r")?.phase, "Failed");
  assert.equal(
    statuses.get("r")?.message,
    "Pod was rejected: The node had condition: [DiskPressure]. ",
  );
  // A terminal pod is not subject to admission.
  workers.upsert(pod("t", { status: { phase: "Succeeded" } }));
  assert.equal(workers.pods().length, 1);
  workers.remove("r");
  assert.deepEqual(done, ["r"]);
});

test("pod state for the container GC: unknown, running, terminal and evicted pods", async () => {
  const { workers } = setup();
  workers.upsert(pod("live"));
  workers.upsert(pod("done", { status: { phase: "Succeeded" } }));
  workers.upsert(pod("evicted"));
  await workers.settled();
  const victim = workers.pods().find((p) => p.metadata?.uid === "evicted")!;
  await workers.evict(victim, "The node was low on resource: memory. ", 0);
  const state = (uid: string) => [
    workers.shouldPodContentBeRemoved(uid),
    workers.shouldPodRuntimeBeRemoved(uid),
  ];
  assert.deepEqual(state("unknown"), [true, true]);
  assert.deepEqual(state("live"), [false, false]);
  assert.deepEqual(state("done"), [false, true]);
  assert.deepEqual(state("evicted"), [true, true]);
  assert.deepEqual(
    workers.activePods().map((p) => p.metadata?.uid),
    ["live"],
  );
});

test("a node-shutdown kill leaves the pod Failed with reason Terminated, in the API", async () => {
  const { workers, statuses, finalized } = setup();
  workers.upsert(pod("s"));
  await workers.settled();
  const p = workers.pods()[0]!;
  await workers.evict(
    p,
    "Pod was terminated in response to imminent node shutdown.",
    0,
    "Terminated",
  );
  const s = statuses.get("s")!;
  assert.equal(s.phase, "Failed");
  assert.equal(s.reason, "Terminated");
  assert.equal(s.message, "Pod was terminated in response to imminent node shutdown.");
  assert.equal(
    s.conditions?.find((c) => c.type === "DisruptionTarget")?.reason,
    "TerminationByKubelet",
  );
  assert.deepEqual(finalized, []);
  assert.equal(workers.shouldPodContentBeRemoved("s"), false, "not an eviction");
});
