import { test } from "node:test";
import assert from "node:assert/strict";
import type { Backend } from "../../storage/backend.ts";
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
