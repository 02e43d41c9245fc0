import { test } from "node:test";
import assert from "node:assert/strict";
import type { KObject, ResourceDef } from "../api/types.ts";
import type { KeyValue } from "../storage/backend.ts";
import { SHARED_FIELDS_LEAF } from "./watch-cache-compact.ts";
import { WatchCacheStore } from "./watch-cache-store.ts";

const kv = (key: string, modRevision: number): KeyValue => ({
  key,
  value: JSON.stringify({ metadata: { name: key.split("/").pop() } }),
  createRevision: 1,
  modRevision,
});

test("under() returns a prefix's elements in key order, after puts and removes", () => {
  const store = new WatchCacheStore();
  store.replace([kv("/r/cm/b/y", 2), kv("/r/cm/a/x", 1), kv("/r/cm/ab/z", 3)]);
  const keys = (prefix: string) => store.under(prefix).map((e) => e.key);
  const cases: [string, string[]][] = [
    ["/r/cm/", ["/r/cm/a/x", "/r/cm/ab/z", "/r/cm/b/y"]],
    // "a/" must not match "ab/".
    ["/r/cm/a/", ["/r/cm/a/x"]],
    ["/r/cm/c/", []],
    ["/r/other/", []],
  ];
  for (const [prefix, want] of cases) assert.deepEqual(keys(prefix), want, prefix);
  store.put(kv("/r/cm/a/w", 4));
  store.remove("/r/cm/b/y");
  store.put(kv("/r/cm/a/x", 5));
  assert.deepEqual(keys("/r/cm/"), ["/r/cm/a/w", "/r/cm/a/x", "/r/cm/ab/z"]);
  assert.equal(store.get("/r/cm/a/x")?.modRevision, 5);
  assert.equal(store.size, 3);
});

test("under() orders keys as storage does (UTF-8 bytes), above U+FFFF too", () => {
  const store = new WatchCacheStore();
  // By UTF-16 unit the pair (0xD83D...) sorts before U+FF01; by code point after it.
  store.replace([kv("/r/cr/b\u{1F600}", 1), kv("/r/cr/b\uFF01", 2), kv("/r/cr/a", 3)]);
  assert.deepEqual(
    store.under("/r/cr/").map((e) => e.key),
    ["/r/cr/a", "/r/cr/b\uFF01", "/r/cr/b\u{1F600}"],
  );
  assert.deepEqual(
    store.under("/r/cr/b\uFF01").map((e) => e.key),
    ["/r/cr/b\uFF01"],
  );
});

test("an element decodes once per served version; storage reads of the same version share it", () => {
  const store = new WatchCacheStore();
  const v1 = { resource: "v1" } as ResourceDef;
  const v2 = { resource: "v2" } as ResourceDef;
  let decodes = 0;
  const decode = (k: KeyValue): KObject => {
    decodes++;
    return JSON.parse(k.value) as KObject;
  };
  store.replace([kv("/r/cm/a/x", 7)]);
  const el = store.get("/r/cm/a/x")!;
  const first = WatchCacheStore.objectOf(el, v1, decode);
  assert.equal(WatchCacheStore.objectOf(el, v1, decode), first);
  assert.notEqual(WatchCacheStore.objectOf(el, v2, decode), first);
  assert.equal(decodes, 2);
  // A storage read of the same key and revision shares the decoding ...
  assert.equal(store.decodedLike(kv("/r/cm/a/x", 7), v1, decode), first);
  // ... another revision or an unknown key does not.
  assert.equal(store.decodedLike(kv("/r/cm/a/x", 8), v1, decode), undefined);
  assert.equal(store.decodedLike(kv("/r/cm/a/q", 7), v1, decode), undefined);
  assert.equal(decodes, 2);
  // A new version replaces the decodings.
  store.put(kv("/r/cm/a/x", 9));
  assert.notEqual(WatchCacheStore.objectOf(store.get("/r/cm/a/x")!, v1, decode), first);
  assert.equal(decodes, 3);
});

test("an element keeps one form: a sole version's decoding replaces the stored JSON", () => {
  const decode = (k: KeyValue): KObject => {
    const obj = JSON.parse(k.value) as KObject;
    obj.metadata = { ...obj.metadata, resourceVersion: String(k.modRevision) };
    return obj;
  };
  const sole = { resource: "configmaps" } as ResourceDef;
  const versioned = {
    resource: "horizontalpodautoscalers",
    storage: { group: "autoscaling", resource: "horizontalpodautoscalers", version: "v2" },
    convert: (o: KObject) => o,
  } as unknown as ResourceDef;
  const cases: [string, ResourceDef, boolean][] = [
    ["sole version", sole, false],
    ["a version sharing its storage", versioned, true],
  ];
  for (const [name, def, keepsJson] of cases) {
    const store = new WatchCacheStore();
    store.replace([kv("/r/cm/a/x", 7)]);
    const el = store.get("/r/cm/a/x")!;
    assert.equal(el.value, '{"metadata":{"name":"x"}}', name);
    const obj = WatchCacheStore.objectOf(el, def, decode);
    assert.equal(obj.metadata?.resourceVersion, "7", name);
    assert.equal(el.value !== undefined, keepsJson, name);
    // Either way the stored KeyValue can be had again, without resourceVersion.
    assert.deepEqual(el.toKeyValue(), kv("/r/cm/a/x", 7), name);
  }
});

test("decodings and adopted objects are compacted: fieldsV1 leaves shared, values unchanged", () => {
  const store = new WatchCacheStore();
  const def = { resource: "pods" } as ResourceDef;
  const stored = {
    metadata: {
      name: "p",
      managedFields: [{ manager: "m", fieldsV1: { "f:metadata": { "f:labels": { "f:a": {} } } } }],
    },
  };
  const el = store.put({
    key: "/r/pods/ns/p",
    value: JSON.stringify(stored),
    createRevision: 1,
    modRevision: 1,
  });
  const leafOf = (o: KObject) =>
    (o.metadata!.managedFields![0]!.fieldsV1 as any)["f:metadata"]["f:labels"]["f:a"];
  const decoded = WatchCacheStore.objectOf(el, def, (k) => JSON.parse(k.value) as KObject);
  assert.equal(leafOf(decoded), SHARED_FIELDS_LEAF);
  assert.deepEqual(JSON.parse(el.toKeyValue().value), stored);
  const el2 = store.put({ ...el.toKeyValue(), modRevision: 2 });
  const announced = structuredClone(stored) as KObject;
  WatchCacheStore.adopt(el2, def, announced);
  assert.equal(leafOf(announced), SHARED_FIELDS_LEAF);
  assert.equal(JSON.stringify(announced), JSON.stringify(stored));
  // The next version shares the first entry (compacted with `announced`) and adds one:
  // only the new entry is walked (the shared one is taken as compacted, even when not).
  const el3 = store.put({ ...el.toKeyValue(), modRevision: 3 });
  const trusted = { manager: "t", fieldsV1: { "f:spec": {} } };
  const replaced = {
    metadata: { managedFields: [...announced.metadata!.managedFields!, trusted] },
  };
  const fresh = { manager: "n", fieldsV1: { "f:status": {} } };
  const next = { metadata: { name: "p", managedFields: [trusted, fresh] } } as KObject;
  WatchCacheStore.adopt(el3, def, next, replaced as KObject);
  assert.notEqual(trusted.fieldsV1["f:spec"], SHARED_FIELDS_LEAF, "shared entry not walked");
  assert.equal(fresh.fieldsV1["f:status"], SHARED_FIELDS_LEAF, "new entry compacted");
});
