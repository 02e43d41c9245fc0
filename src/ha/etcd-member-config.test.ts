import assert from "node:assert/strict";
import { statSync } from "node:fs";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { createMemberConfig, etcdDir, loadMemberConfig } from "./etcd-member-config.ts";

test("member.json is replaced whole, never rewritten in place", async () => {
  const dataDir = await mkdtemp(join(tmpdir(), "k8ts-member-config-"));
  try {
    const file = join(etcdDir(dataDir), "member.json");
    const first = await createMemberConfig(dataDir, { name: "m1" });
    assert.deepEqual(await loadMemberConfig(dataDir), first);
    const before = statSync(file).ino;
    // A port re-choice: a new file renamed over the old one (a new inode), nothing left beside.
    const second = await createMemberConfig(dataDir, {
      name: "m1",
      avoidPorts: [first.clientPort],
    });
    assert.notEqual(statSync(file).ino, before);
    assert.deepEqual(await loadMemberConfig(dataDir), second);
    assert.deepEqual(await readdir(etcdDir(dataDir)), ["member.json"]);
    assert.equal(statSync(file).mode & 0o777, 0o600);
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
});
