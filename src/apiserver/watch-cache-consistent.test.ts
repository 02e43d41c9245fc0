/**
 * Consistent LISTs (resourceVersion unset) from the watch cache on an
 * in-process backend (SQLite), as upstream's ConsistentListFromCache: no
 * storage list once the cache runs, every acknowledged write visible at
 * once (read-your-writes), limit honoured with a continue token whose
 * pages come from storage at the list's revision.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import type { Backend } from "../storage/backend.ts";
import { startTestServer, type TestServer } from "./testing/test-server.ts";

let t: TestServer;
let storageLists: string[] = [];
const NS = "/api/v1/namespaces/default/secrets";

const secret = (name: string, type = "Opaque") => ({
  apiVersion: "v1",
  kind: "Secret",
  metadata: { name },
  type,
  stringData: { k: name },
});
const names = (body: { items: { metadata: { name: string } }[] }) =>
  body.items.map((i) => i.metadata.name);

before(async () => {
  t = await startTestServer();
  const list: Backend["list"] = t.backend.list.bind(t.backend);
  t.backend.list = (prefix, opts) => {
    storageLists.push(prefix);
    return list(prefix, opts);
  };
  for (const name of ["s2", "s1", "s3"]) {
    const r = await t.call(
      "POST",
      NS,
      secret(name, name === "s3" ? "example.com/other" : "Opaque"),
    );
    assert.equal(r.status, 201, r.text);
  }
});

after(async () => {
  await t.close();
});

test("after the cache started, consistent lists read no storage and see every acknowledged write", async () => {
  const first = await t.call("GET", NS);
  assert.equal(first.status, 200, first.text);
  storageLists = [];
  for (let i = 0; i < 5; i++) {
    const created = await t.call("POST", NS, secret(`rw-${i}`));
    assert.equal(created.status, 201, created.text);
    // Read-your-writes: the list right after the write has it, at its revision or later.
    const r = await t.call("GET", `${NS}?fieldSelector=metadata.name%3Drw-${i}`);
    assert.deepEqual(names(r.body), [`rw-${i}`]);
    assert.ok(
      Number(r.body.metadata.resourceVersion) >= Number(created.body.metadata.resourceVersion),
    );
  }
  const typed = await t.call("GET", `${NS}?fieldSelector=type%3Dexample.com%2Fother`);
  assert.deepEqual(names(typed.body), ["s3"]);
  assert.deepEqual(
    storageLists.filter((p) => p.startsWith("/registry/secrets/")),
    [],
    "served from the cache",
  );
});

test("a consistent list honours limit; its continue pages read storage at the list's revision", async () => {
  const page1 = await t.call("GET", `${NS}?limit=2`);
  assert.equal(page1.status, 200, page1.text);
  assert.deepEqual(names(page1.body), ["rw-0", "rw-1"]);
  assert.equal(page1.body.metadata.remainingItemCount, 6);
  // A write after page 1 is not in the later pages (one revision for the whole list).
  assert.equal((await t.call("POST", NS, secret("zz-late"))).status, 201);
  let cont = page1.body.metadata.continue as string | undefined;
  const rest: string[] = [];
  while (cont) {
    const r = await t.call("GET", `${NS}?limit=2&continue=${encodeURIComponent(cont)}`);
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body.metadata.resourceVersion, page1.body.metadata.resourceVersion);
    rest.push(...names(r.body));
    cont = r.body.metadata.continue;
  }
  assert.deepEqual(rest, ["rw-2", "rw-3", "rw-4", "s1", "s2", "s3"]);
});

test("NotOlderThan reads of a write's own resourceVersion come from the cache at once", async () => {
  const gets: string[] = [];
  const get: Backend["get"] = t.backend.get.bind(t.backend);
  t.backend.get = (key, opts) => {
    gets.push(key);
    return get(key, opts);
  };
  try {
    storageLists = [];
    const created = await t.call("POST", NS, secret("nt-1"));
    assert.equal(created.status, 201, created.text);
    const rv = created.body.metadata.resourceVersion as string;
    gets.length = 0;
    const listed = await t.call(
      "GET",
      `${NS}?resourceVersion=${rv}&resourceVersionMatch=NotOlderThan&fieldSelector=metadata.name%3Dnt-1`,
    );
    assert.deepEqual(names(listed.body), ["nt-1"]);
    const got = await t.call("GET", `${NS}/nt-1?resourceVersion=${rv}`);
    assert.equal(got.status, 200, got.text);
    assert.equal(got.body.metadata.resourceVersion, rv);
    assert.deepEqual(storageLists, []);
    assert.deepEqual(gets, []);
  } finally {
    t.backend.get = get;
  }
});
