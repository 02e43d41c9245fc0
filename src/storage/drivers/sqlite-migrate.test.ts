import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import Database from "better-sqlite3";
import { PAGE_SIZE, SCHEMA_VERSION } from "./sqlite-schema.ts";
import { SqliteBackend } from "./sqlite.ts";

const root = mkdtempSync(join(tmpdir(), "k8ts-sqlite-migrate-"));
after(() => rmSync(root, { recursive: true, force: true }));

/** The layout builds before session 12 wrote: the log, and a `current` table of live keys. */
const OLD_SCHEMA = `
CREATE TABLE kv (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  create_revision INTEGER NOT NULL,
  prev_revision INTEGER NOT NULL,
  deleted INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  value TEXT NOT NULL
);
CREATE INDEX kv_name_id ON kv (name, id);
CREATE INDEX kv_expiring ON kv (expires_at) WHERE expires_at > 0;
CREATE TABLE current (name TEXT PRIMARY KEY, id INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE meta (k TEXT PRIMARY KEY, v INTEGER NOT NULL) WITHOUT ROWID;
`;

const T0 = 1_700_000_000_000;

/**
 * An old-layout datastore: /r/a written twice, /r/b created then deleted,
 * /r/c with a TTL ending at T0 + 5 s, /s/d outside the prefix.
 */
function writeOldDatastore(path: string): void {
  const db = new Database(path);
  db.pragma("page_size = 4096");
  db.pragma("journal_mode = WAL");
  db.exec(OLD_SCHEMA);
  const kv = db.prepare(
    "INSERT INTO kv (id, name, create_revision, prev_revision, deleted, expires_at, value) VALUES (?, ?, ?, ?, ?, ?, ?)",
  );
  const cur = db.prepare(
    "INSERT INTO current (name, id) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET id = excluded.id",
  );
  db.transaction(() => {
    kv.run(1, "/r/a", 1, 0, 0, 0, "a1");
    cur.run("/r/a", 1);
    kv.run(2, "/r/b", 2, 0, 0, 0, "b1");
    cur.run("/r/b", 2);
    kv.run(3, "/r/a", 1, 1, 0, 0, "a2");
    cur.run("/r/a", 3);
    kv.run(4, "/r/b", 2, 2, 1, 0, "");
    db.prepare("DELETE FROM current WHERE name = ?").run("/r/b");
    kv.run(5, "/r/c", 5, 0, 0, T0 + 5000, "c1");
    cur.run("/r/c", 5);
    kv.run(6, "/s/d", 6, 0, 0, 0, "d1");
    cur.run("/s/d", 6);
  })();
  db.close();
}

test("a datastore written with the `current` table opens with its data, and becomes a view of the log", async () => {
  const path = join(root, "old.db");
  writeOldDatastore(path);
  const clock = { t: T0, now: () => clock.t };
  const open = async () => {
    const b = new SqliteBackend({ path, clock, ttlCheckIntervalMs: 0, compactIntervalMs: 0 });
    await b.start();
    return b;
  };
  let b = await open();
  try {
    assert.equal(await b.currentRevision(), 6);
    assert.equal((await b.get("/r/a")).kv?.value, "a2");
    assert.equal((await b.get("/r/b")).kv, undefined);
    assert.equal((await b.get("/r/b", { revision: 3 })).kv?.value, "b1");
    const listed = await b.list("/r/");
    assert.deepEqual(
      listed.kvs.map((kv) => [kv.key, kv.value, kv.createRevision, kv.modRevision]),
      [
        ["/r/a", "a2", 1, 3],
        ["/r/c", "c1", 5, 5],
      ],
    );
    assert.equal((await b.count("/r/")).count, 2);
    const page = await b.list("/r/", { limit: 1, countRemaining: true });
    assert.deepEqual([page.kvs[0].key, page.more, page.remaining], ["/r/a", true, 1]);
    // Not asked, the rest is not counted (a paged load would walk it once per page).
    assert.equal((await b.list("/r/", { limit: 1 })).remaining, undefined);
    // New writes build on the migrated log: the CAS sees /r/a at revision 3.
    const a3 = await b.update("/r/a", "a3", 3);
    assert.equal(a3.modRevision, 7);
    await assert.rejects(b.create("/r/a", "again"), /already exists/);
    assert.equal((await b.create("/r/b", "b2")).createRevision, 8);
    // The TTL of /r/c came back from the log.
    clock.t = T0 + 5000;
    assert.equal(await b.expireDue(), 1);
    assert.equal((await b.get("/r/c")).kv, undefined);
  } finally {
    await b.close();
  }
  const db = new Database(path, { readonly: true });
  try {
    const current = db.prepare("SELECT type FROM sqlite_master WHERE name = 'current'").get();
    assert.deepEqual(current, { type: "view" });
    const version = db.prepare("SELECT v FROM meta WHERE k = 'schema_version'").get();
    assert.deepEqual(version, { v: SCHEMA_VERSION });
    assertNameIndex(db);
    // The page size stays the one it was written with (a new datastore's differs).
    assert.equal(db.pragma("page_size", { simple: true }), 4096);
    assert.deepEqual(db.prepare("SELECT name, id FROM current ORDER BY name").all(), [
      { name: "/r/a", id: 7 },
      { name: "/r/b", id: 8 },
      { name: "/s/d", id: 6 },
    ]);
  } finally {
    db.close();
  }
  // Opening again leaves the view as it is; an older build's write to `current` fails.
  b = await open();
  try {
    assert.equal((await b.get("/r/b")).kv?.value, "b2");
  } finally {
    await b.close();
  }
  const old = new Database(path);
  try {
    assert.throws(() => old.prepare("INSERT INTO current (name, id) VALUES ('/x', 1)").run());
  } finally {
    old.close();
  }
});

/** Layout 3: kvn holds every log row's (name, id); kv_name_id is gone. */
function assertNameIndex(db: Database.Database): void {
  const pairs = (sql: string) => db.prepare(sql).all();
  assert.deepEqual(
    pairs("SELECT name, id FROM kvn ORDER BY name, id"),
    pairs("SELECT name, id FROM kv ORDER BY name, id"),
  );
  assert.equal(
    db.prepare("SELECT 1 FROM sqlite_master WHERE name = 'kv_name_id'").get(),
    undefined,
  );
  const upto = db.prepare("SELECT v FROM meta WHERE k = 'indexed_upto'").get() as { v: number };
  assert.equal(upto.v, (db.prepare("SELECT max(id) AS m FROM kv").get() as { m: number }).m);
}

/** Layout 2 (sessions 12-15): the log indexed by kv_name_id, `current` a view. */
const LAYOUT_2_SCHEMA = `
CREATE TABLE kv (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  create_revision INTEGER NOT NULL,
  prev_revision INTEGER NOT NULL,
  deleted INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  value TEXT NOT NULL
);
CREATE INDEX kv_name_id ON kv (name, id);
CREATE INDEX kv_expiring ON kv (expires_at) WHERE expires_at > 0;
CREATE INDEX kv_tombstones ON kv (name, id) WHERE deleted = 1;
CREATE TABLE meta (k TEXT PRIMARY KEY, v INTEGER NOT NULL) WITHOUT ROWID;
CREATE VIEW current AS
  SELECT name, id FROM (SELECT name, max(id) AS id, deleted FROM kv GROUP BY name)
  WHERE deleted = 0;
INSERT INTO meta (k, v) VALUES ('schema_version', 2);
`;

/**
 * A layout-2 datastore of 300 writes over 60 keys (creates, updates, deletes,
 * re-creates, in a scrambled key order), compacted at revision 100 with the
 * superseded rows below it deleted. Returns every write, for a model.
 */
function writeLayout2Datastore(path: string): { key: string; value?: string; rev: number }[] {
  const db = new Database(path);
  db.pragma("page_size = 8192");
  db.pragma("journal_mode = WAL");
  db.exec(LAYOUT_2_SCHEMA);
  const ins = db.prepare(
    "INSERT INTO kv (id, name, create_revision, prev_revision, deleted, expires_at, value) VALUES (?, ?, ?, ?, ?, ?, ?)",
  );
  const live = new Map<string, { create: number; rev: number }>();
  const writes: { key: string; value?: string; rev: number }[] = [];
  db.transaction(() => {
    for (let rev = 1; rev <= 300; rev++) {
      const key = `/r/k${String((rev * 37) % 60).padStart(2, "0")}`;
      const prev = live.get(key);
      if (prev && rev % 5 === 0) {
        ins.run(rev, key, prev.create, prev.rev, 1, 0, "");
        live.delete(key);
        writes.push({ key, rev });
      } else {
        const value = `${key}#${rev}`;
        ins.run(rev, key, prev ? prev.create : rev, prev ? prev.rev : 0, 0, 0, value);
        live.set(key, { create: prev ? prev.create : rev, rev });
        writes.push({ key, value, rev });
      }
    }
    ins.run(301, "/s/other", 301, 0, 0, 0, "o");
    // Compaction at 100: superseded rows whose successor is at or below 100 go, and tombstones.
    db.exec(
      "DELETE FROM kv WHERE id IN (SELECT prev_revision FROM kv WHERE id <= 100 AND prev_revision > 0)" +
        " OR (deleted = 1 AND id <= 100)",
    );
    db.exec("INSERT INTO meta (k, v) VALUES ('compact_rev', 100), ('compact_cursor', 100)");
  })();
  db.close();
  return writes;
}

test("a layout-2 datastore migrates to layout 3: reads at every revision, pages and counts unchanged", async () => {
  const path = join(root, "layout2.db");
  const writes = writeLayout2Datastore(path);
  const stateAt = (rev: number) => {
    const state = new Map<string, string>();
    for (const w of writes) {
      if (w.rev > rev) break;
      if (w.value === undefined) state.delete(w.key);
      else state.set(w.key, w.value);
    }
    return [...state].sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, v]) => `${k}=${v}`);
  };
  const b = new SqliteBackend({ path, ttlCheckIntervalMs: 0, compactIntervalMs: 0 });
  await b.start();
  try {
    assert.equal(await b.currentRevision(), 301);
    assert.equal(await b.compactedRevision(), 100);
    for (const rev of [100, 101, 173, 250, 300, 301]) {
      const listed = await b.list("/r/", { revision: rev });
      assert.deepEqual(
        listed.kvs.map((kv) => `${kv.key}=${kv.value}`),
        stateAt(rev),
        `list at ${rev}`,
      );
      // Pages of 7 with continuation keys give the same list.
      const paged: string[] = [];
      let after: string | undefined;
      for (;;) {
        const page = await b.list("/r/", { revision: rev, limit: 7, after, countRemaining: true });
        paged.push(...page.kvs.map((kv) => `${kv.key}=${kv.value}`));
        if (!page.more) break;
        assert.equal(page.remaining, stateAt(rev).length - paged.length, `remaining at ${rev}`);
        after = page.kvs[page.kvs.length - 1].key;
      }
      assert.deepEqual(paged, stateAt(rev), `pages at ${rev}`);
      for (const key of ["/r/k00", "/r/k17", "/r/k59"]) {
        const want = stateAt(rev).find((e) => e.startsWith(`${key}=`));
        const got = (await b.get(key, { revision: rev })).kv;
        assert.equal(got && `${got.key}=${got.value}`, want, `${key} at ${rev}`);
      }
    }
    assert.equal((await b.count("/r/")).count, stateAt(301).length);
    await assert.rejects(b.get("/r/k00", { revision: 99 }), /compacted/);
    // Writes continue from the log: revision 302, the CAS sees the migrated rows.
    const k01 = (await b.get("/r/k01")).kv!;
    assert.equal((await b.update("/r/k01", "new", k01.modRevision)).modRevision, 302);
    await assert.rejects(b.update("/r/k01", "stale", k01.modRevision), /modified/);
  } finally {
    await b.close();
  }
  const db = new Database(path, { readonly: true });
  try {
    assert.deepEqual(db.prepare("SELECT v FROM meta WHERE k = 'schema_version'").get(), {
      v: SCHEMA_VERSION,
    });
    assertNameIndex(db);
  } finally {
    db.close();
  }
});

test("a layout-3 datastore a layout-1 build opened and compacted gets its name index rebuilt", async () => {
  const path = join(root, "index-back.db");
  const seed = new SqliteBackend({ path, ttlCheckIntervalMs: 0, compactIntervalMs: 0 });
  await seed.start();
  const a1 = await seed.create("/r/a", "a1");
  await seed.update("/r/a", "a2", a1.modRevision);
  await seed.create("/r/b", "b1");
  await seed.delete("/r/b");
  await seed.close();
  // What such a build does: its schema adds kv_name_id back, its compaction
  // (to 4) removes log rows only (a1, b1, b's tombstone); its writes fail.
  const db = new Database(path);
  db.exec(`CREATE INDEX kv_name_id ON kv (name, id); DELETE FROM kv WHERE id IN (1, 3, 4);
    INSERT OR REPLACE INTO meta (k, v) VALUES ('compact_rev', 4), ('compact_cursor', 4)`);
  db.close();
  const b = new SqliteBackend({ path, ttlCheckIntervalMs: 0, compactIntervalMs: 0 });
  await b.start();
  try {
    const page = await b.list("/r/", { limit: 1, countRemaining: true });
    assert.deepEqual(
      [page.kvs.map((kv) => `${kv.key}=${kv.value}`), page.more],
      [["/r/a=a2"], false],
    );
    assert.equal((await b.count("/r/")).count, 1);
    await b.create("/r/c", "c1");
    assert.equal((await b.count("/r/")).count, 2);
  } finally {
    await b.close();
  }
  const check = new Database(path, { readonly: true });
  try {
    assertNameIndex(check);
  } finally {
    check.close();
  }
});

/** Starting a backend on `path` fails with the newer-layout message (layout SCHEMA_VERSION + 1). */
async function startRefusedAsNewer(path: string): Promise<void> {
  const b = new SqliteBackend({ path, ttlCheckIntervalMs: 0, compactIntervalMs: 0 });
  const newer = `written by a newer k8ts (storage layout ${SCHEMA_VERSION + 1})`;
  await assert.rejects(b.start(), (err: Error) => err.message.includes(newer));
  await b.close().catch(() => undefined);
}

test("a datastore of a newer layout is refused with a message that says so, and left unchanged", async () => {
  const path = join(root, "newer.db");
  const seed = new SqliteBackend({ path, ttlCheckIntervalMs: 0, compactIntervalMs: 0 });
  await seed.start();
  await seed.create("/r/a", "a1");
  await seed.close();
  const db = new Database(path);
  db.prepare("UPDATE meta SET v = ? WHERE k = 'schema_version'").run(SCHEMA_VERSION + 1);
  db.close();
  await startRefusedAsNewer(path);
  const check = new Database(path, { readonly: true });
  try {
    assert.deepEqual(check.prepare("SELECT v FROM meta WHERE k = 'schema_version'").get(), {
      v: SCHEMA_VERSION + 1,
    });
    assert.equal((check.prepare("SELECT count(*) AS n FROM kv").get() as { n: number }).n, 1);
  } finally {
    check.close();
  }
});

test("a newer layout is refused before any schema statement: no SQL error, nothing added", async () => {
  // A made-up layout SCHEMA_VERSION + 1 whose log has no `deleted` column and no indexes.
  const path = join(root, "newer-shape.db");
  const db = new Database(path);
  db.exec(`CREATE TABLE kv (id INTEGER PRIMARY KEY, name TEXT NOT NULL, value TEXT NOT NULL);
    CREATE TABLE meta (k TEXT PRIMARY KEY, v INTEGER NOT NULL) WITHOUT ROWID;`);
  db.prepare("INSERT INTO meta (k, v) VALUES ('schema_version', ?)").run(SCHEMA_VERSION + 1);
  const before = db.prepare("SELECT type, name FROM sqlite_master ORDER BY name").all();
  db.close();
  await startRefusedAsNewer(path);
  const check = new Database(path, { readonly: true });
  try {
    assert.deepEqual(
      check.prepare("SELECT type, name FROM sqlite_master ORDER BY name").all(),
      before,
    );
  } finally {
    check.close();
  }
});

test("a new datastore is written with PAGE_SIZE pages", async () => {
  assert.notEqual(PAGE_SIZE, 4096);
  const path = join(root, "new.db");
  const b = new SqliteBackend({ path, ttlCheckIntervalMs: 0, compactIntervalMs: 0 });
  await b.start();
  try {
    await b.create("/r/a", "a".repeat(3000));
    assert.equal((await b.get("/r/a")).kv?.value.length, 3000);
  } finally {
    await b.close();
  }
  const db = new Database(path, { readonly: true });
  try {
    assert.equal(db.pragma("page_size", { simple: true }), PAGE_SIZE);
  } finally {
    db.close();
  }
});
