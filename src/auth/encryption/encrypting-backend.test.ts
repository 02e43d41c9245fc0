import { test } from "node:test";
import assert from "node:assert/strict";
import type { Backend } from "../../storage/backend.ts";
import { hasLatestRevision } from "../../storage/latest-revision.ts";
import { encryptingBackend } from "./encrypting-backend.ts";

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
