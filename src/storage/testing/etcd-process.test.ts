import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { test } from "node:test";
import { startEtcd } from "./etcd-process.ts";

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

test("startEtcd serves on loopback listeners; stop kills it and removes its data dir", async () => {
  const etcd = await startEtcd({ clientListeners: 2 });
  const { pid, dataDir } = etcd;
  try {
    assert.equal(etcd.endpoints.length, 2);
    for (const e of etcd.endpoints) {
      assert.match(e, /^http:\/\/127\.0\.0\.1:\d+$/);
      const res = await fetch(`${e}/health`);
      assert.equal(((await res.json()) as { health: string }).health, "true");
    }
    assert.ok(alive(pid));
    assert.ok(existsSync(dataDir));
  } finally {
    await etcd.stop();
    await etcd.stop();
  }
  assert.equal(alive(pid), false);
  assert.equal(existsSync(dataDir), false);
});

test("a failing etcd reports its log instead of hanging", async () => {
  await assert.rejects(startEtcd({ binary: "/nonexistent/etcd" }), /Cannot start etcd/);
});
