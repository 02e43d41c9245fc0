import assert from "node:assert/strict";
import { test } from "node:test";
import type { KObject } from "../../api/types.ts";
import type { CacheEvent } from "../watch-cache.ts";
import { filterEvent } from "./watch.ts";

const kv = (value: string, rev: number) => ({
  key: "/registry/configmaps/default/a",
  value,
  createRevision: 1,
  modRevision: rev,
});
const event = (type: CacheEvent["type"], now: string, before?: string): CacheEvent => ({
  type,
  revision: 2,
  key: "/registry/configmaps/default/a",
  kv: kv(now, 2),
  prevKv: before === undefined ? undefined : kv(before, 1),
});

test("filterEvent: selector-less watches never decode the previous version", async () => {
  const decoded: string[] = [];
  const decode = (k: CacheEvent["kv"]): KObject => {
    decoded.push(k.value);
    return JSON.parse(k.value) as KObject;
  };
  const now = JSON.stringify({ metadata: { name: "a", labels: { x: "1" } } });
  const before = JSON.stringify({ metadata: { name: "a", labels: { x: "0" } } });
  const all = await filterEvent(event("MODIFIED", now, before), decode, "all");
  assert.equal(all?.type, "MODIFIED");
  assert.deepEqual(decoded, [now]);
  // With a selector the previous version decides: moving into it is ADDED.
  decoded.length = 0;
  const x1 = (o: KObject) => o.metadata?.labels?.x === "1";
  const into = await filterEvent(event("MODIFIED", now, before), decode, x1);
  assert.equal(into?.type, "ADDED");
  assert.deepEqual(decoded, [now, before]);
  const gone = await filterEvent(event("DELETED", now, now), decode, "all");
  assert.equal(gone?.type, "DELETED");
});
