import { test } from "node:test";
import assert from "node:assert/strict";
import type { Pod } from "kubernetes-types/core/v1.d.ts";
import {
  diskMeasureFor,
  evictionMessage,
  isDiskSignal,
  podDiskUsage,
  rankPods,
  resourceOf,
  type PodUsage,
} from "./ranking.ts";
import { parseThresholds } from "./thresholds.ts";

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

/** Usage with few bytes and many inodes (or the other way round). */
const inodeUsage = (bytes: number, rootfsInodes: number, logsInodes = 0, volumeInodes = 0) => ({
  containers: [
    {
      name: "c",
      memoryBytes: 0,
      rootfsBytes: bytes * Mi,
      logsBytes: 0,
      rootfsInodes,
      logsInodes,
    },
  ],
  volumeBytes: 0,
  volumeInodes,
  processes: 0,
});

test("rankPods for inode signals ranks by inodes used, not bytes", () => {
  const pods = [pod("big-files"), pod("many-files"), pod("many-logs"), pod("idle")];
  const usage = new Map<string, PodUsage>([
    ["big-files", inodeUsage(900, 10)],
    ["many-files", inodeUsage(1, 50_000)],
    ["many-logs", inodeUsage(2, 5, 20_000, 100)],
    ["idle", inodeUsage(0, 0)],
  ]);
  // Bytes: the 900Mi pod first. Inodes: the 50,000-file pod first, an idle pod (no inodes) last.
  assert.equal(names(rankPods(pods, usage, "nodefs.available"))[0], "big-files");
  for (const signal of ["nodefs.inodesFree", "imagefs.inodesFree"] as const)
    assert.deepEqual(
      names(rankPods(pods, usage, signal)),
      ["many-files", "many-logs", "big-files", "idle"],
      signal,
    );
  // With a dedicated imagefs, nodefs inodes count logs and volumes only.
  assert.deepEqual(names(rankPods(pods, usage, "nodefs.inodesFree", true)).slice(0, 2), [
    "many-logs",
    "big-files",
  ]);
  assert.equal(
    podDiskUsage(usage.get("many-logs")!, diskMeasureFor("nodefs.inodesFree", false), "inodes"),
    20_105,
  );
  // Priority still comes before the amount, among pods using inodes.
  const prioritized = [pod("many-files", { priority: 1000 }), pod("big-files")];
  assert.deepEqual(names(rankPods(prioritized, usage, "nodefs.inodesFree")), [
    "big-files",
    "many-files",
  ]);
});

test("resourceOf and evictionMessage name inodes for inode signals", () => {
  assert.equal(resourceOf("nodefs.inodesFree"), "inodes");
  assert.equal(resourceOf("imagefs.inodesFree"), "inodes");
  assert.equal(resourceOf("nodefs.available"), "ephemeral-storage");
  assert.equal(isDiskSignal("imagefs.inodesFree"), true);
  assert.equal(isDiskSignal("pid.available"), false);
  const [t] = parseThresholds("nodefs.inodesFree<1000");
  const usage = new Map<string, PodUsage>([["many-files", inodeUsage(1, 50_000)]]);
  assert.equal(
    evictionMessage(pod("many-files"), t, 400, usage),
    "The node was low on resource: inodes. Threshold quantity: 1000, available: 400. ",
  );
});
