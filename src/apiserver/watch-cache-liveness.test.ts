/**
 * A watch cache that stops hearing from storage stops serving, as upstream's
 * cacher turns Pending once its reflector gives up on a failing watch: the
 * silence detector on a fake clock, the Retry-After it implies, and a cache
 * on a progress-notifying backend (SQLite seen without latestRevision, as
 * etcd) going stale, refusing with 429, and coming back by listing again.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { StatusError } from "../api/status.ts";
import { FakeClock } from "../client/clock.ts";
import type { Backend, WatchOptions } from "../storage/backend.ts";
import { SqliteBackend } from "../storage/drivers/sqlite.ts";
import { StorageError } from "../storage/errors.ts";
import { startTestServer } from "./testing/test-server.ts";
import { WatchCache } from "./watch-cache.ts";
import {
  PROBE_EVERY_MS,
  retryAfterForUnreadyCache,
  STALE_AFTER_MS,
  StorageLiveness,
} from "./watch-cache-liveness.ts";

test("silence: probes after PROBE_EVERY_MS of quiet, stale after STALE_AFTER_MS, reset by anything heard", () => {
  const cases: { name: string; heardAt: number[]; staleAt?: number; probesBy60s: number }[] = [
    { name: "never hears", heardAt: [], staleAt: 30_000, probesBy60s: 5 },
    { name: "hears once at 20 s", heardAt: [20_000], staleAt: 50_000, probesBy60s: 9 },
    {
      name: "hears every 10 s",
      heardAt: [7_000, 17_000, 27_000, 37_000, 47_000, 57_000],
      probesBy60s: 6,
    },
  ];
  for (const c of cases) {
    const clock = new FakeClock(0);
    let probes = 0;
    let staleAt: number | undefined;
    const liveness = new StorageLiveness({
      clock,
      probe: () => probes++,
      onStale: () => (staleAt ??= clock.now()),
    });
    liveness.start();
    for (let t = 1_000; t <= 60_000; t += 1_000) {
      clock.advance(1_000);
      if (c.heardAt.includes(t)) liveness.heard();
    }
    assert.equal(staleAt, c.staleAt, c.name);
    assert.equal(probes, c.probesBy60s, c.name);
    if (staleAt === undefined) {
      liveness.stop();
      clock.advance(120_000);
      assert.equal(staleAt, undefined, `${c.name}: stopped`);
    }
  }
  assert.equal(PROBE_EVERY_MS, 5_000);
  assert.equal(STALE_AFTER_MS, 30_000);
});

test("Retry-After grows with the downtime as upstream's: e^(0.06 s) within [1, 30]", () => {
  for (const [downtimeMs, seconds] of [
    [0, 1],
    [10_000, 1],
    [20_000, 3],
    [40_000, 11],
    [56_000, 28],
    [60_000, 30],
    [3_600_000, 30],
  ]) {
    assert.equal(retryAfterForUnreadyCache(downtimeMs!), seconds, `${downtimeMs} ms`);
  }
});

/** SQLite without latestRevision (as etcd), answering progress requests while `answers`; lists fail while `down`. */
function etcdLike(sqlite: SqliteBackend) {
  const progressTo: ((revision: number) => void)[] = [];
  const state = { answers: true, down: false, probes: 0 };
  const backend: Backend = {
    start: () => sqlite.start(),
    close: () => sqlite.close(),
    currentRevision: async () => {
      if (state.down) throw new StorageError("Unavailable", "etcdserver: no leader");
      return sqlite.currentRevision();
    },
    get: (k, o) => sqlite.get(k, o),
    list: async (p, o) => {
      if (state.down) throw new StorageError("Unavailable", "etcdserver: no leader");
      return sqlite.list(p, o);
    },
    count: (p) => sqlite.count(p),
    create: (k, v, o) => sqlite.create(k, v, o),
    update: (k, v, r, o) => sqlite.update(k, v, r, o),
    delete: (k, r) => sqlite.delete(k, r),
    watch: (p, o: WatchOptions) => {
      if (o.onProgress) progressTo.push(o.onProgress);
      return sqlite.watch(p, o);
    },
    compact: (r) => sqlite.compact(r),
    compactedRevision: () => sqlite.compactedRevision(),
    requestWatchProgress: () => {
      state.probes++;
      if (!state.answers) return;
      void sqlite.currentRevision().then((rev) => {
        for (const f of progressTo) f(rev);
      });
    },
    watchProgressSupported: async () => true,
  };
  return { backend, state };
}

/** Lets pending promise callbacks (the fake backend's answers, a restart's list) run. */
async function settle(): Promise<void> {
  for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
}

async function until(what: string, cond: () => boolean): Promise<void> {
  for (let i = 0; i < 2000 && !cond(); i++) await new Promise((r) => setTimeout(r, 5));
  assert.ok(cond(), `never: ${what}`);
}

async function rejects429(call: () => unknown, retryAfter: number, what: string): Promise<void> {
  await assert.rejects(
    async () => call(),
    (err: unknown) => {
      assert.ok(err instanceof StatusError, what);
      assert.equal(err.code, 429, what);
      assert.equal(err.message, "storage is (re)initializing", what);
      assert.equal(err.details?.retryAfterSeconds, retryAfter, what);
      return true;
    },
  );
}

test("a cache that hears nothing from storage for 30 s stops serving, then lists again", async () => {
  const dir = await mkdtemp(join(tmpdir(), "k8ts-watchcache-liveness-"));
  const sqlite = new SqliteBackend({
    path: join(dir, "db"),
    compactIntervalMs: 0,
    ttlCheckIntervalMs: 0,
  });
  await sqlite.start();
  const { backend, state } = etcdLike(sqlite);
  const clock = new FakeClock(0);
  const prefix = "/registry/configmaps/";
  const cache = new WatchCache({ backend, prefix, clock });
  try {
    await backend.create(`${prefix}ns/a`, "{}");
    await cache.ensureStarted();
    const sub = cache.subscribe(cache.lastRevision);
    // Storage answers the probes: a minute of quiet is not silence.
    for (let i = 0; i < 12; i++) {
      clock.advance(5_000);
      await settle();
    }
    assert.ok(cache.ready && !cache.initializing, "answered probes keep it serving");
    assert.ok(state.probes >= 6, `${state.probes} probes`);

    // Storage goes silent (no leader): after 30 s the cache stops serving.
    state.answers = false;
    state.down = true;
    for (let i = 0; i < 7; i++) clock.advance(5_000);
    await settle();
    assert.ok(!cache.ready && cache.initializing, "stale");
    assert.equal(cache.store.size, 0, "the stale state is dropped");
    assert.equal(await sub.next(), null, "client watches end");
    assert.equal(sub.error, undefined, "cleanly: clients re-watch");
    await rejects429(() => cache.ensureStarted(), 1, "ensureStarted");
    await rejects429(() => cache.subscribe(0), 1, "subscribe");

    // Re-listing fails while storage is down; the refusal's Retry-After grows.
    for (let i = 0; i < 20; i++) {
      clock.advance(1_000);
      await settle();
    }
    assert.ok(cache.initializing, "still down");
    await rejects429(() => cache.ensureStarted(), 4, "after 25 s down");

    // Storage is back: the next retry lists again and the cache serves.
    state.down = false;
    state.answers = true;
    await backend.create(`${prefix}ns/b`, "{}");
    clock.advance(1_000);
    await until("ready again", () => cache.ready);
    assert.ok(!cache.initializing);
    assert.ok(cache.store.get(`${prefix}ns/b`), "the new list holds the write made meanwhile");
    const again = cache.subscribe(cache.lastRevision);
    await backend.create(`${prefix}ns/c`, "{}");
    const events = await again.next();
    assert.deepEqual(
      events?.map((e) => e.key),
      [`${prefix}ns/c`],
    );
  } finally {
    cache.stop();
    await sqlite.close();
    await rm(dir, { recursive: true, force: true });
  }
});

test("an in-process backend (no watch progress) never goes stale", async () => {
  const dir = await mkdtemp(join(tmpdir(), "k8ts-watchcache-liveness-"));
  const sqlite = new SqliteBackend({
    path: join(dir, "db"),
    compactIntervalMs: 0,
    ttlCheckIntervalMs: 0,
  });
  await sqlite.start();
  const clock = new FakeClock(0);
  const cache = new WatchCache({ backend: sqlite, prefix: "/registry/pods/", clock });
  try {
    await cache.ensureStarted();
    assert.equal(clock.waiting(), 0, "no liveness timer");
    clock.advance(10 * 60_000);
    await settle();
    assert.ok(cache.ready && !cache.initializing);
  } finally {
    cache.stop();
    await sqlite.close();
    await rm(dir, { recursive: true, force: true });
  }
});

test("while a cache re-initializes: GETs and limited unfiltered LISTs read storage, other LISTs and watches get 429", async () => {
  const dir = await mkdtemp(join(tmpdir(), "k8ts-watchcache-liveness-"));
  const sqlite = new SqliteBackend({
    path: join(dir, "db"),
    compactIntervalMs: 0,
    ttlCheckIntervalMs: 0,
  });
  await sqlite.start();
  const { backend, state } = etcdLike(sqlite);
  const t = await startTestServer({ backend });
  const cms = "/api/v1/namespaces/default/configmaps";
  try {
    for (const name of ["a", "b"]) {
      const r = await t.call("POST", cms, { metadata: { name }, data: { k: name } });
      assert.equal(r.status, 201, r.text);
    }
    assert.equal((await t.call("GET", `${cms}?resourceVersion=0`)).body.items.length, 2);
    // The watch goes silent (storage itself still answers reads): 30 s later the cache stops serving.
    state.answers = false;
    for (let i = 0; i < 6; i++) t.clock.advance(5_000);
    await settle();
    const cache = t.server.context.watchCaches.get("/registry/configmaps/")!;
    assert.ok(cache.initializing, "stale");
    const cases: { query: string; status: number; items?: number }[] = [
      { query: "?resourceVersion=0", status: 429 },
      { query: "?resourceVersion=0&labelSelector=x%3Dy&limit=1", status: 429 },
      { query: "?resourceVersion=0&limit=1", status: 200, items: 1 },
      { query: "/a?resourceVersion=0", status: 200 },
      { query: "?watch=1&resourceVersion=0", status: 429 },
    ];
    for (const c of cases) {
      const r = await t.call("GET", cms + c.query);
      assert.equal(r.status, c.status, `${c.query}: ${r.text}`);
      if (c.status === 429) {
        assert.equal(r.body.reason, "TooManyRequests", c.query);
        assert.equal(r.body.message, "storage is (re)initializing", c.query);
        assert.equal(r.headers.get("retry-after"), "1", c.query);
      }
      if (c.items !== undefined) assert.equal(r.body.items.length, c.items, c.query);
    }
    // The next retry lists again: the cache serves.
    state.answers = true;
    t.clock.advance(1_000);
    await until("ready again", () => cache.ready);
    const r = await t.call("GET", `${cms}?resourceVersion=0`);
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body.items.length, 2);
  } finally {
    await t.close();
    await sqlite.close();
    await rm(dir, { recursive: true, force: true });
  }
});
