import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { after, test } from "node:test";
import Database from "better-sqlite3";
import { isStorageError } from "../errors.ts";
import { SqliteBackend, type SqliteBackendOptions } from "./sqlite.ts";

/**
 * The deferred name index (kvn, see SCHEMA_SQL): rows the writer committed
 * since its last fill are not in kvn yet, and every read must still see them;
 * a crash, a failed transaction or a compaction must leave kvn holding
 * exactly the log's rows.
 */

const root = mkdtempSync(join(tmpdir(), "k8ts-sqlite-kvn-"));
after(() => rmSync(root, { recursive: true, force: true }));

const quiet: Omit<SqliteBackendOptions, "path"> = { compactIntervalMs: 0, ttlCheckIntervalMs: 0 };

/** The index's state, through a connection of its own (WAL: it sees every commit). */
function indexState(path: string) {
  const db = new Database(path, { readonly: true });
  try {
    const pairs = (sql: string) =>
      (db.prepare(sql).all() as { name: string; id: number }[]).map((r) => `${r.name}@${r.id}`);
    const upto = db.prepare("SELECT v FROM meta WHERE k = 'indexed_upto'").get() as
      { v: number } | undefined;
    return {
      kv: pairs("SELECT name, id FROM kv ORDER BY name, id"),
      kvn: pairs("SELECT name, id FROM kvn ORDER BY name, id"),
      indexedUpto: upto?.v ?? 0,
      maxId: (db.prepare("SELECT coalesce(max(id), 0) AS m FROM kv").get() as { m: number }).m,
    };
  } finally {
    db.close();
  }
}

/** kvn holds exactly the log's (name, id) pairs, and says so. */
function assertIndexed(path: string): void {
  const s = indexState(path);
  assert.deepEqual(s.kvn, s.kv);
  assert.equal(s.indexedUpto, s.maxId);
}

test("writes not yet in the name index are seen by gets, CAS checks, lists and counts", async () => {
  const path = join(root, "pending.db");
  // One cached entry: gets and CAS checks go to the database.
  const b = new SqliteBackend({ path, ...quiet, liveCache: { maxEntries: 1 } });
  await b.start();
  try {
    const a1 = await b.create("/p/a", "a1");
    const c1 = await b.create("/p/c", "c1");
    const a2 = await b.update("/p/a", "a2", a1.modRevision);
    await b.create("/p/b", "b1");
    const gone = await b.delete("/p/c");
    await b.create("/q/z", "z1");
    // Six transactions: none of them is in kvn yet.
    const s = indexState(path);
    assert.equal(s.kv.length, 6);
    assert.deepEqual(s.kvn, []);
    // A range without pending keys is read without a fill.
    assert.deepEqual((await b.list("/o/")).kvs, []);
    assert.equal((await b.count("/pa")).count, 0);
    assert.deepEqual(indexState(path).kvn, []);

    assert.equal((await b.get("/p/a")).kv?.value, "a2");
    assert.equal((await b.get("/p/c")).kv, undefined);
    assert.equal((await b.get("/p/c", { revision: c1.modRevision })).kv?.value, "c1");
    await assert.rejects(b.update("/p/a", "x", a1.modRevision), (e) =>
      isStorageError(e, "Conflict"),
    );
    await assert.rejects(b.create("/p/b", "x"), (e) => isStorageError(e, "KeyExists"));
    await assert.rejects(b.delete("/p/c"), (e) => isStorageError(e, "KeyNotFound"));
    const c2 = await b.create("/p/c", "c2");
    assert.equal(c2.createRevision, c2.modRevision);
    assert.ok(c2.modRevision > gone.revision);
    assert.equal((await b.update("/p/a", "a3", a2.modRevision)).value, "a3");

    const listed = await b.list("/p/");
    assert.deepEqual(
      listed.kvs.map((kv) => `${kv.key}=${kv.value}`),
      ["/p/a=a3", "/p/b=b1", "/p/c=c2"],
    );
    // The list filled kvn first (every pending row, /q/z's too; the get at a revision did too).
    assertIndexed(path);
    await b.create("/p/d", "d1");
    assert.equal((await b.count("/p/")).count, 4);
    const page = await b.list("/p/", { limit: 2, countRemaining: true });
    assert.deepEqual([page.kvs.map((kv) => kv.key), page.remaining], [["/p/a", "/p/b"], 2]);
    const rest = await b.list("/p/", { after: "/p/b" });
    assert.deepEqual(
      rest.kvs.map((kv) => kv.key),
      ["/p/c", "/p/d"],
    );
  } finally {
    await b.close();
  }
  // Close fills kvn.
  assertIndexed(path);
});

test("the writer fills the name index every few transactions, in one transaction of its own", async () => {
  const path = join(root, "periodic.db");
  const b = new SqliteBackend({ path, ...quiet });
  await b.start();
  try {
    for (let i = 0; i < 60; i++) await b.create(`/f/k${String(i).padStart(2, "0")}`, `${i}`);
    const s = indexState(path);
    assert.equal(s.kv.length, 60);
    // Filled at least twice (every 25 transactions), and exactly up to a commit.
    assert.ok(s.kvn.length >= 50 && s.kvn.length < 60, `kvn holds ${s.kvn.length}`);
    assert.equal(s.indexedUpto, s.kvn.length);
    assert.deepEqual(s.kvn, s.kv.slice(0, s.kvn.length));
  } finally {
    await b.close();
  }
  assertIndexed(path);
});

test("a crash between commits and the index fill loses nothing: open indexes the rest", async () => {
  const path = join(root, "crash.db");
  const seed = new SqliteBackend({ path, ...quiet });
  await seed.start();
  await seed.create("/c/seed", "s");
  await seed.close();
  // A child writes ten keys, one transaction each, says so, and is killed.
  const code = `
    import { SqliteBackend } from ${JSON.stringify(join(import.meta.dirname, "sqlite.ts"))};
    const b = new SqliteBackend({ path: ${JSON.stringify(path)}, compactIntervalMs: 0, ttlCheckIntervalMs: 0 });
    await b.start();
    for (let i = 0; i < 10; i++) await b.create("/c/k" + i, "v" + i);
    await b.update("/c/seed", "s2", 1);
    await b.delete("/c/k3");
    process.stdout.write("written\\n");
    setInterval(() => {}, 1000);
  `;
  const child = spawn(process.execPath, ["--import", "tsx", "--input-type=module", "-e", code], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stderr = "";
  child.stderr.on("data", (d) => (stderr += d));
  const exited = new Promise((resolve) => child.on("exit", (c, signal) => resolve(signal ?? c)));
  try {
    let written = false;
    for await (const line of createInterface({ input: child.stdout })) {
      if (line === "written") {
        written = true;
        break;
      }
    }
    assert.ok(written, `the writer ended early: ${stderr}`);
  } finally {
    child.kill("SIGKILL");
  }
  assert.equal(await exited, "SIGKILL");
  const before = indexState(path);
  assert.equal(before.maxId, 13);
  assert.equal(before.indexedUpto, 1, "the child's writes were never indexed");

  const b = new SqliteBackend({ path, ...quiet });
  await b.start();
  try {
    assertIndexed(path);
    const listed = await b.list("/c/");
    assert.deepEqual(
      listed.kvs.map((kv) => `${kv.key}=${kv.value}@${kv.modRevision}`),
      [0, 1, 2, 4, 5, 6, 7, 8, 9].map((i) => `/c/k${i}=v${i}@${i + 2}`).concat(["/c/seed=s2@12"]),
    );
    assert.equal((await b.get("/c/k3", { revision: 5 })).kv?.value, "v3");
    assert.equal((await b.create("/c/after", "x")).modRevision, 14);
  } finally {
    await b.close();
  }
});

test("a failed transaction drops its rows from the pending index; earlier ones stay", async () => {
  const path = join(root, "rollback.db");
  const b = new SqliteBackend({ path, ...quiet, liveCache: { maxEntries: 1 } });
  await b.start();
  try {
    const a1 = await b.create("/r/a", "a1");
    await b.create("/r/b", "b1");
    // Another connection makes SQLite fail any transaction that writes "boom".
    const other = new Database(path);
    other.exec(
      "CREATE TRIGGER boom BEFORE INSERT ON kv WHEN NEW.value = 'boom'" +
        " BEGIN SELECT RAISE(ABORT, 'boom refused'); END",
    );
    other.close();
    // One group commit: an update of a pending key, a new key, then the failing write.
    const batch = await Promise.allSettled([
      b.update("/r/a", "a2", a1.modRevision),
      b.create("/r/new", "n"),
      b.create("/r/x", "boom"),
    ]);
    assert.deepEqual(
      batch.map((s) => s.status),
      ["rejected", "rejected", "rejected"],
    );
    assert.equal((await b.get("/r/a")).kv?.value, "a1");
    assert.equal((await b.get("/r/new")).kv, undefined);
    // The rolled-back revisions are given again; the CAS sees a1.
    const a2 = await b.update("/r/a", "a2", a1.modRevision);
    assert.equal(a2.modRevision, 3);
    await b.create("/r/new", "n");
    assert.deepEqual(
      (await b.list("/r/")).kvs.map((kv) => `${kv.key}=${kv.value}@${kv.modRevision}`),
      ["/r/a=a2@3", "/r/b=b1@2", "/r/new=n@4"],
    );
  } finally {
    await b.close();
  }
  assertIndexed(path);
});

test("compacting rows not yet indexed removes them from the log and the index alike", async () => {
  const path = join(root, "compact.db");
  const b = new SqliteBackend({ path, ...quiet });
  await b.start();
  try {
    let kv = await b.create("/k/hot", "0");
    for (let i = 1; i <= 30; i++) kv = await b.update("/k/hot", `${i}`, kv.modRevision);
    await b.create("/k/gone", "g");
    await b.delete("/k/gone");
    await b.create("/k/kept", "k");
    const s = indexState(path);
    assert.ok(s.indexedUpto < s.maxId, "some rows are pending");
    await b.compact(s.maxId);
    await b.compactionIdle();
    assertIndexed(path);
    const after = indexState(path);
    assert.deepEqual(after.kv, [`/k/hot@31`, `/k/kept@34`]);
    assert.deepEqual(
      (await b.list("/k/")).kvs.map((x) => `${x.key}=${x.value}`),
      ["/k/hot=30", "/k/kept=k"],
    );
    assert.equal((await b.count("/k/")).count, 2);
  } finally {
    await b.close();
  }
});

test("a range read fills the name index only when a pending key can be in its range", async () => {
  const path = join(root, "pending-range.db");
  const b = new SqliteBackend({ path, ...quiet });
  await b.start();
  const pendingCount = () => {
    const s = indexState(path);
    return s.kv.length - s.kvn.length;
  };
  try {
    await b.create("/r/a/b/x", "1");
    await b.create("/r/a/b/y", "2");
    await b.create("/r/\u{1F600}/z", "3");
    assert.equal(pendingCount(), 3);
    // [range, fills?]: a range apart from every pending key's directory, no
    // fill; a pending key in range, a fill. (A range that cuts a pending
    // key's directory without holding the key may fill too: not listed.)
    const cases: Array<[string, { after?: string }, boolean]> = [
      ["/r/a/c/", {}, false],
      ["/r/a/b0", {}, false],
      ["/r/a/bb/", {}, false],
      ["/r/a/", { after: "/r/a/b0" }, false],
      ["/r/\uffff/", {}, false],
      ["/r/a/b/y", {}, true],
      ["/r/a/", { after: "/r/a/b/x" }, true],
      ["/r/\u{1F600}/", {}, true],
      ["/r/", {}, true],
    ];
    for (const [prefix, opts, fills] of cases) {
      const before = pendingCount();
      const got = (await b.list(prefix, opts)).kvs.map((kv) => kv.key);
      const expected = ["/r/a/b/x", "/r/a/b/y", "/r/\u{1F600}/z"].filter(
        (k) => k.startsWith(prefix) && (opts.after === undefined || k > opts.after),
      );
      assert.deepEqual(got, expected, `${prefix} ${JSON.stringify(opts)}`);
      if (!fills) {
        assert.equal(pendingCount(), before, `${prefix} ${JSON.stringify(opts)}: no fill`);
        continue;
      }
      assert.equal(pendingCount(), 0, `${prefix} ${JSON.stringify(opts)}: filled`);
      assertIndexed(path);
      // Pending again for the next case.
      for (const k of ["/r/a/b/x", "/r/a/b/y", "/r/\u{1F600}/z"]) {
        const cur = (await b.get(k)).kv!;
        await b.update(k, cur.value, cur.modRevision);
      }
      assert.equal(pendingCount(), 3);
    }
  } finally {
    await b.close();
  }
});

test("a read whose index fill fails answers Unavailable and sees every row once a fill succeeds", async () => {
  const path = join(root, "fill-fails.db");
  const b = new SqliteBackend({ path, ...quiet });
  await b.start();
  try {
    await b.create("/f/a", "a1");
    // A full disk, as far as kvn is concerned: a second connection's trigger refuses its inserts.
    const other = new Database(path);
    other.exec(
      "CREATE TRIGGER kvn_full BEFORE INSERT ON kvn BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END",
    );
    try {
      const b1 = await b.create("/f/b", "b1");
      await b.update("/f/b", "b2", b1.modRevision);
      for (const read of [
        () => b.list("/f/"),
        () => b.count("/f/"),
        () => b.get("/f/b", { revision: b1.modRevision }),
      ]) {
        await assert.rejects(read(), (err: unknown) => {
          assert.ok(isStorageError(err, "Unavailable"), String(err));
          assert.match(String(err), /name index: .*database or disk is full/);
          return true;
        });
      }
      assert.equal((await b.get("/f/b")).kv?.value, "b2");
    } finally {
      other.exec("DROP TRIGGER kvn_full");
      other.close();
    }
    assert.deepEqual(
      (await b.list("/f/")).kvs.map((kv) => kv.value),
      ["a1", "b2"],
    );
    assert.equal((await b.count("/f/")).count, 2);
  } finally {
    await b.close();
  }
  assertIndexed(path);
});
