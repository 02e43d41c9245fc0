import { test } from "node:test";
import assert from "node:assert/strict";
import { ObjectCache } from "./object-cache.ts";
import { keyPrefix, objectKey } from "./object-store.ts";
import { configMap, useTestServer } from "./testing/test-server.ts";

const t = useTestServer();
const cms = "/api/v1/namespaces/default/configmaps";

/** Resolves once cache.listNow() satisfies ok (changes arrive through the watch). */
async function until(cache: ObjectCache, ok: (names: string[]) => boolean): Promise<string[]> {
  for (;;) {
    const names = (cache.listNow() ?? []).map((o) => o.metadata?.name ?? "");
    if (ok(names)) return names;
    await cache.changed();
  }
}

test("the *Now readers answer only after the first list, then follow changes without waiting", async () => {
  const server = t.server.context;
  const def = server.registry.get("", "v1", "configmaps")!;
  assert.equal((await t.call("POST", cms, configMap("b"))).status, 201);
  const cache = new ObjectCache(server, def);
  try {
    // Nothing listed yet: every *Now reader says so (undefined), not "empty".
    assert.equal(cache.listNow(), undefined);
    assert.equal(cache.underNow(keyPrefix(def, "default")), undefined);
    assert.equal(cache.getNow(objectKey(def, "default", "b")), undefined);
    const listed = (await cache.list()).map((o) => o.metadata?.name);
    assert.ok(listed.includes("b"));
    assert.deepEqual(cache.listNow(), await cache.list());
    assert.equal(cache.getNow(objectKey(def, "default", "b"))?.metadata?.name, "b");
    assert.equal(cache.getNow(objectKey(def, "default", "missing")), undefined);
    assert.deepEqual(cache.underNow(keyPrefix(def, "elsewhere")), []);
    // A change reaches the synchronous readers through the watch, sorted by name.
    const generation = cache.generation;
    assert.equal((await t.call("POST", cms, configMap("a"))).status, 201);
    const names = await until(cache, (n) => n.includes("a"));
    assert.deepEqual(
      names.filter((n) => n === "a" || n === "b"),
      ["a", "b"],
    );
    assert.ok(cache.generation > generation);
    const under = cache.underNow(keyPrefix(def, "default"))!.map((o) => o.metadata?.name);
    assert.ok(under.includes("a") && under.includes("b"));
    assert.equal((await t.call("DELETE", `${cms}/b`)).status, 200);
    await until(cache, (n) => !n.includes("b"));
    assert.equal(cache.getNow(objectKey(def, "default", "b")), undefined);
  } finally {
    cache.close();
  }
});
