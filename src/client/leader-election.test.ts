/**
 * Leader election over a real Lease (in-process API server, one fake clock):
 * a second candidate takes over only after leaseDuration without the record
 * changing (timed on its own clock), renewals keep it out, a running
 * candidate observes renewals by watch and takes over exactly leaseDuration
 * after the last one it saw, and a leader stopping cleanly releases the
 * lease at once.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { getEventListeners } from "node:events";
import type { KObject } from "../api/types.ts";
import { ApiError } from "./api-error.ts";
import { FakeClock, type Clock } from "./clock.ts";
import { useRestClient, useTestServer } from "../apiserver/testing/test-server.ts";
import { LeaderElector } from "./leader-election.ts";
import { leasesRef } from "./resources.ts";
import { RestClient } from "./rest-client.ts";

const api = useTestServer();
const client = useRestClient(api);

const elector = (name: string, identity: string, log: string[] = []) =>
  new LeaderElector(client, {
    namespace: "kube-system",
    name,
    identity,
    clock: api.clock,
    onStartedLeading: () => log.push(`${identity} leads`),
    onStoppedLeading: () => log.push(`${identity} stopped`),
  });

const holder = async (name: string) =>
  (
    await client.get<KObject & { spec?: { holderIdentity?: string; leaseTransitions?: number } }>(
      leasesRef,
      "kube-system",
      name,
    )
  ).spec;

test("a silent leader's lease is taken over after leaseDuration (15 s)", async () => {
  const a = elector("silent", "a");
  const b = elector("silent", "b");
  assert.equal(await a.tryAcquireOrRenew(), true);
  assert.equal(await b.tryAcquireOrRenew(), false);
  api.clock.advance(14_000);
  assert.equal(await b.tryAcquireOrRenew(), false, "not yet expired at 14 s");
  api.clock.advance(1_000);
  assert.equal(await b.tryAcquireOrRenew(), true, "expired at 15 s");
  assert.deepEqual(
    {
      holder: (await holder("silent"))?.holderIdentity,
      transitions: (await holder("silent"))?.leaseTransitions,
    },
    { holder: "b", transitions: 1 },
  );
  assert.equal(await a.tryAcquireOrRenew(), false, "the old leader sees b's record");
});

test("renewals keep another candidate out", async () => {
  const a = elector("renewed", "a");
  const b = elector("renewed", "b");
  assert.equal(await a.tryAcquireOrRenew(), true);
  assert.equal(await b.tryAcquireOrRenew(), false);
  for (let i = 0; i < 5; i++) {
    api.clock.advance(10_000);
    assert.equal(await a.tryAcquireOrRenew(), true);
    assert.equal(await b.tryAcquireOrRenew(), false, `after ${(i + 1) * 10} s`);
  }
});

test("a leader stopping cleanly releases the lease", async () => {
  const log: string[] = [];
  const a = elector("released", "a", log);
  const stop = new AbortController();
  const running = a.run(stop.signal);
  for (let i = 0; i < 500 && !a.isLeader(); i++) await new Promise((r) => setTimeout(r, 10));
  assert.equal(a.isLeader(), true);
  stop.abort();
  await running;
  assert.deepEqual(log, ["a leads", "a stopped"]);
  assert.equal((await holder("released"))?.holderIdentity, "");
  assert.equal(await elector("released", "b").tryAcquireOrRenew(), true, "no need to wait 15 s");
});

/** Polls fn every 10 ms of real time (I/O needs it) for up to 30 s. */
async function until<T>(
  what: string,
  fn: () => T | undefined | false | Promise<T | undefined | false>,
): Promise<T> {
  for (let i = 0; i < 3000; i++) {
    const v = await fn();
    if (v !== undefined && v !== false) return v;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`${what} never happened`);
}

test("a running candidate sees renewals by watch and takes over when the last one it saw is 15 s old", async () => {
  const a = elector("watched", "a");
  // b's clock is the server's; its timers are recorded to see when it means to wake.
  const waits: number[] = [];
  const bClock: Clock = {
    now: () => api.clock.now(),
    after: (ms, fn) => (waits.push(ms), api.clock.after(ms, fn)),
  };
  const log: string[] = [];
  const b = new LeaderElector(client, {
    namespace: "kube-system",
    name: "watched",
    identity: "b",
    clock: bClock,
    onStartedLeading: () => log.push("b leads"),
    onStoppedLeading: () => log.push("b stopped"),
  });
  const t0 = api.clock.now();
  assert.equal(await a.tryAcquireOrRenew(), true);
  const stop = new AbortController();
  const running = b.run(stop.signal);
  try {
    await until("b observes a's record", () => b.observed().holder === "a");
    assert.equal(b.observed().at, t0);
    // a renews 1 s later; b's next poll is due at 2 s, so only its watch can see it at 1 s.
    api.clock.advance(1_000);
    assert.equal(await a.tryAcquireOrRenew(), true);
    await until("b observes the renewal", () => b.observed().at === t0 + 1_000);
    // 1 ms before the renewal is 15 s old: b polls, finds the lease still held
    // and sleeps exactly until it ends rather than a whole retry period.
    api.clock.advance(14_999);
    await until("b waits for the lease to end", () => waits.includes(1));
    assert.equal(b.isLeader(), false, "not before the lease ends");
    api.clock.advance(1);
    await until("b leads", () => b.isLeader());
    const spec = await holder("watched");
    assert.deepEqual(
      { holder: spec?.holderIdentity, acquired: (spec as { acquireTime?: string })?.acquireTime },
      { holder: "b", acquired: new Date(t0 + 16_000).toISOString().replace("Z", "000Z") },
    );
  } finally {
    stop.abort();
    await running;
  }
  assert.deepEqual(log, ["b leads", "b stopped"]);
});

test("a candidate not allowed to watch leases (403) stops watching and keeps polling", async () => {
  const clock = new FakeClock();
  const calls = { get: 0, watch: 0 };
  const held = {
    apiVersion: "coordination.k8s.io/v1",
    kind: "Lease",
    metadata: { name: "nowatch", namespace: "kube-system" },
    spec: {
      holderIdentity: "a",
      leaseDurationSeconds: 15,
      renewTime: "2026-01-01T00:00:00.000000Z",
    },
  };
  const stub = {
    get: async () => (calls.get++, structuredClone(held)),
    watch: async function* () {
      calls.watch++;
      throw new ApiError(403, undefined, "forbidden");
    },
  } as unknown as RestClient;
  const b = new LeaderElector(stub, {
    namespace: "kube-system",
    name: "nowatch",
    identity: "b",
    clock,
    onStartedLeading: () => {},
    onStoppedLeading: () => {},
  });
  const stop = new AbortController();
  const running = b.run(stop.signal);
  for (let i = 0; i < 5; i++) {
    await until(`poll ${i + 1}`, () => calls.get === i + 1);
    clock.advance(2_000);
  }
  assert.equal(calls.watch, 1, "the forbidden watch is not re-opened every retry period");
  assert.equal(b.isLeader(), false);
  stop.abort();
  await running;
});

test("a leader renewing for many periods leaves no abort listeners behind", async () => {
  const a = elector("renewing-long", "a");
  const stop = new AbortController();
  const running = a.run(stop.signal);
  try {
    await until("a leads", () => a.isLeader());
    const renewTime = async () =>
      (await holder("renewing-long"))?.["renewTime" as keyof object] as string | undefined;
    // Each renewal period is one sleep on the signal: 30 periods of 2 s.
    for (let i = 0; i < 30; i++) {
      const before = await renewTime();
      api.clock.advance(2_000);
      await until(`renewal ${i + 1}`, async () => (await renewTime()) !== before);
    }
    assert.ok(
      getEventListeners(stop.signal, "abort").length <= 2,
      `abort listeners: ${getEventListeners(stop.signal, "abort").length}`,
    );
  } finally {
    stop.abort();
    await running;
  }
});
