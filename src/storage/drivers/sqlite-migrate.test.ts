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
