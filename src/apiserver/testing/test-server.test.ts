import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SqliteBackend } from "../../storage/drivers/sqlite.ts";
import { configMap, startTestServer } from "./test-server.ts";

test("a backend given to startTestServer is the server's storage and its t.backend, left open by close()", async () => {
  const dir = await mkdtemp(join(tmpdir(), "k8ts-test-server-"));
  const backend = new SqliteBackend({
    path: join(dir, "db"),
    compactIntervalMs: 0,
    ttlCheckIntervalMs: 0,
  });
  await backend.start();
  try {
    const t = await startTestServer({ backend });
    try {
      assert.equal(t.backend, backend);
      const made = await t.call(
        "POST",
        "/api/v1/namespaces/default/configmaps",
        configMap("given"),
      );
      assert.equal(made.status, 201, made.text);
      const kv = (await backend.get("/registry/configmaps/default/given")).kv;
      assert.equal(kv?.modRevision, Number(made.body.metadata.resourceVersion));
    } finally {
      await t.close();
    }
    // The caller's backend outlives the server.
    assert.ok((await backend.get("/registry/configmaps/default/given")).kv);
  } finally {
    await backend.close();
    await rm(dir, { recursive: true, force: true });
  }
});
