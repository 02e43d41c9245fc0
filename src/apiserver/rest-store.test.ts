/**
 * RestStore.update starting from the watch cache's object (upstream's
 * GuaranteedUpdate with a cached object): storage is not read when the cache
 * holds the object; a stale suggestion is caught by the compare-and-swap, by
 * a failing patch or precondition, or by a no-op, and the update is redone
 * from storage, so every answer is the one a storage read would give.
 *
 * The backend publishes no latestRevision (as etcd), so the cache serves
 * suggestions whatever its lag, and its storage watch can be held to make
 * the cache stale on purpose.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Backend, WatchEvent, WatchOptions, Watcher } from "../storage/backend.ts";
import { SqliteBackend } from "../storage/drivers/sqlite.ts";
import { startTestServer, type TestServer } from "./testing/test-server.ts";

/** SQLite without latestRevision; counts reads of single keys; holds watch events while `held`. */
class HeldWatchBackend implements Backend {
  readonly inner: SqliteBackend;
  gets = 0;
  #held = false;
  #release: (() => void)[] = [];
  constructor(inner: SqliteBackend) {
    this.inner = inner;
  }
  hold(): void {
    this.#held = true;
  }
  release(): void {
    this.#held = false;
    for (const r of this.#release.splice(0)) r();
  }
  start = () => this.inner.start();
  close = () => this.inner.close();
  currentRevision = () => this.inner.currentRevision();
  get: Backend["get"] = (k, o) => (this.gets++, this.inner.get(k, o));
  list: Backend["list"] = (p, o) => this.inner.list(p, o);
  count: Backend["count"] = (p) => this.inner.count(p);
  create: Backend["create"] = (k, v, o) => this.inner.create(k, v, o);
  update: Backend["update"] = (k, v, r, o) => this.inner.update(k, v, r, o);
  delete: Backend["delete"] = (k, r) => this.inner.delete(k, r);
  compact: Backend["compact"] = (r) => this.inner.compact(r);
  compactedRevision = () => this.inner.compactedRevision();
  watch(prefix: string, opts: WatchOptions): Watcher {
    const inner = this.inner.watch(prefix, opts);
    const gate = async () => {
      while (this.#held) await new Promise<void>((r) => this.#release.push(r));
    };
    return {
      cancel: () => inner.cancel(),
      async *[Symbol.asyncIterator](): AsyncGenerator<WatchEvent[]> {
        for await (const batch of inner) {
          await gate();
          yield batch;
        }
      },
    };
  }
}

let t: TestServer;
let dir: string;
let backend: HeldWatchBackend;
const NS = "/api/v1/namespaces/default/configmaps";
const MERGE = { "Content-Type": "application/merge-patch+json" };
const JSON_PATCH = { "Content-Type": "application/json-patch+json" };

before(async () => {
  dir = await mkdtemp(join(tmpdir(), "k8ts-rest-store-"));
  backend = new HeldWatchBackend(
    new SqliteBackend({ path: join(dir, "db"), compactIntervalMs: 0, ttlCheckIntervalMs: 0 }),
  );
  await backend.start();
  // No request deadline the contended-writes test can reach under load (it would answer 504).
  t = await startTestServer({ backend, requestTimeoutMs: 10 * 60_000 });
});

after(async () => {
  backend.release();
  await t.close();
  await backend.close();
  await rm(dir, { recursive: true, force: true });
});

/** Polls until the cache (read with resourceVersion=0) shows the object at resourceVersion rv. */
async function cacheAt(name: string, rv: string, collection = NS): Promise<void> {
  for (let i = 0; i < 2000; i++) {
    const r = await t.call("GET", `${collection}/${name}?resourceVersion=0`);
    if (r.body?.metadata?.resourceVersion === rv) return;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  assert.fail(`the cache never reached ${name}@${rv}`);
}

/** A ConfigMap in storage and in the cache; then storage moves on to data {k: "2"} while the cache holds {k: "1"}. */
async function staleConfigMap(name: string): Promise<{ cachedRv: string; storedRv: string }> {
  const made = await t.call("POST", NS, { metadata: { name }, data: { k: "1" } });
  assert.equal(made.status, 201, made.text);
  await cacheAt(name, made.body.metadata.resourceVersion);
  backend.hold();
  // Written behind the API server's back: its cache keeps the old state while held.
  const key = `/registry/configmaps/default/${name}`;
  const kv = (await backend.inner.get(key)).kv!;
  const stored = JSON.parse(kv.value);
  stored.data.k = "2";
  const next = await backend.inner.update(key, JSON.stringify(stored), kv.modRevision);
  return { cachedRv: made.body.metadata.resourceVersion, storedRv: String(next.modRevision) };
}

test("an update starts from the cache's object without reading storage", async () => {
  const made = await t.call("POST", NS, { metadata: { name: "fresh" }, data: { k: "1" } });
  await cacheAt("fresh", made.body.metadata.resourceVersion);
  const cases: [string, string, unknown, Record<string, string>][] = [
    ["merge patch", "PATCH", { data: { k: "2" } }, MERGE],
    ["status-less PUT", "PUT", { metadata: { name: "fresh" }, data: { k: "3" } }, {}],
    ["json patch", "PATCH", [{ op: "replace", path: "/data/k", value: "4" }], JSON_PATCH],
  ];
  for (const [name, method, body, headers] of cases) {
    const gets = backend.gets;
    const r = await t.call(method, `${NS}/fresh`, body, headers);
    assert.equal(r.status, 200, `${name}: ${r.text}`);
    assert.equal(backend.gets, gets, `${name}: storage not read`);
    await cacheAt("fresh", r.body.metadata.resourceVersion);
  }
  const stored = await t.call("GET", `${NS}/fresh`);
  assert.deepEqual(stored.body.data, { k: "4" });
});

test("a stale suggestion is redone from storage: conflict, failing patch, precondition, no-op", async () => {
  const cases: {
    name: string;
    method: string;
    body: (rv: { cachedRv: string; storedRv: string }) => unknown;
    headers: Record<string, string>;
    want: Record<string, string>;
  }[] = [
    {
      // The compare-and-swap on the cached revision fails; the patch is re-applied to storage's object.
      name: "conflict",
      method: "PATCH",
      body: () => ({ data: { extra: "x" } }),
      headers: MERGE,
      want: { k: "2", extra: "x" },
    },
    {
      // The test op fails on the cached object only.
      name: "failing-patch",
      method: "PATCH",
      body: () => [
        { op: "test", path: "/data/k", value: "2" },
        { op: "replace", path: "/data/k", value: "3" },
      ],
      headers: JSON_PATCH,
      want: { k: "3" },
    },
    {
      // A PUT without precondition: the compare-and-swap fails, the body is written again
      // from storage's object (decoded afresh from the request: the first attempt changed it).
      name: "put-conflict",
      method: "PUT",
      body: () => ({ metadata: { name: "put-conflict", labels: { a: "b" } }, data: { k: "6" } }),
      headers: {},
      want: { k: "6" },
    },
    {
      // The precondition names storage's revision, not the cache's.
      name: "precondition",
      method: "PUT",
      body: ({ storedRv }) => ({
        metadata: { name: "precondition", resourceVersion: storedRv },
        data: { k: "5" },
      }),
      headers: {},
      want: { k: "5" },
    },
    {
      // Setting k back to "1" changes nothing in the cached object, but does in storage.
      name: "no-op",
      method: "PATCH",
      body: () => ({ data: { k: "1" } }),
      headers: MERGE,
      want: { k: "1" },
    },
  ];
  for (const c of cases) {
    const rvs = await staleConfigMap(c.name);
    try {
      const r = await t.call(c.method, `${NS}/${c.name}`, c.body(rvs), c.headers);
      assert.equal(r.status, 200, `${c.name}: ${r.text}`);
      assert.deepEqual(r.body.data, c.want, c.name);
      assert.ok(Number(r.body.metadata.resourceVersion) > Number(rvs.storedRv), c.name);
      const stored = await t.call("GET", `${NS}/${c.name}`);
      assert.deepEqual(stored.body, r.body, `${c.name}: the answer is what storage holds`);
    } finally {
      backend.release();
    }
  }
});

test("a PUT redone from storage is normalized as the first attempt: type meta, metadata", async () => {
  // A stale cache: the compare-and-swap fails and the body text is decoded again.
  await staleConfigMap("redo-typeless");
  try {
    const r = await t.call("PUT", `${NS}/redo-typeless`, { metadata: { name: "redo-typeless" } });
    assert.equal(r.status, 200, r.text);
  } finally {
    backend.release();
  }
  const kv = (await backend.inner.get("/registry/configmaps/default/redo-typeless")).kv!;
  const stored = JSON.parse(kv.value);
  assert.equal(stored.apiVersion, "v1");
  assert.equal(stored.kind, "ConfigMap");
  // A fresh cache: a PUT that changes nothing is redone from storage to be sure, and
  // still writes nothing without type meta; without a name (no metadata, or metadata
  // null) it is 400 as upstream's checkName, and writes nothing either.
  const made = await t.call("POST", NS, { metadata: { name: "noop" }, data: { k: "1" } });
  const first = await t.call("PUT", `${NS}/noop`, {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { name: "noop" },
    data: { k: "1" },
  });
  assert.equal(first.status, 200, first.text);
  const rv = first.body.metadata.resourceVersion;
  assert.ok(Number(rv) >= Number(made.body.metadata.resourceVersion));
  await cacheAt("noop", rv);
  const typeless = await t.call("PUT", `${NS}/noop`, {
    metadata: { name: "noop" },
    data: { k: "1" },
  });
  assert.equal(typeless.status, 200, typeless.text);
  assert.equal(typeless.body.metadata.resourceVersion, rv, "nothing written");
  const nameless: [string, unknown][] = [
    ["without metadata", { apiVersion: "v1", kind: "ConfigMap", data: { k: "2" } }],
    ["metadata null", { apiVersion: "v1", kind: "ConfigMap", metadata: null, data: { k: "2" } }],
    ["metadata {}", { apiVersion: "v1", kind: "ConfigMap", metadata: {}, data: { k: "2" } }],
  ];
  for (const [name, body] of nameless) {
    const r = await t.call("PUT", `${NS}/noop`, body);
    assert.equal(r.status, 400, `${name}: ${r.text}`);
    assert.equal(
      r.body.message,
      "the name of the object (noop based on URL) was undeterminable: name must be provided",
    );
  }
  const after = await t.call("GET", `${NS}/noop`);
  assert.equal(after.body.metadata.resourceVersion, rv, "nothing written");
  const elsewhere = await t.call("PUT", `${NS}/noop`, {
    metadata: { name: "noop", namespace: "other" },
    data: { k: "2" },
  });
  assert.equal(elsewhere.status, 400, elsewhere.text);
  assert.equal(
    elsewhere.body.message,
    "the namespace of the object (other) does not match the namespace on the request (default)",
  );
});

test("a v1 HPA PUT without apiVersion, redone from storage, stays v1 (converted, not taken for v2)", async () => {
  const path = "/apis/autoscaling/v1/namespaces/default/horizontalpodautoscalers";
  const spec = {
    scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: "web" },
    minReplicas: 1,
    maxReplicas: 3,
    targetCPUUtilizationPercentage: 70,
  };
  const made = await t.call("POST", path, { metadata: { name: "hpa" }, spec });
  assert.equal(made.status, 201, made.text);
  let rv = made.body.metadata.resourceVersion;
  for (let i = 0; i < 3; i++) {
    // From the cache's object: the first PUT adds this manager's entry; the next ones
    // change nothing and are redone from storage to be sure.
    await cacheAt("hpa", rv, path);
    const r = await t.call("PUT", `${path}/hpa`, { metadata: { name: "hpa" }, spec });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body.spec.targetCPUUtilizationPercentage, 70, `PUT ${i}`);
    if (i > 0) assert.equal(r.body.metadata.resourceVersion, rv, `PUT ${i}: nothing written`);
    rv = r.body.metadata.resourceVersion;
    const v2 = await t.call(
      "GET",
      `/apis/autoscaling/v2/namespaces/default/horizontalpodautoscalers/hpa`,
    );
    assert.equal(v2.body.spec.metrics?.[0]?.resource?.target?.averageUtilization, 70, `PUT ${i}`);
  }
});

test("with a stale suggestion, an error that storage's object also causes is returned", async () => {
  const cases: [string, string, unknown, Record<string, string>, number][] = [
    [
      "test op fails on both",
      "PATCH",
      [{ op: "test", path: "/data/k", value: "9" }],
      JSON_PATCH,
      422,
    ],
    [
      "stale precondition",
      "PUT",
      { metadata: { name: "n", resourceVersion: "1" }, data: {} },
      {},
      409,
    ],
  ];
  for (const [name, method, body, headers, status] of cases) {
    const cmName = name.replaceAll(" ", "-");
    await staleConfigMap(cmName);
    try {
      const withName =
        method === "PUT"
          ? { ...(body as object), metadata: { name: cmName, resourceVersion: "1" } }
          : body;
      const r = await t.call(method, `${NS}/${cmName}`, withName, headers);
      assert.equal(r.status, status, `${name}: ${r.text}`);
      const stored = await t.call("GET", `${NS}/${cmName}`);
      assert.deepEqual(stored.body.data, { k: "2" }, `${name}: nothing written`);
    } finally {
      backend.release();
    }
  }
});

test("an object the cache holds but storage deleted: 404, as storage says", async () => {
  const made = await t.call("POST", NS, { metadata: { name: "gone" }, data: { k: "1" } });
  await cacheAt("gone", made.body.metadata.resourceVersion);
  backend.hold();
  try {
    await backend.inner.delete("/registry/configmaps/default/gone");
    const r = await t.call("PATCH", `${NS}/gone`, { data: { k: "2" } }, MERGE);
    assert.equal(r.status, 404, r.text);
  } finally {
    backend.release();
  }
});

test("dry runs read storage, not the cache", async () => {
  await staleConfigMap("dry");
  try {
    const r = await t.call("PATCH", `${NS}/dry?dryRun=All`, { data: { extra: "x" } }, MERGE);
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.body.data, { k: "2", extra: "x" });
  } finally {
    backend.release();
  }
});

test("simultaneous writes without a precondition all succeed: conflicts are retried while others win", async () => {
  // Upstream's TestPatchConflicts shape (100 there; 40 here: a batch costs n(n+1)/2 attempts): patches
  // of one object at once. The last writer needs 40 attempts, past the old bound of 16.
  const made = await t.call("POST", NS, { metadata: { name: "contended" }, data: {} });
  assert.equal(made.status, 201, made.text);
  for (const [label, type] of [
    ["strategic", "application/strategic-merge-patch+json"],
    ["merge", "application/merge-patch+json"],
  ]) {
    const answers = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        t.call(
          "PATCH",
          `${NS}/contended`,
          { metadata: { labels: { [`${label}-${i}`]: "v" } } },
          { "Content-Type": type },
        ),
      ),
    );
    const failed = answers.filter((r) => r.status !== 200).map((r) => `${r.status} ${r.text}`);
    assert.deepEqual(failed.slice(0, 3), [], `${label}: ${failed.length} of 40 failed`);
  }
  const stored = await t.call("GET", `${NS}/contended`);
  assert.equal(Object.keys(stored.body.metadata.labels).length, 80, "every patch is kept");
});

test("simultaneous creating writes of one absent object: the losers go on as updates", async () => {
  // Upstream creates through a compare-and-swap at revision 0; a lost race is retried as an update.
  const EP = "/api/v1/namespaces/default/endpoints";
  const puts = await Promise.all(
    Array.from({ length: 20 }, (_, i) =>
      t.call("PUT", `${EP}/raced`, {
        apiVersion: "v1",
        kind: "Endpoints",
        metadata: { name: "raced", labels: { i: String(i) } },
      }),
    ),
  );
  assert.deepEqual(
    puts.map((r) => r.status).sort(),
    [...Array<number>(19).fill(200), 201],
    puts.map((r) => r.text).join("\n"),
  );
  const APPLY = { "Content-Type": "application/apply-patch+yaml" };
  const applies = await Promise.all(
    Array.from({ length: 10 }, (_, i) =>
      t.call(
        "PATCH",
        `${NS}/applied-race?fieldManager=m${i}`,
        JSON.stringify({
          apiVersion: "v1",
          kind: "ConfigMap",
          metadata: { name: "applied-race" },
          data: { [`k${i}`]: "v" },
        }),
        APPLY,
      ),
    ),
  );
  assert.deepEqual(
    applies.map((r) => r.status).sort(),
    [200, 200, 200, 200, 200, 200, 200, 200, 200, 201],
    applies.map((r) => r.text).join("\n"),
  );
  const stored = await t.call("GET", `${NS}/applied-race`);
  assert.equal(Object.keys(stored.body.data).length, 10, "every apply's field is kept");
  assert.equal(stored.body.metadata.managedFields.length, 10);
});
