/**
 * The SQLite driver's cache of hot keys' latest values: bounded, private
 * copies, and exact through same-transaction writes, conflicts, deletes
 * and a rolled-back transaction.
 */
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import Database from "better-sqlite3";
import { SqliteLiveCache } from "./sqlite-live-cache.ts";
import { SqliteBackend } from "./sqlite.ts";

const kv = (key: string, value: string, modRevision = 1) => ({
  key,
  value,
  createRevision: 1,
  modRevision,
});

test("bounded by entries and characters, oldest first; answers are copies", () => {
  const c = new SqliteLiveCache({ maxEntries: 3, maxChars: 160 });
  for (const k of ["a", "b", "c", "d"]) c.set(kv(k, "x"));
  assert.equal(c.size, 3);
  assert.equal(c.get("a"), undefined, "the oldest went");
  c.set(kv("b", "y", 2)); // rewritten: now the newest
  c.set(kv("e", "x"));
  assert.equal(c.get("c"), undefined);
  assert.equal(c.get("b")?.value, "y");
  c.set(kv("big", "z".repeat(11))); // over maxChars / 16: not kept
  assert.equal(c.get("big"), undefined);
  for (let i = 0; i < 20; i++) c.set(kv(`k${i}`, "v".repeat(9)));
  assert.ok(c.size * 9 <= 160);
  const got = c.get("k19")!;
  got.value = "changed";
  assert.equal(c.get("k19")?.value, "v".repeat(9), "a caller's change does not reach the cache");
  c.delete("k19");
  assert.equal(c.get("k19"), undefined);
  c.clear();
  assert.equal(c.size, 0);
});

test("an overflow evicts the oldest entries down to 15/16 of the bounds at once", () => {
  const c = new SqliteLiveCache({ maxEntries: 64, maxChars: 1 << 20 });
  for (let i = 0; i < 64; i++) c.set(kv(`k${i}`, "x"));
  assert.equal(c.size, 64);
  c.set(kv("k0", "y", 2)); // a rewrite moves k0 to the newest end, evicts nothing
  assert.equal(c.size, 64);
  c.set(kv("k64", "x"));
  assert.equal(c.size, 60);
  for (const gone of ["k1", "k2", "k3", "k4", "k5"]) assert.equal(c.get(gone), undefined, gone);
  for (const kept of ["k0", "k6", "k63", "k64"]) assert.ok(c.get(kept), kept);
  const byChars = new SqliteLiveCache({ maxEntries: 1000, maxChars: 1600 });
  for (let i = 0; i < 17; i++) byChars.set(kv(`c${i}`, "v".repeat(100)));
  assert.equal(byChars.size, 15, "1,700 characters over 1,600: down to 1,500");
  assert.equal(byChars.get("c1"), undefined);
  assert.ok(byChars.get("c2"));
});

test("latest reads stay exact through one-transaction writes, conflicts, deletes and a rollback", async () => {
  const dir = await mkdtemp(join(tmpdir(), "k8ts-live-cache-"));
  const path = join(dir, "db");
  const b = new SqliteBackend({ path, compactIntervalMs: 0, ttlCheckIntervalMs: 0 });
  await b.start();
  try {
    // One tick, one transaction: the update sees the create; a stale update conflicts.
    const next = (await b.currentRevision()) + 1;
    const [made, updated, stale] = await Promise.allSettled([
      b.create("/k/a", "1"),
      b.update("/k/a", "2", next),
      b.update("/k/a", "3", next),
    ]);
    assert.equal(made.status, "fulfilled");
    assert.equal(updated.status, "fulfilled");
    assert.equal(stale.status, "rejected");
    assert.deepEqual((await b.get("/k/a")).kv, {
      key: "/k/a",
      value: "2",
      createRevision: next,
      modRevision: next + 1,
    });
    // A transaction that fails (a trigger aborts its second write) is rolled back whole.
    const other = new Database(path);
    other.exec(
      "CREATE TRIGGER boom BEFORE INSERT ON kv WHEN NEW.value = 'boom' BEGIN SELECT RAISE(ABORT, 'boom'); END;",
    );
    other.close();
    const results = await Promise.allSettled([
      b.update("/k/a", "4", next + 1),
      b.create("/k/b", "boom"),
    ]);
    assert.deepEqual(
      results.map((r) => r.status),
      ["rejected", "rejected"],
    );
    assert.equal((await b.get("/k/a")).kv?.value, "2", "the rolled-back write is not read");
    assert.equal((await b.update("/k/a", "5", next + 1)).value, "5");
    await b.delete("/k/a");
    assert.equal((await b.get("/k/a")).kv, undefined);
  } finally {
    await b.close();
    await rm(dir, { recursive: true, force: true });
  }
});
