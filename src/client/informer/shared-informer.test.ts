/**
 * The informer against a scripted API server on 127.0.0.1 (port 0): a
 * watch answered with 410 Expired makes it re-list, and the re-list's
 * differences reach the handlers as delete/update/add.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { createServer, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { FakeClock } from "../clock.ts";
import { RestClient } from "../rest-client.ts";
import { podsRef } from "../resources.ts";
import { SharedInformer, stripManagedFields } from "./shared-informer.ts";

const pod = (name: string, rv: string) => ({
  apiVersion: "v1",
  kind: "Pod",
  metadata: { name, namespace: "default", resourceVersion: rv },
});

test("a 410 on watch re-lists; the differences reach the handlers", async () => {
  const lists = [
    { rv: "10", items: [pod("a", "5"), pod("b", "6")] },
    { rv: "20", items: [pod("b", "15"), pod("c", "18")] },
  ];
  const requests: string[] = [];
  const open: ServerResponse[] = [];
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://x");
    const watch = url.searchParams.get("watch") === "true" || url.searchParams.get("watch") === "1";
    requests.push(
      `${watch ? "WATCH" : "LIST"} rv=${url.searchParams.get("resourceVersion") ?? ""}`,
    );
    res.writeHead(200, { "content-type": "application/json" });
    if (!watch) {
      const l = lists.shift() ?? { rv: "20", items: [] };
      res.end(
        JSON.stringify({
          kind: "PodList",
          apiVersion: "v1",
          metadata: { resourceVersion: l.rv },
          items: l.items,
        }),
      );
      return;
    }
    if (url.searchParams.get("resourceVersion") === "10") {
      const status = {
        kind: "Status",
        apiVersion: "v1",
        status: "Failure",
        reason: "Expired",
        code: 410,
        message: "too old resource version: 10 (15)",
      };
      res.end(JSON.stringify({ type: "ERROR", object: status }) + "\n");
      return;
    }
    open.push(res); // the second watch stays open until the test ends
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const client = new RestClient({
    server: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    qps: 1000,
    burst: 1000,
  });
  const informer = new SharedInformer(client, podsRef, { clock: new FakeClock() });
  const seen: string[] = [];
  informer.addEventHandler({
    add: (o) => seen.push(`add ${o.metadata?.name}`),
    update: (old, o) =>
      seen.push(
        `update ${o.metadata?.name} ${old.metadata?.resourceVersion}->${o.metadata?.resourceVersion}`,
      ),
    delete: (o) => seen.push(`delete ${o.metadata?.name}`),
  });
  try {
    informer.start();
    await informer.waitForSync();
    for (let i = 0; i < 500 && open.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
    assert.deepEqual(requests, ["LIST rv=", "WATCH rv=10", "LIST rv=", "WATCH rv=20"]);
    assert.deepEqual(seen, ["add a", "add b", "update b 6->15", "add c", "delete a"]);
    assert.deepEqual(informer.indexer.keys().sort(), ["default/b", "default/c"]);
  } finally {
    for (const r of open) r.end();
    await informer.stop();
    client.close();
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  }
});

test("waitForSync(signal): false once the signal aborts before the first list, true after it", async () => {
  let fail = true;
  const lists: string[] = [];
  const client = {
    list: async () => {
      lists.push("list");
      if (fail) throw new Error("the server could not find the requested resource");
      return { items: [], metadata: { resourceVersion: "5" } };
    },
    watch: (_r: unknown, _ns: unknown, _o: unknown, signal: AbortSignal) =>
      (async function* () {
        await new Promise((r) => signal.addEventListener("abort", r));
      })(),
  } as unknown as RestClient;
  const clock = new FakeClock();
  const errors: unknown[] = [];
  const informer = new SharedInformer(client, podsRef, { clock, onError: (e) => errors.push(e) });
  informer.start();
  const abort = new AbortController();
  const waiting = informer.waitForSync(abort.signal);
  const other = informer.waitForSync();
  await new Promise((r) => setImmediate(r));
  assert.equal(errors.length, 1, "first list failed; back-off");
  abort.abort();
  assert.equal(await waiting, false);
  assert.equal(await informer.waitForSync(abort.signal), false, "already aborted");
  fail = false;
  clock.advance(200);
  assert.equal(await other, true, "a waiter without a signal still waits for the list");
  assert.equal(await informer.waitForSync(abort.signal), true, "synced wins over aborted");
  await informer.stop();
  const listed = lists.length;
  clock.advance(60_000);
  assert.equal(lists.length, listed, "stopped: no more lists");
});

test("stripManagedFields leaves metadata without the key, other fields in their order", () => {
  const obj = {
    metadata: {
      name: "a",
      namespace: "default",
      managedFields: [{ manager: "kubectl" }],
      resourceVersion: "7",
    },
  };
  const before = obj.metadata;
  stripManagedFields(obj);
  assert.equal("managedFields" in obj.metadata, false);
  assert.deepEqual(Object.keys(obj.metadata), ["name", "namespace", "resourceVersion"]);
  // A fresh object: the parsed one never becomes a dictionary by a deletion.
  assert.notEqual(obj.metadata, before);
  const none: { metadata: { name: string; managedFields?: unknown } } = { metadata: { name: "b" } };
  const kept = none.metadata;
  stripManagedFields(none);
  assert.equal(none.metadata, kept);
});
