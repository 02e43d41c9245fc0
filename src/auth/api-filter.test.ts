/**
 * storeGetter (the service-account authenticator's lookups): served from the
 * running watch cache once it has applied every write, from storage
 * otherwise; a deleted object is gone at once either way.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { useTestServer } from "../apiserver/testing/test-server.ts";
import { storeGetter } from "./api-filter.ts";

const api = useTestServer();

test("storeGetter reads a running, caught-up watch cache instead of storage, and sees a delete at once", async () => {
  const server = api.server.context;
  let storageReads = 0;
  const tryGet = server.store.tryGet.bind(server.store);
  server.store.tryGet = ((...args: Parameters<typeof tryGet>) => {
    storageReads++;
    return tryGet(...args);
  }) as typeof tryGet;
  const get = storeGetter(server);
  try {
    const created = await api.call("POST", "/api/v1/namespaces/default/serviceaccounts", {
      metadata: { name: "cached-bot" },
    });
    assert.equal(created.status, 201, created.text);
    const uid = created.body.metadata.uid as string;

    // No cache runs yet: storage answers.
    assert.equal((await get("ServiceAccount", "default", "cached-bot"))?.metadata?.uid, uid);
    assert.equal(storageReads, 1);

    // A watch starts the cache; once it has applied the create, lookups read it.
    const ac = new AbortController();
    const watch = await fetch(
      `${api.server.url}/api/v1/namespaces/default/serviceaccounts?watch=true`,
      { signal: ac.signal },
    );
    try {
      const deadline = Date.now() + 30_000;
      storageReads = 0;
      for (;;) {
        const before = storageReads;
        const sa = await get("ServiceAccount", "default", "cached-bot");
        assert.equal(sa?.metadata?.uid, uid);
        if (storageReads === before) break;
        if (Date.now() > deadline) throw new Error("the cache never served the lookup");
        await new Promise((r) => setTimeout(r, 20));
      }
      const served = storageReads;
      assert.equal((await get("ServiceAccount", "default", "cached-bot"))?.metadata?.uid, uid);
      assert.equal(storageReads, served, "a second lookup reads no storage");

      const deleted = await api.call(
        "DELETE",
        "/api/v1/namespaces/default/serviceaccounts/cached-bot",
      );
      assert.equal(deleted.status, 200, deleted.text);
      assert.equal(await get("ServiceAccount", "default", "cached-bot"), undefined);
    } finally {
      ac.abort();
      await watch.body?.cancel().catch(() => {});
    }
  } finally {
    server.store.tryGet = tryGet;
  }
});
