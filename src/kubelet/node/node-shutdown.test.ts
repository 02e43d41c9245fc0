import { test } from "node:test";
import assert from "node:assert/strict";
import type { Pod } from "kubernetes-types/core/v1.d.ts";
import { isCriticalPod, shutdownGraceSeconds, shutdownPods } from "./node-shutdown.ts";

const pod = (uid: string, o: { grace?: number; priority?: number; source?: string } = {}): Pod => ({
  metadata: {
    uid,
    annotations: o.source ? { "kubernetes.io/config.source": o.source } : undefined,
  },
  spec: { containers: [], terminationGracePeriodSeconds: o.grace, priority: o.priority },
});

test("isCriticalPod: static pods and system-critical priorities", () => {
  const cases: [Pod, boolean][] = [
    [pod("plain"), false],
    [pod("api", { source: "api" }), false],
    [pod("static", { source: "file" }), true],
    [pod("high", { priority: 1_000_000_000 }), false],
    [pod("critical", { priority: 2_000_000_000 }), true],
    [pod("node-critical", { priority: 2_000_001_000 }), true],
  ];
  for (const [p, want] of cases) assert.equal(isCriticalPod(p), want, p.metadata!.uid);
});

test("shutdownGraceSeconds: the pod's own grace when shorter than its group's", () => {
  const cases: [number | undefined, number, number][] = [
    [undefined, 20, 20],
    [10, 20, 10],
    [0, 20, 0],
    [60, 20, 20],
    [undefined, 0, 0],
  ];
  for (const [own, group, want] of cases)
    assert.equal(shutdownGraceSeconds(pod("p", { grace: own }), group), want, `${own}/${group}`);
});

test("shutdownPods: regular pods first with the non-critical share, then critical ones", async () => {
  const kills: string[] = [];
  let inFlight = 0;
  const groups = await shutdownPods(
    [
      pod("web", { grace: 5 }),
      pod("etcd", { source: "file" }),
      pod("db"),
      pod("dns", { priority: 2_000_000_000, grace: 2 }),
    ],
    { gracePeriodMs: 30_000, criticalGracePeriodMs: 10_000 },
    async (p, grace) => {
      inFlight++;
      kills.push(`${p.metadata!.uid}:${grace}:${inFlight}`);
      await new Promise((r) => setImmediate(r));
      inFlight--;
    },
  );
  assert.deepEqual(groups, [
    ["web", "db"],
    ["etcd", "dns"],
  ]);
  // Each group's kills run together; the critical group starts after the regular one ended.
  assert.deepEqual(kills, ["web:5:1", "db:20:2", "etcd:10:1", "dns:2:2"]);
});
