import { test } from "node:test";
import assert from "node:assert/strict";
import type { KObject, ResourceDef } from "../api/types.ts";
import type { KeyValue } from "../storage/backend.ts";
import { ExpectedWrites } from "./watch-cache-writes.ts";

const def = { group: "", version: "v1", resource: "configmaps", kind: "ConfigMap" } as ResourceDef;
const kv = (key: string, value: string, modRevision = 7): KeyValue => ({
  key,
  value,
  createRevision: 1,
  modRevision,
});
/** An announcement whose decoding records the revision it was asked for. */
function write(value: string) {
  const asked: number[] = [];
  return {
    asked,
    write: {
      def,
      value,
      decoded: (revision: number): KObject => {
        asked.push(revision);
        return {
          apiVersion: "v1",
          kind: "ConfigMap",
          metadata: { resourceVersion: String(revision) },
        };
      },
    },
  };
}

test("an event carrying the announced bytes takes the decoding, once, at its revision", () => {
  const writes = new ExpectedWrites();
  const a = write('{"a":1}');
  writes.expect("/k", a.write);
  assert.equal(writes.take(kv("/other", '{"a":1}')), undefined, "another key");
  assert.equal(writes.take(kv("/k", '{"a":2}')), undefined, "other bytes");
  const got = writes.take(kv("/k", '{"a":1}', 9));
  assert.deepEqual(got?.obj.metadata, { resourceVersion: "9" });
  assert.equal(got?.def, def);
  assert.deepEqual(a.asked, [9]);
  assert.equal(writes.take(kv("/k", '{"a":1}', 10)), undefined, "consumed");
  assert.equal(writes.size, 0);
});

test("withdrawals remove only their own announcement; a newer one replaces an older; clear drops all", () => {
  const writes = new ExpectedWrites();
  const first = write("1");
  const second = write("2");
  const withdrawFirst = writes.expect("/k", first.write);
  writes.expect("/k", second.write);
  withdrawFirst();
  assert.equal(writes.size, 1, "the newer announcement stays");
  assert.equal(writes.take(kv("/k", "1")), undefined, "the replaced one is gone");
  assert.ok(writes.take(kv("/k", "2")));
  const withdraw = writes.expect("/k", first.write);
  withdraw();
  assert.equal(writes.size, 0);
  writes.expect("/a", first.write);
  writes.expect("/b", second.write);
  writes.clear();
  assert.equal(writes.size, 0);
  assert.deepEqual(
    [first.asked, second.asked],
    [[], [7]],
    "only the taken announcement was decoded",
  );
});
