import { test } from "node:test";
import assert from "node:assert/strict";
import type { Pod } from "kubernetes-types/core/v1.d.ts";
import { FakeClock } from "../../client/clock.ts";
import { createLogger } from "../../util/logger.ts";
import {
  EvictionManager,
  type EvictionManagerOptions,
  type EvictionStats,
  type PodUsage,
} from "./eviction-manager.ts";
import { parseThresholdConfig } from "./thresholds.ts";

const Mi = 1024 * 1024;

function pod(
  name: string,
  opts: { priority?: number; memRequest?: string; static?: boolean; grace?: number } = {},
): Pod {
  return {
    metadata: {
      name,
      namespace: "default",
      uid: `uid-${name}`,
      annotations: opts.static ? { "kubernetes.io/config.source": "file" } : {},
    },
    spec: {
      priority: opts.priority,
      terminationGracePeriodSeconds: opts.grace,
      containers: [
        {
          name: "main",
          resources: opts.memRequest ? { requests: { memory: opts.memRequest } } : {},
        },
      ],
    },
  };
}

const usage = (memMi: number, extra: Partial<PodUsage> = {}): PodUsage => ({
  containers: [{ name: "main", memoryBytes: memMi * Mi, rootfsBytes: 0, logsBytes: 0 }],
  volumeBytes: 0,
  processes: 0,
  ...extra,
});

function stats(
  memAvailMi: number,
  usageMi: Record<string, number>,
  o: { diskAvail?: number; pidAvail?: number } = {},
): EvictionStats {
  return {
    memory: { availableBytes: memAvailMi * Mi, capacityBytes: 4096 * Mi },
    nodefs: { availableBytes: o.diskAvail ?? 50, capacityBytes: 100 },
    pid: { available: o.pidAvail ?? 30_000, capacity: 32_768 },
    pods: new Map(Object.entries(usageMi).map(([n, u]) => [`uid-${n}`, usage(u)])),
  };
}

interface Harness {
  m: EvictionManager;
  clock: FakeClock;
  evicted: { name: string; message: string; grace: number }[];
  active: Pod[];
  events: string[];
  set(s: EvictionStats): void;
}

function harness(
  flags: Parameters<typeof parseThresholdConfig>[0],
  o: Partial<EvictionManagerOptions> = {},
  pods: Pod[] = [],
): Harness {
  const clock = new FakeClock();
  let current = stats(4000, {});
  const evicted: Harness["evicted"] = [];
  const events: string[] = [];
  const active = [...pods];
  const m = new EvictionManager({
    clock,
    log: createLogger("test", { write: () => {} }),
    thresholds: parseThresholdConfig(flags),
    stats: async () => current,
    activePods: () => active.filter((p) => !evicted.some((e) => e.name === p.metadata!.name)),
    evict: async (p, message, grace) =>
      void evicted.push({ name: p.metadata!.name!, message, grace }),
    nodeEvent: (reason, message) => events.push(`${reason}: ${message}`),
    pressureTransitionMs: 60_000,
    periodMs: 10_000,
    ...o,
  });
  return { m, clock, evicted, active, events, set: (s) => (current = s) };
}

test("EvictionManager evicts one pod per period with upstream's message and tracks pressure", async () => {
  const h = harness({ hard: "memory.available<100Mi,nodefs.available<10%" }, {}, [
    pod("web"),
    pod("db", { memRequest: "200Mi" }),
    pod("kube", { static: true }),
  ]);
  h.set(stats(50, { web: 300, db: 100, kube: 500 }));
  assert.deepEqual(h.m.pressure(), { memory: false, disk: false, pid: false });
  h.m.start();
  h.clock.advance(10_000);
  await new Promise((r) => setImmediate(r));
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(h.evicted, [
    {
      name: "web",
      message:
        "The node was low on resource: memory. Threshold quantity: 100Mi, available: 50Mi. " +
        "Container main was using 300Mi, request is 0, has larger consumption of memory. ",
      grace: 1,
    },
  ]);
  assert.deepEqual(h.events, ["EvictionThresholdMet: Attempting to reclaim memory"]);
  assert.deepEqual(h.m.pressure(), { memory: true, disk: false, pid: false });
  h.m.stop();
  // Next period: still under pressure; db (within its request) goes next; the static pod never.
  assert.equal((await h.m.synchronize())?.metadata?.name, "db");
  assert.equal(await h.m.synchronize(), undefined);
  // Pressure relieved: the condition holds for the transition period, then clears.
  h.clock.advance(30_000);
  h.set(stats(2000, {}, { diskAvail: 5 }));
  h.active.push(pod("logger"));
  assert.equal((await h.m.synchronize())?.metadata?.name, "logger", "disk pressure evicts too");
  assert.equal(
    h.evicted.at(-1)!.message,
    "The node was low on resource: ephemeral-storage. Threshold quantity: 10, available: 5. ",
  );
  assert.deepEqual(h.m.pressure(), { memory: true, disk: true, pid: false });
  h.set(stats(2000, {}));
  h.clock.advance(35_000);
  assert.deepEqual(h.m.pressure(), { memory: false, disk: true, pid: false });
  h.clock.advance(30_000);
  assert.deepEqual(h.m.pressure(), { memory: false, disk: false, pid: false });
});

test("soft thresholds set the condition at once but evict only after their grace period", async () => {
  const h = harness(
    {
      soft: "memory.available<500Mi",
      softGracePeriod: "memory.available=1m30s",
    },
    { maxPodGracePeriodSeconds: 20 },
    [pod("quick", { grace: 5 }), pod("slow", { grace: 60 })],
  );
  h.set(stats(400, { quick: 300, slow: 200 }));
  assert.equal(await h.m.synchronize(), undefined, "first observed now: no eviction yet");
  assert.deepEqual(h.m.pressure(), { memory: true, disk: false, pid: false });
  h.clock.advance(60_000);
  assert.equal(await h.m.synchronize(), undefined, "60 s < 90 s grace period");
  // Relieved for one pass: the grace period starts over.
  h.clock.advance(10_000);
  h.set(stats(600, { quick: 300, slow: 200 }));
  assert.equal(await h.m.synchronize(), undefined);
  h.set(stats(400, { quick: 300, slow: 200 }));
  h.clock.advance(10_000);
  assert.equal(await h.m.synchronize(), undefined, "met again: first observed now");
  h.clock.advance(89_000);
  assert.equal(await h.m.synchronize(), undefined, "89 s < 90 s");
  h.clock.advance(1_000);
  assert.equal((await h.m.synchronize())?.metadata?.name, "quick");
  // Soft evictions get at most --eviction-max-pod-grace-period, and at most the pod's own.
  assert.equal(h.evicted[0].grace, 5);
  assert.equal((await h.m.synchronize())?.metadata?.name, "slow");
  assert.equal(h.evicted[1].grace, 20);
});

test("a met threshold holds until its minimum reclaim is available too", async () => {
  const h = harness(
    { hard: "memory.available<100Mi", minimumReclaim: "memory.available=200Mi" },
    {},
    [pod("a"), pod("b"), pod("c")],
  );
  h.set(stats(90, { a: 300, b: 200, c: 100 }));
  assert.equal((await h.m.synchronize())?.metadata?.name, "a");
  h.set(stats(250, { b: 200, c: 100 }));
  assert.equal((await h.m.synchronize())?.metadata?.name, "b", "250Mi < 100Mi + 200Mi");
  h.set(stats(310, { c: 100 }));
  assert.equal(await h.m.synchronize(), undefined, "300Mi reached: resolved");
  h.set(stats(250, { c: 100 }));
  assert.equal(await h.m.synchronize(), undefined, "not met afresh: 250Mi >= 100Mi");
});

test("PID pressure sets PIDPressure and evicts by priority, then process count", async () => {
  const h = harness({ hard: "pid.available<1000" }, {}, [
    pod("many"),
    pod("few"),
    pod("important", { priority: 1000 }),
  ]);
  const s = stats(4000, {}, { pidAvail: 900 });
  s.pods = new Map([
    ["uid-many", usage(10, { processes: 500 })],
    ["uid-few", usage(500, { processes: 3 })],
    ["uid-important", usage(10, { processes: 5000 })],
  ]);
  h.set(s);
  assert.equal((await h.m.synchronize())?.metadata?.name, "many");
  assert.equal(
    h.evicted[0].message,
    "The node was low on resource: pids. Threshold quantity: 1000, available: 900. ",
  );
  assert.deepEqual(h.m.pressure(), { memory: false, disk: false, pid: true });
  assert.equal((await h.m.synchronize())?.metadata?.name, "few");
  assert.equal((await h.m.synchronize())?.metadata?.name, "important");
});

test("disk pressure: unused images are reclaimed first; pods are evicted only if that was not enough", async () => {
  let reclaims = 0;
  let afterReclaim = 5;
  const h = harness(
    { hard: "nodefs.available<10%", minimumReclaim: "nodefs.available=5%" },
    {
      reclaimDisk: async () => {
        reclaims++;
        h.set({ ...stats(4000, {}, { diskAvail: afterReclaim }), pods: diskPods });
      },
    },
    [pod("logs"), pod("layer"), pod("vol")],
  );
  const disk = (rootfs: number, logs: number, volumeBytes: number): PodUsage => ({
    containers: [{ name: "main", memoryBytes: 0, rootfsBytes: rootfs, logsBytes: logs }],
    volumeBytes,
    processes: 1,
  });
  // Ranked by writable layer + logs + local volumes (one file system for nodefs and images).
  const diskPods = new Map([
    ["uid-logs", disk(1 * Mi, 30 * Mi, 0)],
    ["uid-layer", disk(20 * Mi, 1 * Mi, 0)],
    ["uid-vol", disk(0, 0, 40 * Mi)],
  ]);
  h.set({ ...stats(4000, {}, { diskAvail: 5 }), pods: diskPods });
  // Image GC brings 16 % back: above 10 % + 5 % minimum reclaim, no pod evicted.
  afterReclaim = 16;
  assert.equal(await h.m.synchronize(), undefined);
  assert.equal(reclaims, 1);
  // Next time it only reaches 12 %: below threshold + minimum reclaim, so a pod goes.
  h.set({ ...stats(4000, {}, { diskAvail: 5 }), pods: diskPods });
  afterReclaim = 12;
  assert.equal((await h.m.synchronize())?.metadata?.name, "vol");
  assert.equal(reclaims, 2);
  assert.equal((await h.m.synchronize())?.metadata?.name, "logs");
  assert.equal(
    h.evicted[1].message,
    "The node was low on resource: ephemeral-storage. Threshold quantity: 10, available: 12. " +
      "Container main was using 31Mi, request is 0, has larger consumption of ephemeral-storage. ",
  );
  assert.equal((await h.m.synchronize())?.metadata?.name, "layer");
});

test("inode pressure: node-level reclaim first, then the pod using the most inodes", async () => {
  let reclaims = 0;
  const h = harness(
    { hard: "nodefs.inodesFree<5%" },
    { reclaimDisk: async () => void reclaims++ },
    [pod("big-file"), pod("many-files")],
  );
  const files = (bytes: number, inodes: number): PodUsage => ({
    containers: [
      { name: "main", memoryBytes: 0, rootfsBytes: bytes, logsBytes: 0, rootfsInodes: inodes },
    ],
    volumeBytes: 0,
    processes: 1,
  });
  h.set({
    ...stats(4000, {}),
    nodefs: { availableBytes: 50, capacityBytes: 100, inodesFree: 100, inodes: 10_000 },
    pods: new Map([
      ["uid-big-file", files(900 * Mi, 3)],
      ["uid-many-files", files(1 * Mi, 8_000)],
    ]),
  });
  assert.equal((await h.m.synchronize())?.metadata?.name, "many-files");
  assert.equal(reclaims, 1);
  assert.deepEqual(h.events, ["EvictionThresholdMet: Attempting to reclaim inodes"]);
  assert.equal(
    h.evicted[0].message,
    "The node was low on resource: inodes. Threshold quantity: 500, available: 100. ",
  );
  assert.equal(h.m.pressure().disk, true);
});

test("admit rejects pods under pressure as upstream's eviction admit handler", async () => {
  const burstable = pod("burstable", { memRequest: "10Mi" });
  const besteffort = pod("besteffort");
  const tolerant: Pod = {
    ...pod("tolerant"),
    spec: {
      ...pod("tolerant").spec!,
      tolerations: [
        { key: "node.kubernetes.io/memory-pressure", operator: "Exists", effect: "NoSchedule" },
      ],
    },
  };
  const critical = pod("critical", { static: true });
  const h = harness({ hard: "memory.available<100Mi,nodefs.available<10%,pid.available<100" });
  const verdicts = () =>
    [burstable, besteffort, tolerant, critical].map((p) => {
      const v = h.m.admit(p);
      return v.admit ? "admit" : v.message;
    });
  assert.deepEqual(verdicts(), ["admit", "admit", "admit", "admit"]);
  h.set(stats(50, {}));
  await h.m.synchronize();
  assert.deepEqual(verdicts(), [
    "admit",
    "The node had condition: [MemoryPressure]. ",
    "admit",
    "admit",
  ]);
  h.set(stats(50, {}, { diskAvail: 5, pidAvail: 10 }));
  await h.m.synchronize();
  const all = "The node had condition: [MemoryPressure DiskPressure PIDPressure]. ";
  assert.deepEqual(verdicts(), [all, all, all, "admit"]);
  assert.equal((h.m.admit(besteffort) as { reason: string }).reason, "Evicted");
});
