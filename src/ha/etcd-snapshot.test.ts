/**
 * etcd snapshots against the system etcd: a snapshot saved through the
 * maintenance API restores into a managed member's data dir (old data kept
 * aside), and restoring into a server data dir without a managed member
 * (external etcd or SQLite) is refused with ExternalDatastoreError, leaving
 * the directory untouched.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Etcd3 } from "etcd3";
import { startEtcd, type EtcdProcess } from "../storage/testing/etcd-process.ts";
import { loadOrCreateMemberConfig } from "./etcd-member-config.ts";
import { ExternalDatastoreError, restoreSnapshot, saveSnapshot } from "./etcd-snapshot.ts";
import { etcdDataDir } from "./managed-etcd.ts";

let etcd: EtcdProcess;
let client: Etcd3;
let dir: string;
let snapshot: string;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), "k8ts-etcd-snapshot-"));
  etcd = await startEtcd();
  client = new Etcd3({ hosts: etcd.endpoints });
  for (let i = 0; i < 20; i++) await client.put(`/registry/configmaps/default/cm${i}`).value("{}");
  snapshot = join(dir, "s.db");
  const res = await saveSnapshot(client, snapshot);
  assert.ok(res.bytes > 0 && Number(res.revision) >= 20, JSON.stringify(res));
});

after(async () => {
  client?.close();
  await etcd?.stop();
  await rm(dir, { recursive: true, force: true });
});

test("restore into a server without a managed member is refused (external etcd, SQLite)", async () => {
  const cases = [
    { name: "external etcd server", files: ["tls/ca.crt"] },
    { name: "SQLite server", files: ["state.db"] },
    { name: "empty data dir", files: [] },
  ];
  for (const c of cases) {
    const dataDir = join(dir, c.name.replace(/\W/g, "-"));
    for (const f of c.files) {
      await mkdir(join(dataDir, f, ".."), { recursive: true });
      await writeFile(join(dataDir, f), "x");
    }
    await assert.rejects(
      restoreSnapshot({ file: snapshot, dataDir, now: 0 }),
      (err: unknown) =>
        err instanceof ExternalDatastoreError && /etcdutl snapshot restore/.test(err.message),
      c.name,
    );
    assert.equal(existsSync(join(dataDir, "etcd")), false, c.name);
  }
});

test("restore into a managed member's data dir keeps the old data aside", async () => {
  const dataDir = join(dir, "managed");
  await loadOrCreateMemberConfig(dataDir, { name: "m1", host: "127.0.0.1" });
  await mkdir(join(etcdDataDir(dataDir), "member"), { recursive: true });
  const kept = await restoreSnapshot({ file: snapshot, dataDir, now: Date.UTC(2026, 0, 1) });
  assert.ok(kept && existsSync(join(kept, "member")), String(kept));
  assert.ok((await readdir(join(etcdDataDir(dataDir), "member"))).includes("snap"));
  await assert.rejects(
    restoreSnapshot({ file: join(dir, "missing.db"), dataDir, now: 0 }),
    /no snapshot file/,
  );
});
