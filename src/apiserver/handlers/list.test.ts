import { test } from "node:test";
import assert from "node:assert/strict";
import { configMap, useTestServer } from "../testing/test-server.ts";

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
