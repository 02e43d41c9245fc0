import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Backend, WatchOptions } from "../storage/backend.ts";
import { SqliteBackend } from "../storage/drivers/sqlite.ts";
import { StorageError } from "../storage/errors.ts";
import { startTestServer, type TestServer } from "./testing/test-server.ts";

/** A backend whose unary calls fail while `down` (etcd without quorum); watches stay open. */
class OutageBackend implements Backend {
  down = false;
  readonly inner: SqliteBackend;
  constructor(inner: SqliteBackend) {
    this.inner = inner;
  }
  #check(): void {
    if (this.down) throw new StorageError("Unavailable", "etcdserver: request timed out");
  }
  start = () => this.inner.start();
  close = () => this.inner.close();
  currentRevision = async () => (this.#check(), this.inner.currentRevision());
  get: Backend["get"] = async (k, o) => (this.#check(), this.inner.get(k, o));
  list: Backend["list"] = async (p, o) => (this.#check(), this.inner.list(p, o));
  count: Backend["count"] = async (p) => (this.#check(), this.inner.count(p));
  create: Backend["create"] = async (k, v, o) => (this.#check(), this.inner.create(k, v, o));
  update: Backend["update"] = async (k, v, r, o) => (this.#check(), this.inner.update(k, v, r, o));
  delete: Backend["delete"] = async (k, r) => (this.#check(), this.inner.delete(k, r));
  watch = (p: string, o: WatchOptions) => this.inner.watch(p, o);
  compact: Backend["compact"] = async (r) => (this.#check(), this.inner.compact(r));
  compactedRevision = async () => (this.#check(), this.inner.compactedRevision());
}

let t: TestServer;
let dir: string;
let backend: OutageBackend;
const NS = "/api/v1/namespaces/default/configmaps";

const cm = (name: string, labels: Record<string, string>) => ({
  apiVersion: "v1",
  kind: "ConfigMap",
  metadata: { name, labels },
  data: { k: name },
});

/** Polls `fn` until it returns a value (the cache follows storage's watch asynchronously). */
async function eventually<T>(what: string, fn: () => Promise<T | undefined>): Promise<T> {
  for (let i = 0; i < 2000; i++) {
    const v = await fn();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`never: ${what}`);
}

const names = (body: { items: { metadata: { name: string } }[] }) =>
  body.items.map((i) => i.metadata.name);

before(async () => {
  dir = await mkdtemp(join(tmpdir(), "k8ts-cache-reader-"));
  const inner = new SqliteBackend({
    path: join(dir, "db"),
    compactIntervalMs: 0,
    ttlCheckIntervalMs: 0,
  });
  backend = new OutageBackend(inner);
  await backend.start();
  t = await startTestServer({ backend });
  for (const [name, tier] of [
    ["c", "web"],
    ["a", "web"],
    ["b", "db"],
    ["d", "db"],
  ] as const) {
    const r = await t.call("POST", NS, cm(name, { tier }));
    assert.equal(r.status, 201, r.text);
  }
});

after(async () => {
  await t.close();
  await backend.close();
  await rm(dir, { recursive: true, force: true });
});

test("resourceVersion=0 lists come from the cache, whole (limit ignored as upstream v1.32), filtered by selectors", async () => {
  const cases: [string, string[]][] = [
    ["resourceVersion=0", ["a", "b", "c", "d"]],
    ["resourceVersion=0&limit=1", ["a", "b", "c", "d"]],
    ["resourceVersion=0&labelSelector=tier%3Ddb", ["b", "d"]],
    ["resourceVersion=0&labelSelector=tier%20notin%20(db)&limit=1", ["a", "c"]],
    ["resourceVersion=0&fieldSelector=metadata.name%3Dc", ["c"]],
    ["resourceVersion=0&resourceVersionMatch=NotOlderThan&limit=2", ["a", "b", "c", "d"]],
  ];
  for (const [query, want] of cases) {
    const r = await t.call("GET", `${NS}?${query}`);
    assert.equal(r.status, 200, `${query}: ${r.text}`);
    assert.deepEqual(names(r.body), want, query);
    assert.equal(r.body.metadata.continue, undefined, query);
    assert.match(r.body.metadata.resourceVersion, /^\d+$/);
  }
});

test("NotOlderThan lists honour limit; the continue token's pages come from storage at the cache's revision", async () => {
  const first = await t.call("GET", `${NS}?resourceVersion=0`);
  const rv = first.body.metadata.resourceVersion as string;
  const page1 = await t.call(
    "GET",
    `${NS}?resourceVersion=${rv}&resourceVersionMatch=NotOlderThan&limit=3`,
  );
  assert.equal(page1.status, 200, page1.text);
  assert.deepEqual(names(page1.body), ["a", "b", "c"]);
  assert.equal(page1.body.metadata.remainingItemCount, 1);
  assert.equal(page1.body.metadata.resourceVersion, rv);
  const cont = encodeURIComponent(page1.body.metadata.continue as string);
  const page2 = await t.call("GET", `${NS}?limit=3&continue=${cont}`);
  assert.equal(page2.status, 200, page2.text);
  assert.deepEqual(names(page2.body), ["d"]);
  assert.equal(page2.body.metadata.continue, undefined);
});

test("changes reach the cache through the watch; GET with resourceVersion 0 or N reads it", async () => {
  const created = await t.call("POST", NS, cm("e", { tier: "web" }));
  assert.equal(created.status, 201, created.text);
  const rv = created.body.metadata.resourceVersion as string;
  // Not older than the create's revision: served once the cache has it (or from storage).
  const got = await t.call("GET", `${NS}/e?resourceVersion=${rv}`);
  assert.equal(got.status, 200, got.text);
  assert.equal(got.body.metadata.resourceVersion, rv);
  const listed = await eventually("the cache has e", async () => {
    const r = await t.call("GET", `${NS}?resourceVersion=0&labelSelector=tier%3Dweb`);
    return names(r.body).includes("e") ? r : undefined;
  });
  assert.deepEqual(names(listed.body), ["a", "c", "e"]);
  const tooNew = await t.call("GET", `${NS}/e?resourceVersion=${Number(rv) + 1000}`);
  assert.equal(tooNew.status, 504, tooNew.text);
  assert.match(tooNew.body.message, /Too large resource version/);
  const gone = await t.call("DELETE", `${NS}/e`);
  assert.equal(gone.status, 200, gone.text);
  await eventually("the cache dropped e", async () =>
    (await t.call("GET", `${NS}/e?resourceVersion=0`)).status === 404 ? true : undefined,
  );
});

test("with storage unavailable, resourceVersion=0 reads answer from the cache; consistent reads and writes fail with 503", async () => {
  // Warm: the cache is running (started by the reads above).
  assert.equal((await t.call("GET", `${NS}?resourceVersion=0`)).status, 200);
  backend.down = true;
  try {
    const reads: [string, number][] = [
      [`${NS}?resourceVersion=0`, 200],
      [`${NS}?resourceVersion=0&limit=500&labelSelector=tier%3Ddb`, 200],
      [`${NS}/a?resourceVersion=0`, 200],
      [`${NS}/missing?resourceVersion=0`, 404],
      [`${NS}?limit=500`, 503],
      [`${NS}`, 503],
      [`${NS}/a`, 503],
    ];
    for (const [path, code] of reads) {
      const r = await t.call("GET", path);
      assert.equal(r.status, code, `${path}: ${r.text}`);
    }
    const list = await t.call("GET", `${NS}?resourceVersion=0`);
    assert.deepEqual(names(list.body), ["a", "b", "c", "d"]);
    const write = await t.call("POST", NS, cm("f", {}));
    assert.equal(write.status, 503, write.text);
    assert.equal(write.body.kind, "Status");
  } finally {
    backend.down = false;
  }
});
