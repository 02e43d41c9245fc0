/**
 * Zone keys and states, the rate-limited tainting queue and the zone
 * disruption transitions, on an injected clock.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { FakeClock } from "../../client/clock.ts";
import { RateLimitedTimedQueue } from "./rate-limited-timed-queue.ts";
import { ZoneDisruption } from "./zone-disruption.ts";
import { DEFAULT_ZONE_EVICTION, computeZoneState, zoneKey, zoneTaintQPS } from "./zones.ts";

test("zoneKey: region and zone labels, GA names before the beta ones", () => {
  const key = (labels: Record<string, string>) => zoneKey({ metadata: { labels } });
  assert.equal(key({}), "");
  assert.equal(key({ "topology.kubernetes.io/zone": "a" }), ":\x00:a");
  assert.equal(
    key({ "topology.kubernetes.io/region": "r", "topology.kubernetes.io/zone": "a" }),
    "r:\x00:a",
  );
  assert.equal(
    key({
      "failure-domain.beta.kubernetes.io/region": "old",
      "failure-domain.beta.kubernetes.io/zone": "b",
      "topology.kubernetes.io/zone": "a",
    }),
    "old:\x00:a",
  );
});

test("computeZoneState as upstream (threshold 0.55, more than 2 not Ready)", () => {
  const T = "True";
  const rows: [(string | undefined)[], string, number][] = [
    [[T, T, T], "Normal", 0],
    [[T, "False"], "Normal", 1],
    [["False", "Unknown"], "FullDisruption", 2],
    [[undefined], "FullDisruption", 1],
    [[T, "False", "False"], "Normal", 2],
    [[T, "False", "False", "Unknown"], "PartialDisruption", 3],
    [[T, T, T, "False", "False", "False"], "Normal", 3], // 0.5 < 0.55
    [[T, T, "False", "False", "False"], "PartialDisruption", 3], // 0.6
    [[], "Normal", 0],
  ];
  for (const [statuses, state, notReady] of rows)
    assert.deepEqual(computeZoneState(statuses, 0.55), { state, notReady }, statuses.join());
});

test("zoneTaintQPS: partial disruption slows large zones and stops small ones", () => {
  const o = DEFAULT_ZONE_EVICTION;
  assert.equal(zoneTaintQPS("Normal", 3, o), 0.1);
  assert.equal(zoneTaintQPS("FullDisruption", 3, o), 0.1);
  assert.equal(zoneTaintQPS("PartialDisruption", 50, o), 0);
  assert.equal(zoneTaintQPS("PartialDisruption", 51, o), 0.01);
});

/** Names processed by one try() pass. */
async function pass(q: RateLimitedTimedQueue, fail = new Set<string>()): Promise<string[]> {
  const done: string[] = [];
  await q.try(async (name) => {
    if (fail.has(name)) return 50;
    done.push(name);
    return true;
  });
  return done;
}

test("RateLimitedTimedQueue: FIFO at burst 1 and qps, retries, swapped limiters", async () => {
  const clock = new FakeClock();
  const q = new RateLimitedTimedQueue(0.1, clock);
  for (const n of ["a", "b", "c"]) assert.equal(q.add(n), true);
  assert.equal(q.add("a"), false, "already queued");
  assert.deepEqual(await pass(q), ["a"]);
  clock.advance(9_999);
  assert.deepEqual(await pass(q), []);
  clock.advance(1);
  assert.deepEqual(await pass(q, new Set(["b"])), [], "b failed: retried after 50 ms");
  clock.advance(10_000);
  assert.deepEqual(await pass(q), ["c"], "c is now ahead of the retried b");
  clock.advance(10_000);
  assert.deepEqual(await pass(q), ["b"]);
  q.add("d");
  q.swapLimiter(0);
  clock.advance(3_600_000);
  assert.deepEqual(await pass(q), [], "rate 0 takes nothing");
  q.swapLimiter(0.01);
  assert.deepEqual(await pass(q), [], "a swap from an empty limiter grants no token");
  clock.advance(100_000);
  assert.deepEqual(await pass(q), ["d"]);
  assert.equal(q.remove("d"), false);
  q.add("e");
  assert.equal(q.remove("e"), true);
  assert.equal(q.size, 0);
});

test("ZoneDisruption: state changes set each zone's rate; all zones fully disrupted stops tainting", () => {
  const clock = new FakeClock();
  const z = new ZoneDisruption(DEFAULT_ZONE_EVICTION, clock);
  const T = "True";
  const F = "False";
  const big = (notReady: number) => [
    ...Array<string>(notReady).fill(F),
    ...Array<string>(60 - notReady).fill(T),
  ];
  const steps: {
    zones: [string, (string | undefined)[]][];
    transition?: string;
    want: [string, string, number][];
  }[] = [
    {
      zones: [
        ["a", [T, T, T, T]],
        ["b", big(0)],
      ],
      want: [
        ["a", "Normal", 0.1],
        ["b", "Normal", 0.1],
      ],
    },
    {
      zones: [
        ["a", [T, F, F, F]],
        ["b", big(40)],
      ],
      want: [
        ["a", "PartialDisruption", 0],
        ["b", "PartialDisruption", 0.01],
      ],
    },
    {
      zones: [
        ["a", [F, F, F, F]],
        ["b", big(30)],
      ],
      want: [
        ["a", "FullDisruption", 0.1],
        ["b", "Normal", 0.1],
      ],
    },
    {
      zones: [
        ["a", [F, F, F, F]],
        ["b", big(60)],
      ],
      transition: "enteredFullDisruption",
      want: [
        ["a", "FullDisruption", 0],
        ["b", "FullDisruption", 0],
      ],
    },
    {
      zones: [
        ["a", [F, F, F, "Unknown"]],
        ["b", big(60)],
      ],
      want: [
        ["a", "FullDisruption", 0],
        ["b", "FullDisruption", 0],
      ],
    },
    {
      zones: [
        ["a", [F, F, F, F]],
        ["b", big(0)],
      ],
      transition: "exitedFullDisruption",
      want: [
        ["a", "FullDisruption", 0.1],
        ["b", "Normal", 0.1],
      ],
    },
    {
      zones: [["b", big(0)]],
      want: [["b", "Normal", 0.1]],
    },
  ];
  for (const [i, step] of steps.entries()) {
    assert.equal(z.update(new Map(step.zones)), step.transition, `step ${i}`);
    const got = step.zones.map(([zone]) => [zone, z.stateOf(zone), z.tainter(zone).qps]);
    assert.deepEqual(got, step.want, `step ${i}`);
  }
  assert.equal(z.stateOf("a"), undefined, "a zone without nodes is forgotten");
});
