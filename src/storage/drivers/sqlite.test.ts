import assert from "node:assert/strict";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { backendConformance } from "../conformance.ts";
import { WatchReader } from "../testing/watch-reader.ts";
import { SqliteBackend, type SqliteBackendOptions } from "./sqlite.ts";
import type { WalSync } from "./sqlite-writer.ts";

const root = mkdtempSync(join(tmpdir(), "k8ts-sqlite-test-"));
after(() => rmSync(root, { recursive: true, force: true }));
let seq = 0;

/** A fake clock: time moves only when a test advances it. */
class FakeClock {
  t = 1_700_000_000_000;
  now(): number {
    return this.t;
  }
}

/** A WAL sync that completes only when the test says so. */
class HeldSync {
  readonly held: Array<(err: Error | null) => void> = [];
  readonly sync: WalSync = (_fd, done) => {
    this.held.push(done);
  };
  release(err: Error | null = null): void {
    const done = this.held.shift();
    assert.ok(done, "no sync in flight");
    done(err);
  }
}

const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

function dbPath(): string {
  return join(root, `db-${++seq}`, "state.db");
}

async function open(
  path: string,
  extra: Partial<SqliteBackendOptions> = {},
): Promise<SqliteBackend> {
  const b = new SqliteBackend({ path, ttlCheckIntervalMs: 0, compactIntervalMs: 0, ...extra });
  await b.start();
  return b;
}

backendConformance(async () => {
  const clock = new FakeClock();
  const path = dbPath();
  const backend = await open(path, { clock });
  return {
    backend,
    cleanup: async () => {
      await backend.close();
      rmSync(join(path, ".."), { recursive: true, force: true });
    },
    advanceClock: async (seconds) => {
      clock.t += seconds * 1000;
      await backend.expireDue();
    },
  };
});

describe("SqliteBackend", () => {
  test("group commit puts concurrent writes in one transaction", async () => {
    const b = await open(dbPath());
    try {
      const cases = [1, 16, 64];
      for (const n of cases) {
        const before = b.stats();
        const kvs = await Promise.all(
          Array.from({ length: n }, (_, i) => b.create(`/gc/${n}/${i}`, "v")),
        );
        const after = b.stats();
        assert.equal(after.transactions - before.transactions, 1, `${n} writers, one commit`);
        assert.equal(after.syncs - before.syncs, 1, `${n} writers, one fdatasync`);
        assert.equal(after.writes - before.writes, n);
        const revs = kvs.map((kv) => kv.modRevision);
        assert.deepEqual(
          revs,
          [...new Set(revs)].sort((x, y) => x - y),
          "distinct, in order",
        );
      }
    } finally {
      await b.close();
    }
  });

  test("a failed check in a batch rejects only that write", async () => {
    const b = await open(dbPath());
    try {
      const base = await b.create("/batch/a", "1");
      const before = b.stats().transactions;
      const results = await Promise.allSettled([
        b.update("/batch/a", "2", base.modRevision),
        b.update("/batch/a", "3", base.modRevision), // sees the first update: Conflict
        b.create("/batch/b", "x"),
        b.create("/batch/b", "y"), // sees the create above: KeyExists
      ]);
      assert.deepEqual(
        results.map((r) => (r.status === "fulfilled" ? "ok" : (r.reason as { code: string }).code)),
        ["ok", "Conflict", "ok", "KeyExists"],
      );
      assert.equal(b.stats().transactions - before, 1);
      assert.equal((await b.get("/batch/a")).kv?.value, "2");
      // Failed writes consume no revision.
      assert.equal(await b.currentRevision(), base.modRevision + 2);
    } finally {
      await b.close();
    }
  });

  test("restart keeps data and continues revisions, even after compacting a delete", async () => {
    const path = dbPath();
    let b = await open(path);
    const kv = await b.create("/r/a", "1");
    const del = await b.delete("/r/a");
    await b.compact(del.revision);
    await b.compactionIdle();
    await b.close();
    b = await open(path);
    try {
      assert.equal(await b.currentRevision(), del.revision);
      assert.equal(await b.compactedRevision(), del.revision);
      const next = await b.create("/r/a", "2");
      assert.ok(next.modRevision > del.revision && next.modRevision > kv.modRevision);
    } finally {
      await b.close();
    }
  });

  test("TTL leases survive a restart", async () => {
    const path = dbPath();
    const clock = new FakeClock();
    let b = await open(path, { clock });
    await b.create("/ttl/a", "v", { ttlSeconds: 10 });
    await b.close();
    b = await open(path, { clock });
    try {
      clock.t += 5_000;
      assert.equal(await b.expireDue(), 0);
      clock.t += 6_000;
      assert.equal(await b.expireDue(), 1);
      assert.equal((await b.get("/ttl/a")).kv, undefined);
    } finally {
      await b.close();
    }
  });

  test("an update without a TTL clears the old one", async () => {
    const clock = new FakeClock();
    const b = await open(dbPath(), { clock });
    try {
      const kv = await b.create("/ttl/x", "v", { ttlSeconds: 1 });
      await b.update("/ttl/x", "w", kv.modRevision);
      clock.t += 5_000;
      assert.equal(await b.expireDue(), 0);
      assert.equal((await b.get("/ttl/x")).kv?.value, "w");
    } finally {
      await b.close();
    }
  });

  test("compaction deletes superseded rows in bounded steps and keeps what is readable", async () => {
    const stepRows = 64;
    const b = await open(dbPath(), { compactionStepRows: stepRows });
    try {
      const kvs = new Map<string, number>();
      for (let round = 0; round < 6; round++) {
        await Promise.all(
          Array.from({ length: 100 }, async (_, i) => {
            const key = `/c/${i}`;
            const prev = kvs.get(key);
            const kv =
              prev === undefined
                ? await b.create(key, `${round}`)
                : await b.update(key, `${round}`, prev);
            kvs.set(key, kv.modRevision);
          }),
        );
      }
      await Promise.all(Array.from({ length: 10 }, (_, i) => b.delete(`/c/${i}`)));
      const mid = await b.currentRevision();
      await b.update("/c/50", "after", kvs.get("/c/50")!);
      await b.compact(mid);
      await b.compactionIdle();
      const s = b.stats().compaction;
      // 600 writes + 10 deletes at or below mid: 500 superseded rows and 10 tombstones go,
      // plus the 10 rows the tombstones superseded.
      assert.equal(s.rowsDeleted, 500 + 10 + 10);
      assert.ok(s.steps >= Math.ceil(610 / stepRows), `steps ${s.steps}`);
      assert.ok(s.largestStepRows <= stepRows, `largest step ${s.largestStepRows} rows`);
      const listed = await b.list("/c/", { revision: mid });
      assert.equal(listed.kvs.length, 90);
      assert.ok(listed.kvs.every((kv) => kv.value === "5"));
      assert.equal((await b.get("/c/50")).kv?.value, "after");
      assert.equal((await b.count("/c/")).count, 90);
    } finally {
      await b.close();
    }
  });

  test("writes commit between compaction steps instead of waiting for the whole compaction", async () => {
    const b = await open(dbPath(), { compactionStepRows: 16, durability: "normal" });
    try {
      let kv = await b.create("/ci/k", "0");
      for (let i = 1; i <= 400; i++) kv = await b.update("/ci/k", `${i}`, kv.modRevision);
      await b.compact(kv.modRevision);
      let compactionDone = false;
      const idle = b.compactionIdle().then(() => (compactionDone = true));
      const write = await b.create("/ci/during", "x");
      assert.equal(compactionDone, false, "the write did not wait for compaction to finish");
      assert.ok(b.stats().compaction.steps < 400 / 16, "only a few steps ran before the write");
      await idle;
      assert.equal(b.stats().compaction.rowsDeleted, 400);
      assert.equal((await b.get("/ci/during")).kv?.modRevision, write.modRevision);
    } finally {
      await b.close();
    }
  });

  test("WAL checkpoints run on a worker and the WAL restarts at a bounded size", async () => {
    const path = dbPath();
    const b = await open(path, { checkpointEveryTransactions: 10, walRestartFrames: 40 });
    try {
      for (let round = 0; round < 6; round++) {
        for (let i = 0; i < 40; i++) await b.create(`/wal/${round}/${i}`, "x".repeat(256));
        await b.checkpointIdle();
      }
      const s = b.stats();
      assert.ok(s.checkpoints >= 6, `checkpoints ${s.checkpoints}`);
      assert.ok(s.walRestarts >= 1, `restarts ${s.walRestarts}`);
      const walBytes = statSync(`${path}-wal`).size;
      assert.ok(walBytes < 1024 * 1024, `WAL is ${walBytes} bytes after 240 transactions`);
      assert.equal((await b.count("/wal/")).count, 240);
    } finally {
      await b.close();
    }
  });

  test("a writer that goes quiet gets its checkpoint before the transaction count is reached", async () => {
    const b = await open(dbPath(), { checkpointEveryTransactions: 80 });
    try {
      for (let i = 0; i < 12; i++) await b.create(`/quiet/${i}`, "x");
      // 12 of 80 transactions: only the quiet-writer check can start a checkpoint.
      for (let tries = 0; b.stats().checkpoints === 0 && tries < 1500; tries++) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      assert.equal(b.stats().checkpoints, 1);
    } finally {
      await b.close();
    }
  });

  test("an in-memory store works without a WAL file or checkpoint worker", async () => {
    const b = await open(":memory:");
    try {
      const kv = await b.create("/m/a", "1");
      const next = await b.update("/m/a", "2", kv.modRevision);
      assert.equal((await b.get("/m/a", { revision: kv.modRevision })).kv?.value, "1");
      assert.equal((await b.get("/m/a")).kv?.modRevision, next.modRevision);
      assert.equal(b.stats().checkpoints, 0);
    } finally {
      await b.close();
    }
  });

  test("latestRevision is synchronous and matches currentRevision", async () => {
    const b = await open(dbPath());
    try {
      const kv = await b.create("/lr/a", "1");
      assert.equal(b.latestRevision(), kv.modRevision);
      assert.equal(await b.currentRevision(), kv.modRevision);
    } finally {
      await b.close();
    }
  });

  test("calls before start or after close fail with Unavailable", async () => {
    const b = new SqliteBackend({ path: dbPath() });
    await assert.rejects(b.get("/x"), { code: "Unavailable" });
    await b.start();
    await b.close();
    await assert.rejects(b.create("/x", "v"), { code: "Unavailable" });
  });
});

describe("SqliteBackend durability", () => {
  test("reads and watch events wait until the data they show is durable", async () => {
    const wal = new HeldSync();
    const b = await open(dbPath(), { walSync: wal.sync });
    try {
      const before = b.latestRevision();
      const reader = new WatchReader(b.watch("/d/", { startRevision: 0 }));
      const events = reader.take(1);
      const write = b.create("/d/a", "1");
      await turn();
      assert.equal(wal.held.length, 1, "committed, sync in flight");
      const seen = { read: undefined as string | undefined, event: false };
      const pendingRead = b.get("/d/a").then((r) => (seen.read = r.kv?.value));
      void events.then(() => (seen.event = true));
      await turn();
      assert.deepEqual(seen, { read: undefined, event: false }, "held back until durable");
      assert.equal(b.latestRevision(), before);
      wal.release();
      const kv = await write;
      await pendingRead;
      assert.equal(seen.read, "1");
      assert.deepEqual(await events, [{ type: "PUT", kv }]);
      assert.equal(b.latestRevision(), kv.modRevision);
    } finally {
      await b.close();
    }
  });

  test("transactions committed during an in-flight sync share the next sync", async () => {
    const wal = new HeldSync();
    const b = await open(dbPath(), { walSync: wal.sync });
    try {
      const s0 = b.stats();
      const settled: string[] = [];
      const track = (name: string, p: Promise<unknown>) => p.then(() => settled.push(name));
      const all = [track("a", b.create("/s/a", "1"))];
      await turn();
      all.push(track("b", b.create("/s/b", "1")));
      await turn();
      all.push(track("c", b.create("/s/c", "1")));
      await turn();
      assert.equal(b.stats().transactions - s0.transactions, 3);
      assert.equal(wal.held.length, 1, "one sync in flight at a time");
      wal.release();
      await turn();
      assert.deepEqual(settled, ["a"]);
      assert.equal(wal.held.length, 1, "the next sync covers b and c");
      wal.release();
      await Promise.all(all);
      assert.deepEqual(settled, ["a", "b", "c"]);
      assert.equal(b.stats().syncs - s0.syncs, 2);
    } finally {
      await b.close();
    }
  });

  test("a failed WAL sync fails its writes and every later one", async () => {
    const wal = new HeldSync();
    const b = await open(dbPath(), { walSync: wal.sync });
    try {
      const write = b.create("/f/a", "1");
      await turn();
      wal.release(new Error("EIO: simulated"));
      await assert.rejects(write, { code: "Unavailable" });
      await assert.rejects(b.create("/f/b", "1"), { code: "Unavailable" });
    } finally {
      await b.close();
    }
  });
});
