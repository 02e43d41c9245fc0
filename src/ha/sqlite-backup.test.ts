import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import Database from "better-sqlite3";
import { SCHEMA_VERSION } from "../storage/drivers/sqlite-schema.ts";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SqliteBackend } from "../storage/drivers/sqlite.ts";
import { backupDatastore, checkBackup, restoreDatastore } from "./sqlite-backup.ts";

test("online backup of a live datastore restores exactly the objects present at backup time", async () => {
  const dir = await mkdtemp(join(tmpdir(), "k8ts-sqlite-backup-"));
  const live = join(dir, "live", "state.db");
  const backend = new SqliteBackend({ path: live });
  try {
    await backend.start();
    for (let i = 0; i < 50; i++)
      await backend.create(`/registry/configmaps/default/cm${i}`, `{"i":${i}}`);
    const seen: [number, number | undefined][] = [];
    const { pages } = await backupDatastore(live, join(dir, "b.db"), (d, t) => seen.push([d, t]));
    assert.ok(pages > 0);
    assert.deepEqual(seen.at(-1), [pages, pages]);
    // Writes after the backup must not be in it.
    await backend.create("/registry/configmaps/default/late", "{}");
    await backend.delete("/registry/configmaps/default/cm0");
    assert.equal(checkBackup(join(dir, "b.db")).keys, 50);
    await backend.close();

    const { keys, kept } = await restoreDatastore({
      file: join(dir, "b.db"),
      target: live,
      now: 0,
    });
    assert.equal(keys, 50);
    assert.ok(kept && existsSync(kept));
    const restored = new SqliteBackend({ path: live });
    await restored.start();
    try {
      const list = await restored.list("/registry/configmaps/default/");
      assert.equal(list.kvs.length, 50);
      assert.equal((await restored.get("/registry/configmaps/default/late")).kv, undefined);
      assert.equal((await restored.get("/registry/configmaps/default/cm0")).kv?.value, '{"i":0}');
    } finally {
      await restored.close();
    }
  } finally {
    await backend.close().catch(() => {});
    await rm(dir, { recursive: true, force: true });
  }
});

test("restore refuses files that are not k8ts datastores", async () => {
  const dir = await mkdtemp(join(tmpdir(), "k8ts-sqlite-backup-"));
  try {
    await writeFile(join(dir, "junk.db"), "not a database at all, just text".repeat(100));
    const cases = [join(dir, "junk.db"), join(dir, "missing.db")];
    for (const file of cases)
      await assert.rejects(
        restoreDatastore({ file, target: join(dir, "t.db"), now: 0 }),
        /backup/i,
      );
    assert.equal(existsSync(join(dir, "t.db")), false);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test("a backup of a newer storage layout is refused by the check, before a restore", async () => {
  const dir = await mkdtemp(join(tmpdir(), "k8ts-sqlite-backup-"));
  try {
    const live = join(dir, "state.db");
    const backend = new SqliteBackend({ path: live });
    await backend.start();
    await backend.create("/registry/configmaps/default/a", "{}");
    await backend.close();
    const db = new Database(live);
    db.prepare("UPDATE meta SET v = ? WHERE k = 'schema_version'").run(SCHEMA_VERSION + 1);
    db.close();
    assert.throws(
      () => checkBackup(live),
      (err: Error) => err.message.includes(`storage layout ${SCHEMA_VERSION + 1}`),
    );
    const target = join(dir, "target.db");
    await assert.rejects(restoreDatastore({ file: live, target, now: 0 }));
    assert.equal(existsSync(target), false);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test("a backup taken between two fills of the name index restores every key", async () => {
  const dir = await mkdtemp(join(tmpdir(), "k8ts-sqlite-backup-"));
  const live = join(dir, "live", "state.db");
  const backend = new SqliteBackend({ path: live, compactIntervalMs: 0, ttlCheckIntervalMs: 0 });
  try {
    await backend.start();
    // 31 transactions: the writer filled kvn after the 25th; the last 6 rows are not in it.
    for (let i = 0; i < 30; i++)
      await backend.create(`/registry/configmaps/default/cm${i}`, `${i}`);
    await backend.delete("/registry/configmaps/default/cm27");
    const file = join(dir, "b.db");
    await backupDatastore(live, file);
    await backend.close();
    const snap = new Database(file, { readonly: true });
    try {
      const upto = snap.prepare("SELECT v FROM meta WHERE k = 'indexed_upto'").get();
      assert.deepEqual(upto, { v: 25 });
      assert.equal((snap.prepare("SELECT max(id) AS m FROM kv").get() as { m: number }).m, 31);
    } finally {
      snap.close();
    }
    assert.equal(checkBackup(file).keys, 29);
    await restoreDatastore({ file, target: live, now: 0 });
    const restored = new SqliteBackend({ path: live, compactIntervalMs: 0, ttlCheckIntervalMs: 0 });
    await restored.start();
    try {
      const keys = (await restored.list("/registry/configmaps/default/")).kvs.map((kv) => kv.value);
      assert.deepEqual(
        keys.map(Number).sort((a, b) => a - b),
        [...Array(30).keys()].filter((i) => i !== 27),
      );
      assert.equal((await restored.count("/registry/configmaps/")).count, 29);
      assert.equal((await restored.get("/registry/configmaps/default/cm29")).kv?.value, "29");
    } finally {
      await restored.close();
    }
  } finally {
    await backend.close().catch(() => {});
    await rm(dir, { recursive: true, force: true });
  }
});
