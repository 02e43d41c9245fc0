import { after, test } from "node:test";
import assert from "node:assert/strict";
import type { Pod } from "kubernetes-types/core/v1.d.ts";
import type { RestClient } from "../client/rest-client.ts";
import { Backoff } from "../kubelet/pod/backoff.ts";
import { labelPodUID } from "../kubelet/pod/runtime-config.ts";
import { PodWorkerFixtures } from "../kubelet/pod/testing.ts";
import { HollowNode, podsDifferSemantically } from "./hollow-node.ts";
import { jsonEqual } from "../util/json-copy.ts";
import { makeProfile } from "./profile.ts";

const fixtures = new PodWorkerFixtures();
after(() => fixtures.dispose());

function setup() {
  const f = fixtures.make();
  const {
    runtime: _r,
    images: _i,
    hostIP: _h,
    memoryCapacity: _m,
    allocatable: _a,
    done: _d,
    event: _e,
    ...podDeps
  } = f.deps;
  let synced = false;
  /** Uids whose worker finished (the node's done). */
  const forgotten: string[] = [];
  const node = new HollowNode(
    { name: "hollow-0", index: 0, labels: {}, taints: [] },
    {
      client: {} as RestClient,
      clock: f.clock,
      profile: makeProfile({}),
      podDeps,
      event: () => {},
      forget: (uid) => void forgotten.push(uid),
      sourcesReady: () => synced,
      imageBackoff: new Backoff(f.clock),
    },
  );
  const settle = async () => {
    for (let i = 0; i < 10; i++) await new Promise((r) => setImmediate(r));
    await node.settled();
  };
  /** The pod's containers in the hollow runtime, as `attempt:state`, oldest first. */
  const containers = async (uid: string) =>
    (await node.runtime.listContainers({ labelSelector: { [labelPodUID]: uid } }))
      .sort((a, b) => a.metadata.attempt - b.metadata.attempt)
      .map((c) => `${c.metadata.attempt}:${c.state.replace("CONTAINER_", "").toLowerCase()}`);
  return { f, node, settle, containers, forgotten, sync: () => void (synced = true) };
}

const crasher: Pod = {
  metadata: { name: "crasher", namespace: "default", uid: "crash-1" },
  spec: {
    nodeName: "hollow-0",
    restartPolicy: "Always",
    containers: [{ name: "main", image: "busybox", command: ["sh", "-c", "exit 1"] }],
  },
};

test("a hollow node's container GC keeps one dead instance of a crash-looping container", async () => {
  const { f, node, settle, containers, sync } = setup();
  /** The next restart (past its CrashLoopBackOff, at most 5 min) and its crash. */
  const crashAgain = async () => {
    f.clock.advance(301_000);
    await settle();
    f.clock.advance(1);
    await settle();
  };
  node.upsert(crasher);
  await settle();
  for (let i = 0; i < 5; i++) await crashAgain();
  const piled = await containers("crash-1");
  assert.ok(piled.length >= 5, `dead containers pile up without GC: ${piled}`);
  assert.ok(
    piled.every((c) => c.endsWith(":exited")),
    String(piled),
  );

  // Before the pod informer synced: only the per-container limit (upstream default 1).
  await node.collectGarbage();
  assert.deepEqual(await containers("crash-1"), [piled.at(-1)]);
  sync();
  // Another crash: again only the newest dead instance is left after a pass.
  await crashAgain();
  assert.equal((await containers("crash-1")).length, 2);
  await node.collectGarbage();
  const left = await containers("crash-1");
  assert.equal(left.length, 1);
  assert.notDeepEqual(left, [piled.at(-1)], "the newer instance is the one kept");

  // A pod the node no longer knows has nothing left after a pass.
  node.remove("crash-1");
  await settle();
  await node.collectGarbage();
  assert.deepEqual(await containers("crash-1"), []);
  assert.deepEqual(await node.runtime.listPodSandbox(), []);
  assert.equal(node.podCount, 0);
});

test("a hollow node's pod state for the GC: unknown and terminated pods", async () => {
  const { node, settle } = setup();
  node.upsert({ ...crasher, metadata: { ...crasher.metadata, uid: "live" } });
  node.upsert({
    ...crasher,
    metadata: { ...crasher.metadata, name: "done", uid: "done" },
    status: { phase: "Succeeded" },
  });
  await settle();
  const state = (uid: string) => [
    node.shouldPodContentBeRemoved(uid),
    node.shouldPodRuntimeBeRemoved(uid),
  ];
  assert.deepEqual(state("unknown"), [true, true]);
  assert.deepEqual(state("live"), [false, false]);
  assert.deepEqual(state("done"), [false, true]);
});

const running: Pod = {
  metadata: { name: "web", namespace: "default", uid: "web-1", labels: { app: "web" } },
  spec: { nodeName: "hollow-0", containers: [{ name: "main", image: "pause" }] },
};

test("jsonEqual: JSON values by structure", () => {
  const cases: [unknown, unknown, boolean][] = [
    [1, 1, true],
    ["a", "b", false],
    [null, null, true],
    [null, {}, false],
    [[], {}, false],
    [{}, [], false],
    [[1, [2, { a: 3 }]], [1, [2, { a: 3 }]], true],
    [[1, 2], [2, 1], false],
    [[1], [1, 2], false],
    [{ a: 1, b: { c: [true] } }, { b: { c: [true] }, a: 1 }, true],
    [{ a: 1 }, { a: 1, b: 2 }, false],
    [{ a: 1, b: 2 }, { a: 1 }, false],
    [{ a: 1, b: 2 }, { a: 1, c: 2 }, false],
    [{ a: "1" }, { a: 1 }, false],
  ];
  for (const [a, b, want] of cases)
    assert.equal(jsonEqual(a, b), want, `${JSON.stringify(a)} vs ${JSON.stringify(b)}`);
});

test("podsDifferSemantically: spec, labels, annotations and deletion count; status does not", () => {
  const m = running.metadata!;
  const cases: { name: string; pod: Pod; differ: boolean }[] = [
    { name: "same", pod: structuredClone(running), differ: false },
    {
      name: "status, resourceVersion, managedFields",
      pod: {
        ...running,
        metadata: { ...m, resourceVersion: "9", managedFields: [{ manager: "kubelet" }] },
        status: { phase: "Running" },
      },
      differ: false,
    },
    { name: "labels", pod: { ...running, metadata: { ...m, labels: { app: "x" } } }, differ: true },
    {
      name: "annotations",
      pod: { ...running, metadata: { ...m, annotations: { a: "b" } } },
      differ: true,
    },
    {
      name: "deletion",
      pod: {
        ...running,
        metadata: {
          ...m,
          deletionTimestamp: "2026-01-01T00:00:00Z",
          deletionGracePeriodSeconds: 30,
        },
      },
      differ: true,
    },
    {
      name: "spec",
      pod: { ...running, spec: { ...running.spec!, activeDeadlineSeconds: 5 } },
      differ: true,
    },
  ];
  for (const c of cases) assert.equal(podsDifferSemantically(running, c.pod), c.differ, c.name);
});

test("a status-only update does not sync the pod; a label change does", async () => {
  const { f, node, settle } = setup();
  node.upsert(running);
  await settle();
  const syncs = f.statuses.length;
  assert.equal(f.statuses.at(-1)?.phase, "Running");
  // The echo of the node's own status write.
  const echo = { ...running, metadata: { ...running.metadata, resourceVersion: "2" } };
  node.upsert({ ...echo, status: f.statuses.at(-1) });
  await settle();
  assert.equal(f.statuses.length, syncs, "no sync for a status-only update");
  // The worker holds the newer object (no older copy of the pod stays alive).
  assert.equal(node.pods()[0]?.metadata, echo.metadata);
  node.upsert({ ...running, metadata: { ...running.metadata, labels: { app: "web", v: "2" } } });
  await settle();
  assert.equal(f.statuses.length, syncs + 1, "one sync for a label change");
});

test("a deleted pod is finalized once: its later updates start no worker until it is gone", async () => {
  const { f, node, settle, forgotten } = setup();
  const deleted = (p: Pod): Pod => ({
    ...p,
    metadata: { ...p.metadata, deletionTimestamp: "2026-01-01T00:00:00Z" },
  });
  node.upsert(running);
  await settle();
  node.upsert(deleted(running));
  await settle();
  assert.equal(f.finalized.length, 1);
  assert.deepEqual(forgotten, ["web-1"]);
  const written = f.statuses.length;
  // The echo of the final status write, then any later update, before the pod is gone.
  for (const phase of ["Running", "Succeeded"]) {
    node.upsert({ ...deleted(running), status: { phase } });
    assert.equal(node.podCount, 0, "no new worker");
    await settle();
  }
  assert.equal(f.finalized.length, 1);
  assert.equal(f.statuses.length, written);
  assert.deepEqual(forgotten, ["web-1"]);
  // Gone from the API: forgotten, so a pod of that uid would run again.
  node.remove("web-1");
  node.upsert(running);
  assert.equal(node.podCount, 1);
  await settle();
  assert.equal(f.statuses.at(-1)?.phase, "Running");
});
