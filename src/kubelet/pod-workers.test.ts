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
  return { ...f, workers, statuses: f.statusOf, handedIn: f.statuses };
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

const deleted = (p: Pod): Pod => ({
  ...p,
  metadata: {
    ...p.metadata,
    deletionTimestamp: "2026-01-01T00:00:00Z",
    deletionGracePeriodSeconds: 0,
  },
});

test("a deleted pod is terminated once: updates after its worker finished start nothing until it is gone", async () => {
  const cases: { name: string; admit: AdmitResult }[] = [
    { name: "running pod", admit: { admit: true } },
    { name: "rejected pod", admit: { admit: false, reason: "OutOfcpu", message: "no cpu" } },
  ];
  for (const c of cases) {
    const { workers, finalized, handedIn } = setup(() => c.admit);
    workers.upsert(pod("d"));
    await workers.settled();
    workers.upsert(deleted(pod("d")));
    await workers.settled();
    assert.equal(finalized.length, 1, c.name);
    const written = handedIn.length;
    // The echo of the final status write, then any later update, before the pod is gone.
    for (let i = 0; i < 2; i++) {
      workers.upsert(deleted(pod("d", { status: { phase: "Running" } })));
      await workers.settled();
    }
    assert.equal(finalized.length, 1, c.name);
    assert.equal(handedIn.length, written, c.name);
    assert.deepEqual(workers.pods(), [], c.name);
    // Gone from the source: the uid is forgotten (a re-added pod of that uid would run).
    workers.remove("d");
    workers.upsert(deleted(pod("d")));
    await workers.settled();
    assert.equal(finalized.length, 2, c.name);
  }
});

test("a pod removed from its source runs again when re-added with the same uid (static pods)", async () => {
  const { workers, done } = setup();
  workers.upsert(pod("s"));
  await workers.settled();
  workers.remove("s");
  await workers.settled();
  assert.deepEqual(done, ["s"]);
  workers.upsert(pod("s"));
  await workers.settled();
  assert.deepEqual(
    workers.pods().map((p) => p.metadata?.uid),
    ["s"],
  );
});
