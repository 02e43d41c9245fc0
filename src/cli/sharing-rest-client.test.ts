/**
 * Informer sharing: informers of two components built on SharingRestClients
 * cost one list+watch of the source and hold the same object instances;
 * shared lists page over one snapshot; everything not shareable reaches the
 * API server (a real HTTP server on 127.0.0.1, port 0).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { isGone } from "../client/api-error.ts";
import { FakeClock } from "../client/clock.ts";
import { SharedInformer } from "../client/informer/shared-informer.ts";
import type { ListOptions } from "../client/rest-client.ts";
import { podsRef } from "../client/resources.ts";
import { pod, ScriptedSource } from "./scripted-source.ts";
import { shareable, SharedListWatch, SharingRestClient } from "./sharing-rest-client.ts";

const tick = () => new Promise<void>((r) => setImmediate(r));

async function until(what: string, check: () => boolean): Promise<void> {
  for (let i = 0; i < 5000; i++) {
    if (check()) return;
    await tick();
  }
  assert.fail(`never happened: ${what}`);
}

test("shareable: all namespaces, no selectors, cache-served versions only", () => {
  const rows: [string, string | undefined, ListOptions, "list" | "watch", boolean][] = [
    ["informer list", undefined, { limit: 500 }, "list", true],
    ["list rv 0", undefined, { resourceVersion: "0" }, "list", true],
    ["own continue token", undefined, { continue: "k8ts-shared:3" }, "list", true],
    ["server continue token", undefined, { continue: "eyJ2Ijoi" }, "list", false],
    ["exact rv list", undefined, { resourceVersion: "42" }, "list", false],
    [
      "rv match",
      undefined,
      { resourceVersion: "0", resourceVersionMatch: "NotOlderThan" },
      "list",
      false,
    ],
    ["namespaced list", "default", {}, "list", false],
    ["label selector", undefined, { labelSelector: "app=web" }, "list", false],
    [
      "field selector watch",
      undefined,
      { fieldSelector: "spec.nodeName=n1", resourceVersion: "5" },
      "watch",
      false,
    ],
    [
      "informer watch",
      undefined,
      { resourceVersion: "5", allowWatchBookmarks: true },
      "watch",
      true,
    ],
    ["watch from now", undefined, { resourceVersion: "" }, "watch", false],
    ["watch rv 0", undefined, { resourceVersion: "0" }, "watch", true],
  ];
  for (const [name, ns, opts, verb, want] of rows)
    assert.equal(shareable(ns, opts, verb), want, name);
});

test("two components' informers: one list+watch, the same instances, both see updates", async () => {
  const src = new ScriptedSource();
  src.state = Array.from({ length: 1200 }, (_, i) => pod(`p${i}`, 1));
  const shared = new SharedListWatch(src, { clock: new FakeClock() });
  const config = { server: "https://127.0.0.1:1" }; // never dialled: all calls are shared
  const schedulerClient = new SharingRestClient(config, shared);
  const managerClient = new SharingRestClient(config, shared);
  const informers = [schedulerClient, managerClient].map(
    (c) => new SharedInformer(c, podsRef, { clock: new FakeClock() }),
  );
  const updates: string[][] = [[], []];
  informers.forEach((inf, i) =>
    inf.addEventHandler({ update: (_, o) => updates[i]!.push(o.metadata!.name!) }),
  );
  try {
    for (const inf of informers) inf.start();
    await Promise.all(informers.map((i) => i.waitForSync()));
    assert.equal(src.lists, 3, "the source was listed once (3 pages of 500)");
    assert.equal(informers[0]!.indexer.size(), 1200);
    assert.equal(informers[1]!.indexer.size(), 1200);
    assert.equal(
      informers[0]!.indexer.get("default/p7"),
      informers[1]!.indexer.get("default/p7"),
      "one decoded copy",
    );
    await until("the source watch", () => src.open === 1);
    const changed = src.emit("MODIFIED", "p7");
    await until("both informers updated", () => updates.every((u) => u.length === 1));
    assert.equal(informers[0]!.indexer.get("default/p7"), changed);
    assert.equal(informers[1]!.indexer.get("default/p7"), changed);
    assert.equal(src.watches, 1, "one source watch");
  } finally {
    await Promise.all(informers.map((i) => i.stop()));
    await shared.stop();
    schedulerClient.close();
    managerClient.close();
  }
});

test("shared lists page over one snapshot; an unknown continue token is 410", async () => {
  const src = new ScriptedSource();
  src.state = ["a", "b", "c", "d", "e"].map((n) => pod(n, 1));
  const shared = new SharedListWatch(src, { clock: new FakeClock() });
  try {
    const names: string[][] = [];
    let cont: string | undefined;
    let rv: string | undefined;
    do {
      const page = await shared.list(podsRef, { limit: 2, continue: cont });
      names.push(page.items.map((o) => o.metadata!.name!));
      rv ??= page.metadata.resourceVersion;
      assert.equal(page.metadata.resourceVersion, rv, "every page at one version");
      cont = page.metadata.continue;
      if (cont) src.emit("ADDED", `new${names.length}`); // later changes do not leak into pages
    } while (cont);
    assert.deepEqual(names, [["a", "b"], ["c", "d"], ["e"]]);
    await assert.rejects(shared.list(podsRef, { continue: "k8ts-shared:999" }), isGone);
    const all = await shared.list(podsRef, {});
    assert.equal(all.metadata.continue, undefined);
  } finally {
    await shared.stop();
  }
});

test("calls that are not shareable go to the API server", async () => {
  const seen: string[] = [];
  const server = createServer((req, res) => {
    seen.push(req.url ?? "");
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify({ kind: "PodList", metadata: { resourceVersion: "3" }, items: [] }));
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const src = new ScriptedSource();
  const shared = new SharedListWatch(src, { clock: new FakeClock() });
  const client = new SharingRestClient(
    { server: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, qps: 1e3, burst: 1e3 },
    shared,
  );
  try {
    await client.list(podsRef, "default");
    await client.list(podsRef, undefined, { labelSelector: "app=web" });
    await client.list(podsRef, undefined);
    assert.deepEqual(seen, [
      "/api/v1/namespaces/default/pods",
      "/api/v1/pods?labelSelector=app%3Dweb",
    ]);
    assert.equal(src.lists, 1, "the plain list was shared");
  } finally {
    client.close();
    await shared.stop();
    await new Promise((r) => server.close(r));
  }
});
