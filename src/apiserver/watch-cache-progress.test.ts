/**
 * WatchCache.freshRevision on a backend without in-process events (as
 * etcd): confirmed by a watch progress notification, a fallback to storage
 * (undefined) when none comes within the bound or the backend's
 * notifications are not trusted. The backend here is SQLite seen through a
 * view without latestRevision, whose progress notifications the test plays.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Backend, WatchOptions } from "../storage/backend.ts";
import { FakeClock } from "../client/clock.ts";
import { SqliteBackend } from "../storage/drivers/sqlite.ts";
import { WatchCache } from "./watch-cache.ts";

interface Case {
  name: string;
  /** watchProgressSupported's answer. */
  trusted: boolean;
  /** Whether a progress request is answered. */
  answers: boolean;
  freshWaitMs: number;
  /** Expect freshRevision to confirm storage's revision (else undefined: read storage). */
  confirms: boolean;
}

const cases: Case[] = [
  {
    name: "a notification confirms",
    trusted: true,
    answers: true,
    freshWaitMs: 60_000,
    confirms: true,
  },
  {
    name: "no notification in time",
    trusted: true,
    answers: false,
    freshWaitMs: 0,
    confirms: false,
  },
  {
    name: "untrusted notifications",
    trusted: false,
    answers: true,
    freshWaitMs: 60_000,
    confirms: false,
  },
];

for (const c of cases) {
  test(`freshRevision on a progress-notifying backend: ${c.name}`, async () => {
    const dir = await mkdtemp(join(tmpdir(), "k8ts-watchcache-progress-"));
    const sqlite = new SqliteBackend({
      path: join(dir, "db"),
      compactIntervalMs: 0,
      ttlCheckIntervalMs: 0,
    });
    await sqlite.start();
    const progressTo: ((revision: number) => void)[] = [];
    let requests = 0;
    const backend: Backend = {
      start: () => sqlite.start(),
      close: () => sqlite.close(),
      currentRevision: () => sqlite.currentRevision(),
      get: (k, o) => sqlite.get(k, o),
      list: (p, o) => sqlite.list(p, o),
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
        requests++;
        if (!c.answers) return;
        // As etcd: the notification follows the events already sent (SQLite delivers them in microtasks).
        void sqlite.currentRevision().then((rev) =>
          setImmediate(() => {
            for (const f of progressTo) f(rev);
          }),
        );
      },
      watchProgressSupported: async () => c.trusted,
    };
    const cache = new WatchCache({
      backend,
      prefix: "/registry/configmaps/",
      freshWaitMs: c.freshWaitMs,
      // Liveness probes (on this clock) must not count as freshness requests.
      clock: new FakeClock(),
    });
    try {
      assert.equal(await cache.canConfirmFresh(), c.trusted);
      await cache.ensureStarted();
      await backend.create("/registry/configmaps/ns/a", "{}");
      // A write elsewhere: only a notification can tell the cache it is current.
      const other = await backend.create("/registry/secrets/ns/b", "{}");
      const fresh = await cache.freshRevision();
      if (c.confirms) {
        assert.ok(fresh !== undefined && fresh >= other.modRevision, `${fresh}`);
        assert.ok(cache.store.get("/registry/configmaps/ns/a"));
        assert.ok(requests >= 1);
      } else {
        assert.equal(fresh, undefined);
        assert.equal(requests > 0, c.trusted, "progress is asked for only when trusted");
      }
    } finally {
      cache.stop();
      await sqlite.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
}
