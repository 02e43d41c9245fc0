/**
 * Writes start from the watch cache's object on an in-process backend even
 * when other resources were written after the cache's last event: its
 * storage watch, drained, vouches that the cache holds its prefix's state at
 * the backend's latest revision (WatchCache.drained).
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { startTestServer, type TestServer } from "./testing/test-server.ts";

let t: TestServer;
const CMS = "/api/v1/namespaces/default/configmaps";
const SECRETS = "/api/v1/namespaces/default/secrets";
const MERGE = { "Content-Type": "application/merge-patch+json" };

before(async () => {
  t = await startTestServer();
});

after(async () => {
  await t.close();
});

/** Polls until the cache (read with resourceVersion=0) shows the object at resourceVersion rv. */
async function cacheAt(name: string, rv: string): Promise<void> {
  for (let i = 0; i < 2000; i++) {
    const r = await t.call("GET", `${CMS}/${name}?resourceVersion=0`);
    if (r.body?.metadata?.resourceVersion === rv) return;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  assert.fail(`the cache never reached ${name}@${rv}`);
}

test("an update after another resource's write starts from the cache", async () => {
  const made = await t.call("POST", CMS, { metadata: { name: "a" }, data: { k: "1" } });
  assert.equal(made.status, 201, made.text);
  await cacheAt("a", made.body.metadata.resourceVersion);
  const backend = t.backend;
  const get = backend.get.bind(backend);
  let gets = 0;
  backend.get = (key, opts) => {
    if (key.startsWith("/registry/configmaps/")) gets++;
    return get(key, opts);
  };
  try {
    for (let i = 0; i < 3; i++) {
      // Storage's revision moves past the ConfigMap cache's last event.
      const other = await t.call("POST", SECRETS, { metadata: { name: `s${i}` } });
      assert.equal(other.status, 201, other.text);
      assert.ok(
        Number(other.body.metadata.resourceVersion) > Number(made.body.metadata.resourceVersion),
      );
      const r = await t.call("PATCH", `${CMS}/a`, { data: { k: `v${i}` } }, MERGE);
      assert.equal(r.status, 200, r.text);
      assert.equal(r.body.data.k, `v${i}`);
      await cacheAt("a", r.body.metadata.resourceVersion);
    }
    assert.equal(gets, 0, "storage not read for the ConfigMap");
  } finally {
    backend.get = get;
  }
  const stored = await t.call("GET", `${CMS}/a`);
  assert.deepEqual(stored.body.data, { k: "v2" });
});
