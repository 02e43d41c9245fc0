import { test } from "node:test";
import assert from "node:assert/strict";
import type { Backend } from "../../storage/backend.ts";
import { hasLatestRevision } from "../../storage/latest-revision.ts";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SqliteBackend } from "../../storage/drivers/sqlite.ts";
import { encryptingBackend } from "./encrypting-backend.ts";
import { generatedEncryptionConfig, parseEncryptionConfig } from "./providers.ts";

test("watch progress methods pass through the encryption wrapper only when storage has them", async () => {
  const calls: string[] = [];
  const etcdLike = {
    requestWatchProgress: () => void calls.push("request"),
    watchProgressSupported: async () => (calls.push("supported"), true),
  } as unknown as Backend;
  const wrapped = encryptingBackend(etcdLike, []);
  wrapped.requestWatchProgress?.();
  assert.equal(await wrapped.watchProgressSupported?.(), true);
  assert.deepEqual(calls, ["request", "supported"]);

  const sqliteLike = {} as unknown as Backend;
  const plain = encryptingBackend(sqliteLike, []);
  assert.equal(plain.requestWatchProgress, undefined);
  assert.equal(plain.watchProgressSupported, undefined);
});

test("an in-process latest revision passes through the wrapper; none is invented for etcd", () => {
  let latest = 41;
  const sqliteLike = { latestRevision: () => latest } as unknown as Backend;
  const wrapped = encryptingBackend(sqliteLike, []);
  assert.ok(hasLatestRevision(wrapped));
  latest = 42;
  assert.equal(wrapped.latestRevision(), 42);
  assert.equal(hasLatestRevision(encryptingBackend({} as unknown as Backend, [])), false);
});

test("only keys under encrypted prefixes are wrapped: other reads, writes and watches reach storage untouched", async () => {
  const dir = await mkdtemp(join(tmpdir(), "k8ts-enc-test-"));
  const inner = new SqliteBackend({
    path: join(dir, "state.db"),
    compactIntervalMs: 0,
    ttlCheckIntervalMs: 0,
  });
  await inner.start();
  try {
    const config = parseEncryptionConfig(generatedEncryptionConfig());
    const wrapped = encryptingBackend(inner, config);
    const secretKey = "/registry/secrets/default/s";
    const cmKey = "/registry/configmaps/default/c";
    const secret = await wrapped.create(secretKey, '{"data":"secret"}');
    const cm = await wrapped.create(cmKey, '{"data":"plain"}');
    // Stored forms: the secret encrypted, the configmap as written.
    assert.notEqual((await inner.get(secretKey)).kv?.value, '{"data":"secret"}');
    assert.equal((await inner.get(cmKey)).kv?.value, '{"data":"plain"}');
    // Read back through the wrapper: both plain.
    assert.equal((await wrapped.get(secretKey)).kv?.value, '{"data":"secret"}');
    assert.equal((await wrapped.get(cmKey)).kv?.value, '{"data":"plain"}');
    const all = await wrapped.list("/registry/");
    assert.deepEqual(all.kvs.map((kv) => kv.value).sort(), [
      '{"data":"plain"}',
      '{"data":"secret"}',
    ]);
    // A configmap watch is storage's own watcher; a secrets watch decrypts.
    const rev = await wrapped.currentRevision();
    const cmWatch = wrapped.watch("/registry/configmaps/", { startRevision: rev + 1 });
    const secretWatch = wrapped.watch("/registry/secrets/", { startRevision: rev + 1 });
    await wrapped.update(cmKey, '{"data":"plain2"}', cm.modRevision);
    await wrapped.update(secretKey, '{"data":"secret2"}', secret.modRevision);
    const first = async (w: ReturnType<Backend["watch"]>) => {
      for await (const batch of w) return batch[0]!.kv.value;
      return undefined;
    };
    assert.equal(await first(cmWatch), '{"data":"plain2"}');
    assert.equal(await first(secretWatch), '{"data":"secret2"}');
    cmWatch.cancel();
    secretWatch.cancel();
  } finally {
    await inner.close();
    await rm(dir, { recursive: true, force: true });
  }
});
