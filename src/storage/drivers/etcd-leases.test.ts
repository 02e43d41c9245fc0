import assert from "node:assert/strict";
import { test } from "node:test";
import { EtcdLeases, MAX_KEYS_PER_LEASE, type LeaseGranter } from "./etcd-leases.ts";

/** A granter that hands out lease 1, 2, ... and records the TTLs asked for; etcd's minimum TTL is 2 s. */
function fakeGranter(): LeaseGranter & { asked: number[] } {
  const asked: number[] = [];
  return {
    asked,
    grant: async (ttl) => {
      asked.push(ttl);
      return { id: String(asked.length), ttlSeconds: Math.max(2, ttl) };
    },
  };
}

test("keys with one TTL share a lease within its reuse window; other TTLs get their own", async () => {
  let now = 1_000_000;
  const g = fakeGranter();
  const leases = new EtcdLeases(g, { now: () => now });
  const steps: Array<[string, number, number, string]> = [
    // [what, advance ms, ttl, want lease]
    ["first 100 s key grants", 0, 100, "1"],
    ["same TTL reuses", 4_000, 100, "1"],
    ["other TTL grants", 0, 60, "2"],
    ["fraction rounds up into the 100 s bucket", 0, 99.5, "1"],
    ["past the 5 s reuse window grants again", 1_001, 100, "3"],
    ["the new lease is reused", 0, 100, "3"],
  ];
  for (const [what, advance, ttl, want] of steps) {
    now += advance;
    assert.equal(await leases.leaseFor(ttl), want, what);
  }
  // A lease lives ttl + reuse seconds: 100 + 5, 60 + 3.
  assert.deepEqual(g.asked, [105, 63, 105]);
});

test("concurrent requests share one grant and a full lease is replaced", async () => {
  const g = fakeGranter();
  const leases = new EtcdLeases(g, { now: () => 0 });
  const ids = await Promise.all(
    Array.from({ length: MAX_KEYS_PER_LEASE + 1 }, () => leases.leaseFor(10)),
  );
  assert.equal(ids.filter((id) => id === "1").length, MAX_KEYS_PER_LEASE);
  assert.equal(ids.filter((id) => id === "2").length, 1);
  assert.equal(g.asked.length, 2);
});

test("an invalidated lease is not handed out again", async () => {
  const g = fakeGranter();
  const leases = new EtcdLeases(g, { now: () => 0 });
  const first = await leases.leaseFor(1);
  leases.invalidate(first);
  assert.notEqual(await leases.leaseFor(1), first);
  // etcd raised the 1 s TTL (+1 s reuse) to its 2 s minimum: no extra reuse time was granted.
  assert.deepEqual(g.asked, [2, 2]);
});

test("a failed grant is reported and the next call retries", async () => {
  let fail = true;
  const leases = new EtcdLeases(
    {
      grant: async () => {
        if (fail) throw new Error("etcd unavailable");
        return { id: "9", ttlSeconds: 11 };
      },
    },
    { now: () => 0 },
  );
  await assert.rejects(leases.leaseFor(10), /etcd unavailable/);
  fail = false;
  assert.equal(await leases.leaseFor(10), "9");
});
