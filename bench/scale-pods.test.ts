import { test } from "node:test";
import assert from "node:assert/strict";
import type { Pod } from "kubernetes-types/core/v1.d.ts";
import type { RestClient } from "../src/client/rest-client.ts";
import { isPodStateless, PodTracker } from "./scale-pods.ts";

const pod = (uid: string, group: string, extra: Partial<Pod> = {}): Pod => ({
  metadata: {
    uid,
    labels: { group },
    ownerReferences: [
      { kind: "ReplicaSet", name: "rs", uid: "rs", apiVersion: "apps/v1", controller: true },
    ],
  },
  ...extra,
});

test("PodTracker records CL2's create, schedule and run times from watch observations", () => {
  let now = 0;
  const t = new PodTracker({} as RestClient, "bench=scale", () => now);
  t.observe(pod("a", "latency"), false); // created at 0
  now = 100;
  t.observe(pod("a", "latency", { spec: { nodeName: "n", containers: [] } }), false);
  now = 400;
  // Running counts from the phase, as CL2 (containers need not all be running).
  t.observe(
    pod("a", "latency", { spec: { nodeName: "n", containers: [] }, status: { phase: "Running" } }),
    false,
  );
  now = 900;
  t.observe(pod("a", "latency", { status: { phase: "Running" } }), false);
  t.observe(pod("b", "latency"), false); // never runs
  t.observe(pod("c", "load", { status: { phase: "Succeeded" } }), false);
  const tr = t.transitions("latency");
  assert.deepEqual(tr.podStartup, [400]);
  assert.deepEqual(tr.createToSchedule, [100]);
  assert.deepEqual(tr.scheduleToRun, [300]);
  assert.equal(t.neverRan("latency"), 1);
  assert.equal(t.ranSince("load"), 1, "a terminal phase counts as having run");
  assert.deepEqual([t.seenSince("latency"), t.seenSince("latency", 1)], [2, 1]);
  assert.deepEqual(t.counts("latency"), { running: 1, replicaSet: 2, live: 3 });
  t.observe(pod("a", "latency"), true);
  assert.deepEqual(t.counts("latency"), { running: 0, replicaSet: 1, live: 2 });
  assert.deepEqual(t.transitions("latency", 1).podStartup, [], "window excludes a (created at 0)");
});

test("isPodStateless follows CL2", () => {
  const cases: [Pod["spec"], boolean][] = [
    [{ containers: [] }, true],
    [
      {
        containers: [],
        volumes: [
          { name: "x", emptyDir: {} },
          { name: "y", projected: {} },
        ],
      },
      true,
    ],
    [
      { containers: [], volumes: [{ name: "x", persistentVolumeClaim: { claimName: "c" } }] },
      false,
    ],
    [{ containers: [], volumes: [{ name: "x", hostPath: { path: "/" } }] }, false],
  ];
  for (const [spec, want] of cases) assert.equal(isPodStateless({ spec }), want);
});
