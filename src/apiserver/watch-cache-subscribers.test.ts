import assert from "node:assert/strict";
import { test } from "node:test";
import type { KeyValue } from "../storage/backend.ts";
import type { CacheEvent } from "./watch-cache.ts";
import { Subscribers, type Subscriber } from "./watch-cache-subscribers.ts";

const kv = (key: string, node: string | undefined, rev: number): KeyValue => ({
  key,
  value: JSON.stringify({ spec: node === undefined ? {} : { nodeName: node } }),
  createRevision: 1,
  modRevision: rev,
});
const nodeOf = (k: KeyValue) => {
  if (k.value === "broken") throw new Error("undecodable");
  return (JSON.parse(k.value) as { spec: { nodeName?: string } }).spec.nodeName;
};
const ev = (type: CacheEvent["type"], key: string, now?: string, before?: string | null) => ({
  type,
  revision: 0,
  key,
  kv: kv(key, now, 2),
  prevKv: before === null ? undefined : kv(key, before ?? undefined, 1),
});
const sub = (prefix: string, node?: string): Subscriber => ({
  prefix,
  queue: [],
  closed: false,
  trigger:
    node === undefined ? undefined : { field: "spec.nodeName", value: node, valueOf: nodeOf },
});
const keysOf = (routed: Map<Subscriber, CacheEvent[]>, s: Subscriber) =>
  (routed.get(s) ?? []).map((e) => e.key);

test("indexed watches get only the events whose object is, or was, on their value", () => {
  const subs = new Subscribers();
  const all = sub("/registry/pods/");
  const nsB = sub("/registry/pods/b/");
  const n1 = sub("/registry/pods/", "n1");
  const n2 = sub("/registry/pods/", "n2");
  const n1InB = sub("/registry/pods/b/", "n1");
  for (const s of [all, nsB, n1, n2, n1InB]) subs.add(s);
  const events = [
    ev("ADDED", "/registry/pods/a/unscheduled", undefined, null),
    ev("MODIFIED", "/registry/pods/a/bound", "n1", undefined),
    ev("MODIFIED", "/registry/pods/b/moved", "n2", "n1"),
    ev("DELETED", "/registry/pods/a/gone", "n2", "n2"),
    ev("MODIFIED", "/registry/pods/b/other", "n3", "n3"),
  ];
  const routed = subs.route(events);
  assert.deepEqual(
    keysOf(routed, all),
    events.map((e) => e.key),
  );
  assert.deepEqual(keysOf(routed, nsB), ["/registry/pods/b/moved", "/registry/pods/b/other"]);
  assert.deepEqual(keysOf(routed, n1), ["/registry/pods/a/bound", "/registry/pods/b/moved"]);
  assert.deepEqual(keysOf(routed, n2), ["/registry/pods/b/moved", "/registry/pods/a/gone"]);
  assert.deepEqual(keysOf(routed, n1InB), ["/registry/pods/b/moved"]);
});

test("an event whose value cannot be read goes to every indexed watch", () => {
  const subs = new Subscribers();
  const n1 = sub("/registry/pods/", "n1");
  const n2 = sub("/registry/pods/", "n2");
  subs.add(n1);
  subs.add(n2);
  const broken: CacheEvent = { ...ev("MODIFIED", "/registry/pods/a/x", "n1", "n1") };
  broken.kv = { ...broken.kv, value: "broken" };
  const routed = subs.route([broken]);
  assert.deepEqual(keysOf(routed, n1), ["/registry/pods/a/x"]);
  assert.deepEqual(keysOf(routed, n2), ["/registry/pods/a/x"]);
});

test("removed watches get nothing and leave no index entry behind", () => {
  const subs = new Subscribers();
  const n1 = sub("/registry/pods/", "n1");
  const plain = sub("/registry/pods/");
  subs.add(n1);
  subs.add(plain);
  assert.equal(subs.size, 2);
  subs.delete(n1);
  subs.delete(n1);
  assert.equal(subs.size, 1);
  assert.deepEqual([...subs], [plain]);
  const routed = subs.route([ev("ADDED", "/registry/pods/a/p", "n1", null)]);
  assert.deepEqual([...routed.keys()], [plain]);
});
