import { after, before, beforeEach, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { KeyValue, ListOptions, ListResult } from "../storage/backend.ts";
import { SqliteBackend } from "../storage/drivers/sqlite.ts";
import { StorageError } from "../storage/errors.ts";
import { listKeyed, MAX_FETCH_RUNS, type KeyListingBackend } from "./watch-cache-keyed-list.ts";
import { CacheElement, WatchCacheStore } from "./watch-cache-store.ts";

const P = "/registry/configmaps/ns/";
const key = (i: number) => `${P}cm-${String(i).padStart(3, "0")}`;

/** SQLite with a keys-only list (values blanked), counting the value reads. */
class KeyListing extends SqliteBackend implements KeyListingBackend {
  valueLists: ListOptions[] = [];
  failCompacted = false;
  override async list(prefix: string, opts: ListOptions = {}): Promise<ListResult> {
    this.valueLists.push(opts);
    if (this.failCompacted && opts.revision)
      throw new StorageError("Compacted", "required revision has been compacted");
    return super.list(prefix, opts);
  }
  async listKeys(prefix: string, opts: ListOptions = {}): Promise<ListResult> {
    const r = await super.list(prefix, opts);
    return { ...r, kvs: r.kvs.map((kv) => ({ ...kv, value: "" })) };
  }
}

let dir: string;
let backend: KeyListing;
/** The cache as of the 100 creates (updates after it are unknown to it). */
let store: WatchCacheStore;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), "k8ts-keyed-list-"));
  backend = new KeyListing({ path: join(dir, "db"), compactIntervalMs: 0, ttlCheckIntervalMs: 0 });
  await backend.start();
  for (let i = 0; i < 100; i++) await backend.create(key(i), JSON.stringify({ i }));
  await backend.create("/registry/configmaps/other/x", "{}");
  store = new WatchCacheStore();
  store.replace((await backend.list("/registry/configmaps/")).kvs);
});

after(async () => {
  await backend.close();
  await rm(dir, { recursive: true, force: true });
});

beforeEach(() => {
  backend.valueLists = [];
  backend.failCompacted = false;
});

/** The page as plain key-values (cache elements with their stored value). */
const plain = (items: (KeyValue | CacheElement)[]) =>
  items.map((item) => (item instanceof CacheElement ? item.toKeyValue() : item));

/** listKeyed's page equals the full read at its revision, item for item. */
async function assertAsFullRead(opts: ListOptions = {}) {
  backend.valueLists = [];
  const got = await listKeyed(backend, store, P, opts);
  const reads = backend.valueLists.length;
  const want = await backend.list(P, { ...opts, revision: got.revision });
  assert.deepEqual(plain(got.items), want.kvs);
  assert.deepEqual(
    got.keys,
    want.kvs.map((kv) => kv.key),
  );
  assert.equal(got.more, want.more);
  assert.equal(got.remaining, want.remaining);
  return { got, reads };
}

test("every value the cache holds in the listed version is taken from it, none read", async () => {
  const { got, reads } = await assertAsFullRead();
  assert.equal(got.items.length, 100);
  assert.ok(got.items.every((item) => item instanceof CacheElement));
  assert.equal(reads, 0);
});

test("keys changed since the cache's state are read at the list's revision, one read per run", async () => {
  // Runs: [10], [20, 21, 22], [99] (and a key the cache never saw, in the middle).
  for (const i of [10, 20, 21, 22, 99]) {
    const cur = (await backend.get(key(i))).kv!;
    await backend.update(key(i), JSON.stringify({ i, changed: true }), cur.modRevision);
  }
  await backend.create(`${key(50)}a`, "{}");
  const { got, reads } = await assertAsFullRead();
  assert.equal(got.items.filter((item) => !(item instanceof CacheElement)).length, 6);
  assert.equal(reads, 4);
  assert.ok(backend.valueLists.slice(0, 4).every((o) => o.revision === got.revision));
});

test("pages (limit, after) keep storage's paging, the cache's values in them", async () => {
  const first = await assertAsFullRead({ limit: 15 });
  assert.equal(first.got.keys.length, 15);
  assert.equal(first.got.more, true);
  const next = await assertAsFullRead({
    limit: 15,
    after: first.got.keys[14],
    revision: first.got.revision,
  });
  assert.equal(next.got.keys[0], key(15));
  assert.deepEqual(
    backend.valueLists.slice(0, next.reads).map((o) => [o.after, o.limit]),
    [[key(19), 3]],
  );
  // A run at the page's start begins after the caller's `after`.
  const third = await assertAsFullRead({ limit: 5, after: key(9) });
  assert.deepEqual(third.got.keys, [10, 11, 12, 13, 14].map(key));
  assert.deepEqual(
    backend.valueLists.slice(0, third.reads).map((o) => [o.after, o.limit]),
    [[key(9), 1]],
  );
});

test("when most values are missing, one full read at the revision replaces the runs", async () => {
  const cold = new WatchCacheStore();
  const got = await listKeyed(backend, cold, P, {});
  assert.equal(got.items.length, 101);
  assert.deepEqual(
    backend.valueLists.map((o) => o.revision),
    [got.revision],
  );
  // Scattered misses beyond the run bound read fully too.
  const sparse = new WatchCacheStore();
  sparse.replace(
    (await backend.list(P)).kvs.filter((_, i) => i % 2 === 0 || i > 2 * MAX_FETCH_RUNS + 4),
  );
  backend.valueLists = [];
  const again = await listKeyed(backend, sparse, P, {});
  assert.equal(backend.valueLists.length, 1);
  assert.equal(again.items.length, 101);
});

test("a revision compacted before its values were read: the list is read again as asked", async () => {
  const cold = new WatchCacheStore();
  backend.failCompacted = true;
  const got = await listKeyed(backend, cold, P, {});
  assert.equal(got.items.length, 101);
  assert.deepEqual(
    backend.valueLists.map((o) => o.revision),
    [got.revision, undefined],
  );
  // Asked at that revision (a continuation): the caller gets the Compacted error.
  await assert.rejects(listKeyed(backend, cold, P, { revision: got.revision }), /compacted/);
});
