import { test } from "node:test";
import assert from "node:assert/strict";
import type { Pod } from "kubernetes-types/core/v1.d.ts";
import { FakeClock } from "../../client/clock.ts";
import { createLogger } from "../../util/logger.ts";
import { EvictionManager, rankPods, type EvictionStats } from "./eviction-manager.ts";
import { parseThresholds } from "./thresholds.ts";

const Mi = 1024 * 1024;

function pod(
  name: string,
  opts: { priority?: number; memRequest?: string; static?: boolean } = {},
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
      containers: [
        {
          name: "main",
          resources: opts.memRequest ? { requests: { memory: opts.memRequest } } : {},
        },
      ],
    },
  };
}

function stats(memAvailMi: number, usageMi: Record<string, number>, diskAvail = 50): EvictionStats {
  return {
    memory: { availableBytes: memAvailMi * Mi, capacityBytes: 4096 * Mi },
    nodefs: { availableBytes: diskAvail, capacityBytes: 100 },
    pods: new Map(
      Object.entries(usageMi).map(([n, u]) => [
        `uid-${n}`,
        [{ name: "main", memoryBytes: u * Mi, diskBytes: u }],
      ]),
    ),
  };
}

test("rankPods: usage above requests first, then lower priority, then larger overuse", () => {
  const pods = [
    pod("guaranteed-ish", { memRequest: "500Mi" }),
    pod("besteffort-small"),
    pod("besteffort-big"),
    pod("low-priority", { priority: -10 }),
    pod("high-priority", { priority: 1000 }),
  ];
  const s = stats(50, {
    "guaranteed-ish": 400,
    "besteffort-small": 10,
    "besteffort-big": 300,
    "low-priority": 5,
    "high-priority": 900,
  });
  assert.deepEqual(
    rankPods(pods, s, "memory").map((p) => p.metadata!.name),
    ["low-priority", "besteffort-big", "besteffort-small", "high-priority", "guaranteed-ish"],
  );
});

test("EvictionManager evicts one pod per period with upstream's message and tracks pressure", async () => {
  const clock = new FakeClock();
  let current = stats(50, { web: 300, db: 100, kube: 500 });
  const evicted: { name: string; message: string; grace: number }[] = [];
  const active = [pod("web"), pod("db", { memRequest: "200Mi" }), pod("kube", { static: true })];
  const m = new EvictionManager({
    clock,
    log: createLogger("test", { write: () => {} }),
    thresholds: parseThresholds("memory.available<100Mi,nodefs.available<10%"),
    stats: async () => current,
    activePods: () => active.filter((p) => !evicted.some((e) => e.name === p.metadata!.name)),
    evict: async (p, message, grace) =>
      void evicted.push({ name: p.metadata!.name!, message, grace }),
    pressureTransitionMs: 60_000,
    periodMs: 10_000,
  });
  assert.deepEqual(m.pressure(), { memory: false, disk: false });
  m.start();
  clock.advance(10_000);
  await new Promise((r) => setImmediate(r));
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(evicted, [
    {
      name: "web",
      message:
        "The node was low on resource: memory. Threshold quantity: 100Mi, available: 50Mi. " +
        "Container main was using 300Mi, request is 0, has larger consumption of memory. ",
      grace: 1,
    },
  ]);
  assert.deepEqual(m.pressure(), { memory: true, disk: false });
  m.stop();
  // Next period: still under pressure; db (within its request) goes next; the static pod never.
  assert.equal((await m.synchronize())?.metadata?.name, "db");
  assert.equal(await m.synchronize(), undefined);
  // Pressure relieved: the condition holds for the transition period, then clears.
  clock.advance(30_000);
  current = stats(2000, {}, 5);
  active.push(pod("logger"));
  assert.equal((await m.synchronize())?.metadata?.name, "logger", "disk pressure evicts too");
  assert.match(evicted.at(-1)!.message, /^The node was low on resource: ephemeral-storage\. $/);
  assert.deepEqual(m.pressure(), { memory: true, disk: true });
  current = stats(2000, {});
  clock.advance(35_000);
  assert.deepEqual(m.pressure(), { memory: false, disk: true });
  clock.advance(30_000);
  assert.deepEqual(m.pressure(), { memory: false, disk: false });
});
