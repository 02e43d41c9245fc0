/**
 * SQLite backup round trip through the CLI on a running server: `k8ts
 * datastore backup` copies the live database online; objects written after
 * it are gone once the stopped server's database is replaced with `k8ts
 * datastore restore` and the server started again, and the objects present
 * at backup time are served. The server binds its own address
 * (127.0.0.7): its serving certificate must name it for kubectl to connect.
 */
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { k8ts, startHaServer, type HaServer } from "./ha-cluster.ts";

let root: string | undefined;
const servers: HaServer[] = [];

after(async () => {
  for (const s of servers) await s.kill("SIGTERM");
  if (root) await rm(root, { recursive: true, force: true });
});

test("k8ts datastore backup|restore: a restored server serves exactly the objects of the backup", async () => {
  root = await mkdtemp(join(tmpdir(), "k8ts-ha-datastore-"));
  const dataDir = join(root, "server");
  const backup = join(root, "backup.db");
  const at = { host: "127.0.0.7" };
  const first = await startHaServer("sqlite", dataDir, [], at);
  servers.push(first);
  for (const name of ["before-1", "before-2"]) {
    const r = await first.kubectl(["create", "configmap", name, "--from-literal=k=v"]);
    assert.equal(r.code, 0, r.stderr);
  }
  const saved = await k8ts(["datastore", "backup", backup, "--data-dir", dataDir]);
  assert.equal(saved.code, 0, saved.stderr);
  assert.match(saved.stdout, /saved at .*backup\.db \(\d+ pages\)/);
  const late = await first.kubectl(["create", "configmap", "after-backup"]);
  assert.equal(late.code, 0, late.stderr);
  const removed = await first.kubectl(["delete", "configmap", "before-2"]);
  assert.equal(removed.code, 0, removed.stderr);
  await first.kill("SIGTERM");

  const restored = await k8ts(["datastore", "restore", backup, "--data-dir", dataDir]);
  assert.equal(restored.code, 0, restored.stderr);
  assert.match(restored.stdout, /Restored .* \(\d+ keys\); previous database kept at /);
  const again = await startHaServer("sqlite", dataDir, [], at);
  servers.push(again);
  const list = await again.kubectl(["get", "configmaps", "-o", "name"]);
  assert.equal(list.code, 0, list.stderr);
  assert.match(list.stdout, /^configmap\/before-1$/m);
  assert.match(list.stdout, /^configmap\/before-2$/m);
  assert.doesNotMatch(list.stdout, /after-backup/);
  const v = await again.kubectl(["get", "configmap", "before-1", "-o", "jsonpath={.data.k}"]);
  assert.equal(v.stdout, "v");
  // etcd commands refuse a SQLite server with a pointer to the datastore commands.
  const snap = await k8ts(["etcd", "snapshot", "restore", backup, "--data-dir", dataDir]);
  assert.notEqual(snap.code, 0);
  assert.match(snap.stderr, /k8ts datastore restore/);
});
