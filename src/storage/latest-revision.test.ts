import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import type { Backend } from "./backend.ts";
import { SqliteBackend } from "./drivers/sqlite.ts";
import { hasLatestRevision, readLatestRevision } from "./latest-revision.ts";

test("readLatestRevision is synchronous for sqlite and async otherwise", async () => {
  const dir = mkdtempSync(join(tmpdir(), "k8ts-latest-rev-"));
  const sqlite = new SqliteBackend({ path: join(dir, "s.db") });
  await sqlite.start();
  try {
    const kv = await sqlite.create("/a", "1");
    assert.ok(hasLatestRevision(sqlite));
    assert.equal(readLatestRevision(sqlite), kv.modRevision);
    const remote = { currentRevision: async () => 42 } as unknown as Backend;
    assert.equal(hasLatestRevision(remote), false);
    const r = readLatestRevision(remote);
    assert.ok(r instanceof Promise);
    assert.equal(await r, 42);
  } finally {
    await sqlite.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
