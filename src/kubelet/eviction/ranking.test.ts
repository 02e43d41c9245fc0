import { test } from "node:test";
import assert from "node:assert/strict";
import type { Pod } from "kubernetes-types/core/v1.d.ts";
import { diskMeasureFor, podDiskUsage, rankPods, type PodUsage } from "./ranking.ts";

const Mi = 1024 * 1024;

function pod(name: string, o: { priority?: number; mem?: string; disk?: string } = {}): Pod {
  const requests: Record<string, string> = {};
  if (o.mem) requests.memory = o.mem;
  if (o.disk) requests["ephemeral-storage"] = o.disk;
  return {
    metadata: { name, uid: name },
    spec: { priority: o.priority, containers: [{ name: "c", resources: { requests } }] },
  };
}

const u = (mem: number, rootfs = 0, logs = 0, volumeBytes = 0, processes = 0): PodUsage => ({
  containers: [
    { name: "c", memoryBytes: mem * Mi, rootfsBytes: rootfs * Mi, logsBytes: logs * Mi },
  ],
  volumeBytes: volumeBytes * Mi,
  processes,
});

const names = (ps: Pod[]) => ps.map((p) => p.metadata!.name);

test("rankPods for memory: no stats first, then over requests, then priority, then overuse", () => {
  const pods = [
    pod("guaranteed-ish", { mem: "500Mi" }),
    pod("besteffort-small"),
    pod("besteffort-big"),
    pod("low-priority", { priority: -10 }),
    pod("high-priority", { priority: 1000 }),
    pod("no-stats", { priority: 5000 }),
  ];
  const usage = new Map([
    ["guaranteed-ish", u(400)],
    ["besteffort-small", u(10)],
    ["besteffort-big", u(300)],
    ["low-priority", u(5)],
    ["high-priority", u(900)],
  ]);
  assert.deepEqual(names(rankPods(pods, usage, "memory.available")), [
    "no-stats",
    "low-priority",
    "besteffort-big",
    "besteffort-small",
    "high-priority",
    "guaranteed-ish",
  ]);
});

test("rankPods for disk measures layers, logs and local volumes against ephemeral-storage requests", () => {
  const pods = [
    pod("layer", { disk: "100Mi" }),
    pod("logs"),
    pod("volume"),
    pod("modest", { disk: "1Gi" }),
  ];
  const usage = new Map([
    ["layer", u(0, 150, 0, 0)],
    ["logs", u(0, 0, 40, 0)],
    ["volume", u(0, 0, 0, 60)],
    ["modest", u(0, 500, 100, 100)],
  ]);
  // One file system: everything counts; "layer" is 50Mi over its request, "modest" within it.
  assert.deepEqual(names(rankPods(pods, usage, "nodefs.available")), [
    "volume",
    "layer",
    "logs",
    "modest",
  ]);
  // A dedicated imagefs: nodefs counts logs and volumes, imagefs writable layers.
  assert.deepEqual(names(rankPods(pods, usage, "nodefs.available", true)), [
    "volume",
    "logs",
    "layer",
    "modest",
  ]);
  assert.deepEqual(names(rankPods(pods, usage, "imagefs.available", true)), [
    "layer",
    "logs",
    "volume",
    "modest",
  ]);
  const m = diskMeasureFor("imagefs.available", true);
  assert.equal(podDiskUsage(usage.get("modest")!, m), 500 * Mi);
  assert.equal(
    podDiskUsage(usage.get("modest")!, diskMeasureFor("nodefs.available", false)),
    700 * Mi,
  );
});
