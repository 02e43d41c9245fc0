import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SqliteBackend } from "../storage/drivers/sqlite.ts";
import type { KObject, ResourceDef } from "../api/types.ts";
import { WatchCache } from "./watch-cache.ts";
import { DecodedKeyValue } from "./watch-cache-store.ts";

async function withBackend(fn: (b: SqliteBackend) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), "k8ts-watchcache-"));
  const backend = new SqliteBackend({
    path: join(dir, "db"),
    compactIntervalMs: 0,
    ttlCheckIntervalMs: 0,
  });
  await backend.start();
  try {
    await fn(backend);
  } finally {
    await backend.close();
    await rm(dir, { recursive: true, force: true });
  }
}

test("one storage watch serves many subscribers, filtered by prefix, resumable from the ring", async () => {
  await withBackend(async (backend) => {
    const cache = new WatchCache({ backend, prefix: "/registry/configmaps/" });
    await cache.ensureStarted();
    const start = await backend.currentRevision();
    const all = cache.subscribe(start);
    const onlyA = cache.subscribe(start, "/registry/configmaps/a/");
    await backend.create("/registry/configmaps/a/x", "{}");
    await backend.create("/registry/configmaps/b/y", "{}");
    await backend.create("/registry/secrets/a/z", "{}");
    const seen: string[] = [];
    while (seen.length < 2) for (const e of (await all.next())!) seen.push(`${e.type} ${e.key}`);
    assert.deepEqual(seen, ["ADDED /registry/configmaps/a/x", "ADDED /registry/configmaps/b/y"]);
    assert.deepEqual(
      (await onlyA.next())!.map((e) => e.key),
      ["/registry/configmaps/a/x"],
    );
    // A late subscriber replays from the ring.
    const late = cache.subscribe(start);
    assert.equal((await late.next())!.length, 2);
    // Too old for the ring: 410.
    assert.throws(() => cache.subscribe(start - 1), /too old resource version/);
    cache.stop();
    assert.equal(await all.next(), null);
  });
});

test("a subscriber that falls behind its buffer is cut off; others continue", async () => {
  await withBackend(async (backend) => {
    const cache = new WatchCache({ backend, prefix: "/registry/configmaps/", clientBuffer: 3 });
    await cache.ensureStarted();
    const start = await backend.currentRevision();
    const slow = cache.subscribe(start);
    const fast = cache.subscribe(start);
    let fastCount = 0;
    for (let i = 0; i < 6; i++) {
      await backend.create(`/registry/configmaps/ns/k${i}`, "{}");
      while (fastCount <= i) fastCount += (await fast.next())!.length;
    }
    assert.equal(fastCount, 6);
    assert.equal(await slow.next(), null);
    assert.equal(slow.error?.code, 410);
    assert.equal(cache.subscriberCount(), 1);
    cache.stop();
  });
});

test("an event's previous state is the cache's own copy of it (one string per version)", async () => {
  await withBackend(async (backend) => {
    const cache = new WatchCache({ backend, prefix: "/registry/configmaps/" });
    await cache.ensureStarted();
    const start = await backend.currentRevision();
    const sub = cache.subscribe(start);
    const key = "/registry/configmaps/ns/a";
    const created = await backend.create(key, '{"v":1}');
    await backend.update(key, '{"v":2}', created.modRevision);
    await backend.delete(key);
    const events = [];
    while (events.length < 3) events.push(...(await sub.next())!);
    const [added, modified, deleted] = events;
    assert.deepEqual(
      events.map((e) => e.type),
      ["ADDED", "MODIFIED", "DELETED"],
    );
    assert.equal(modified!.prevKv, added!.kv, "MODIFIED's prevKv is the held ADDED state");
    assert.equal(deleted!.prevKv, modified!.kv, "DELETED's prevKv is the held MODIFIED state");
    assert.equal(deleted!.kv.value, '{"v":2}');
    assert.equal(deleted!.kv.modRevision, deleted!.revision);
    cache.stop();
  });
});

test("an announced write's event holds the cache's decoding, not storage's JSON (upstream's Object/PrevObject)", async () => {
  await withBackend(async (backend) => {
    const def = {
      group: "",
      version: "v1",
      resource: "configmaps",
      kind: "ConfigMap",
    } as ResourceDef;
    // Capacity 1: the ring drops an event once a second one comes (at 1.25 x capacity).
    const cache = new WatchCache({ backend, prefix: "/registry/configmaps/", capacity: 1 });
    await cache.ensureStarted();
    const sub = cache.subscribe(await backend.currentRevision());
    const key = "/registry/configmaps/ns/a";
    const write = (v: number) => {
      const value = JSON.stringify({ apiVersion: "v1", kind: "ConfigMap", data: { v: String(v) } });
      cache.expectWrite(key, {
        def,
        value,
        decoded: (rev) => ({ ...JSON.parse(value), metadata: { resourceVersion: String(rev) } }),
      });
      return value;
    };
    const noDecode = (): KObject => assert.fail("decoded again");
    const v1 = write(1);
    const created = await backend.create(key, v1);
    const [added] = (await sub.next())!;
    assert.ok(added!.kv instanceof DecodedKeyValue, "ADDED holds the decoding");
    const obj1 = cache.decode(added!.kv, def, noDecode);
    assert.equal(obj1, cache.store.get(key)!.obj, "the store's object, not a copy");
    assert.equal(cache.store.get(key)!.value, undefined, "the JSON was let go");
    assert.deepEqual(JSON.parse(added!.kv.value), { ...JSON.parse(v1), metadata: {} });

    const v2 = write(2);
    const updated = await backend.update(key, v2, created.modRevision);
    const [modified] = (await sub.next())!;
    assert.ok(modified!.kv instanceof DecodedKeyValue);
    assert.equal(modified!.prevKv, added!.kv, "the previous event's state, while held");
    assert.equal(cache.decode(modified!.prevKv!, def, noDecode), obj1);

    // Another key's event pushes MODIFIED out of the ring (capacity 1): the
    // next event's previous state is the store's decoding, again without
    // storage's JSON.
    const obj2 = cache.store.get(key)!.obj;
    await backend.create("/registry/configmaps/ns/b", "{}");
    assert.equal((await sub.next())![0]!.key, "/registry/configmaps/ns/b");
    await backend.update(key, write(3), updated.modRevision);
    const [third] = (await sub.next())!;
    assert.notEqual(third!.prevKv, modified!.kv);
    assert.ok(third!.prevKv instanceof DecodedKeyValue);
    assert.equal(cache.decode(third!.prevKv, def, noDecode), obj2);
    assert.equal(third!.prevKv.modRevision, updated.modRevision);

    // DELETED keeps the last state as JSON (nothing else holds the decoding then).
    await backend.delete(key);
    const [deleted] = (await sub.next())!;
    assert.equal(deleted!.type, "DELETED");
    assert.ok(
      !(deleted!.kv instanceof DecodedKeyValue) && !(deleted!.prevKv instanceof DecodedKeyValue),
    );
    assert.deepEqual(JSON.parse(deleted!.kv.value).data, { v: "3" });
    assert.equal(deleted!.kv.modRevision, deleted!.revision);
    cache.stop();
  });
});
