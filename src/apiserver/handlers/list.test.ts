import { test } from "node:test";
import assert from "node:assert/strict";
import type { RequestContext } from "../context.ts";
import { parseListOptions } from "../list-options.ts";
import { keyPrefix } from "../object-store.ts";
import { configMap, useTestServer } from "../testing/test-server.ts";
import { LIST_BATCH, listStorage } from "../watch-cache-reader.ts";
import { listPage } from "./list.ts";

const t = useTestServer();
const cms = "/api/v1/namespaces/default/configmaps";

test("a large JSON list is streamed item by item and parses as the whole list", async () => {
  const n = 620; // above the streaming threshold; ~1.3 MiB, more than one chunk
  for (let i = 0; i < n; i += 20) {
    await Promise.all(
      Array.from({ length: 20 }, (_, j) =>
        t.call("POST", cms, { ...configMap(`big-${i + j}`), data: { k: "x".repeat(2000) } }),
      ),
    );
  }
  const r = await t.call("GET", cms);
  assert.equal(r.status, 200);
  assert.equal(r.headers.get("content-length"), null, "streamed lists have no length");
  assert.equal(r.body.kind, "ConfigMapList");
  assert.equal(r.body.apiVersion, "v1");
  assert.match(r.body.metadata.resourceVersion, /^\d+$/);
  const names = (r.body.items as { metadata: { name: string }; kind?: string }[]).map(
    (o) => o.metadata.name,
  );
  assert.equal(names.length, n);
  assert.equal(new Set(names).size, n);
  assert.equal(r.body.items[0].kind, undefined, "items carry no type meta, as before");
  // kubectl's Table form streams its rows the same way.
  const table = await t.call("GET", cms, undefined, {
    Accept: "application/json;as=Table;v=v1;g=meta.k8s.io",
  });
  assert.equal(table.headers.get("content-length"), null);
  assert.equal(table.body.kind, "Table");
  assert.ok(table.body.columnDefinitions.length > 0);
  assert.equal(table.body.rows.length, n);
  assert.equal(table.body.rows[0].object.kind, "PartialObjectMetadata");
  // A small list keeps its Content-Length.
  const small = await t.call("GET", `${cms}?limit=10`);
  assert.equal(small.body.items.length, 10);
  assert.ok(Number(small.headers.get("content-length")) > 0);
});

test("the streamed JSON list equals the list sent whole (YAML), items and Table rows", async () => {
  const { parse } = await import("yaml");
  for (const as of ["", ";as=Table;v=v1;g=meta.k8s.io"]) {
    const json = await t.call("GET", cms, undefined, { Accept: `application/json${as}` });
    const yaml = await t.call("GET", cms, undefined, { Accept: `application/yaml${as}` });
    assert.equal(json.headers.get("content-length"), null, `JSON${as} is streamed`);
    assert.ok(Number(yaml.headers.get("content-length")) > 0, `YAML${as} is sent whole`);
    const whole = parse(yaml.text);
    if (as) {
      // Tables are rendered at the request's time: only AGE may differ.
      for (const body of [json.body, whole]) for (const row of body.rows) row.cells[2] = "";
    }
    assert.ok((json.body.items ?? json.body.rows).length >= 620);
    assert.deepEqual(json.body, whole);
  }
});

test("an unlimited list keeps its snapshot however late its items are read (cache and storage)", async () => {
  const server = t.server.context;
  const def = server.registry.get("", "v1", "configmaps")!;
  const ctx = { server } as RequestContext;
  const snap = "/api/v1/namespaces/snap/configmaps";
  assert.equal(
    (await t.call("POST", "/api/v1/namespaces", { metadata: { name: "snap" } })).status,
    201,
  );
  for (let i = 0; i < 149; i += 25) {
    await Promise.all(
      Array.from({ length: Math.min(25, 149 - i) }, (_, j) =>
        t.call("POST", snap, configMap(`s-${String(i + j).padStart(3, "0")}`)),
      ),
    );
  }
  // Written behind the server's back: no decoding is announced to the cache
  // (as for writes through the API), so the cache decodes it only when read.
  const probe = { ...configMap("s-149"), metadata: { name: "s-149", namespace: "snap", uid: "u" } };
  await server.store.backend.create(`${keyPrefix(def, "snap")}s-149`, JSON.stringify(probe));
  const cache = server.watchCaches.get(keyPrefix(def))!;
  for (const [round, query] of [
    [0, ""],
    [1, "resourceVersionMatch=Exact&resourceVersion=CURRENT"],
  ] as const) {
    const current = await server.store.backend.currentRevision();
    const opts = parseListOptions(
      def,
      new URLSearchParams(query.replace("CURRENT", String(current))),
    );
    const page = await listPage(ctx, def, "snap", opts);
    assert.equal(page.revision, current);
    // Storage and the cache move on before a single item is read.
    const [gone, changed] = [`s-00${2 * round}`, `s-00${2 * round + 1}`];
    assert.equal((await t.call("DELETE", `${snap}/${gone}`)).status, 200);
    const patched = await t.call(
      "PATCH",
      `${snap}/${changed}`,
      { data: { k: "new" } },
      {
        "Content-Type": "application/merge-patch+json",
      },
    );
    assert.equal(patched.status, 200);
    const rv = Number(patched.body.metadata.resourceVersion);
    for (let i = 0; cache.lastRevision < rv; i++) {
      assert.ok(i < 2000, "the cache follows storage");
      await new Promise((r) => setTimeout(r, 10));
    }
    const last = cache.store.get(`${keyPrefix(def, "snap")}s-149`)!;
    if (round === 0) assert.equal(last.obj, undefined, "the cache decodes as the list is read");
    const batches = [...page.batches];
    if (round === 0) assert.ok(last.obj, "read, so decoded");
    assert.ok(batches.length >= 150 / LIST_BATCH, `${query}: items come in batches`);
    assert.ok(batches.every((b) => b.length <= LIST_BATCH));
    const items = batches.flat();
    assert.equal(items.length, 150 - round, `${query}: ${gone} deleted in an earlier round only`);
    assert.ok(
      items.some((o) => o.metadata?.name === gone),
      `${query}: deleted after the read`,
    );
    const old = items.find((o) => o.metadata?.name === changed) as { data?: { k: string } };
    assert.equal(old.data?.k, "v", `${query}: patched after the read`);
    assert.ok(items.every((o) => Number(o.metadata?.resourceVersion) <= page.revision));
  }
});

test("a storage page decodes each item once, on demand, and releases its stored value", async () => {
  const server = t.server.context;
  const def = server.registry.get("", "v1", "configmaps")!;
  const page = await listStorage(server, def, "snap", { limit: 5 });
  assert.equal(page.keys.length, 5);
  assert.ok(page.more);
  assert.equal(page.object(3).metadata?.name, page.keys[3]!.split("/").pop());
  assert.throws(() => page.object(3), /already decoded/);
  assert.equal(page.object(0).metadata?.name, page.keys[0]!.split("/").pop());
});
