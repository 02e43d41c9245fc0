import assert from "node:assert/strict";
import { test } from "node:test";
import type { ResourceDef } from "../api/types.ts";
import type { KeyValue } from "../storage/backend.ts";
import { WatchEventMemo } from "./watch-event-memo.ts";

const kv = (n: number): KeyValue =>
  ({
    key: `/registry/configmaps/default/c${n}`,
    value: JSON.stringify({ metadata: { name: `c${n}` } }),
    createRevision: n,
    modRevision: n,
  }) as unknown as KeyValue;
const v1 = { group: "", version: "v1", resource: "configmaps" } as ResourceDef;
const v2 = { group: "", version: "v2", resource: "configmaps" } as ResourceDef;

test("an event is decoded once per served version and its line made once per type", () => {
  const memo = new WatchEventMemo(8);
  let decodes = 0;
  const decode = (k: KeyValue) => {
    decodes++;
    return JSON.parse(k.value);
  };
  const a = kv(1);
  const first = memo.decode(a, v1, decode);
  assert.equal(memo.decode(a, v1, decode), first, "same object for every watcher");
  assert.equal(decodes, 1);
  memo.decode(a, v2, decode);
  assert.equal(decodes, 2, "another version decodes again");
  let lines = 0;
  const make = () => `line${++lines}`;
  assert.equal(memo.line(a, v1, "ADDED", make), "line1");
  assert.equal(memo.line(a, v1, "ADDED", make), "line1");
  assert.equal(memo.line(a, v1, "MODIFIED", make), "line2");
  assert.equal(memo.line(a, v2, "ADDED", make), "line3");
});

test("the memo keeps at most capacity events, dropping the oldest", () => {
  const memo = new WatchEventMemo(3);
  const kvs = [kv(1), kv(2), kv(3), kv(4)];
  let decodes = 0;
  const decode = (k: KeyValue) => {
    decodes++;
    return JSON.parse(k.value);
  };
  for (const k of kvs) memo.decode(k, v1, decode);
  assert.equal(memo.size, 3);
  memo.decode(kvs[3]!, v1, decode);
  assert.equal(decodes, 4, "the newest is still remembered");
  memo.decode(kvs[0]!, v1, decode);
  assert.equal(decodes, 5, "the oldest was dropped and is decoded again");
});

test("a line whose making failed is made again; JSON and objects are kept per served version", () => {
  const memo = new WatchEventMemo(8);
  const a = kv(1);
  assert.throws(() =>
    memo.line(a, v1, "ADDED", () => {
      throw new Error("boom");
    }),
  );
  assert.equal(
    memo.line(a, v1, "ADDED", () => "made"),
    "made",
  );
  assert.equal(memo.json(a, v1), undefined);
  memo.adoptJson(a, v2, '{"v":2}');
  assert.equal(memo.json(a, v1), undefined, "JSON adopted for another version");
  assert.equal(memo.json(a, v2), '{"v":2}');
  assert.equal(memo.json(kv(2), v2), undefined, "not remembered");
  assert.equal(memo.size, 1, "json() remembers nothing");
  const held = { kind: "held" };
  memo.adopt(a, v2, held as never);
  memo.adopt(a, v2, { kind: "other" } as never);
  assert.equal(
    memo.decode(a, v2, () => assert.fail("adopted")),
    held,
    "the first adoption stays",
  );
});

test("an overflow drops the oldest events down to 15/16 of capacity at once", () => {
  const memo = new WatchEventMemo(32);
  const kvs = Array.from({ length: 40 }, (_, i) => kv(i));
  let decodes = 0;
  const decode = (k: KeyValue) => {
    decodes++;
    return JSON.parse(k.value);
  };
  for (const k of kvs.slice(0, 32)) memo.decode(k, v1, decode);
  assert.equal(memo.size, 32, "full, nothing dropped yet");
  memo.decode(kvs[32]!, v1, decode);
  assert.equal(memo.size, 30, "33 events: the 3 oldest dropped");
  for (const k of kvs.slice(3, 33)) memo.decode(k, v1, decode);
  assert.equal(decodes, 33, "the 30 newest are all still remembered");
  memo.decode(kvs[2]!, v1, decode);
  assert.equal(decodes, 34, "the third oldest was dropped");
});
