import assert from "node:assert/strict";
import { test } from "node:test";
import { prefixEnd, toStorageError } from "./etcd-kv.ts";

test("prefixEnd is the smallest key above every key with the prefix", () => {
  const cases: Array<[number[], number[]]> = [
    [[0x61], [0x62]],
    [[0x61, 0xff], [0x62]],
    [
      [0x61, 0x62, 0x2f],
      [0x61, 0x62, 0x30],
    ],
    [[0xff, 0xff], [0x00]],
    [[], [0x00]],
  ];
  for (const [prefix, end] of cases)
    assert.deepEqual([...prefixEnd(Buffer.from(prefix))], end, `${prefix}`);
});

test("etcd errors map to StorageError codes", () => {
  const cases: Array<[string, string]> = [
    ["11 OUT_OF_RANGE: etcdserver: mvcc: required revision has been compacted", "Compacted"],
    ["11 OUT_OF_RANGE: etcdserver: mvcc: required revision is a future revision", "FutureRevision"],
    ["3 INVALID_ARGUMENT: etcdserver: request is too large", "TooLarge"],
    ["14 UNAVAILABLE: No connection established", "Unavailable"],
  ];
  for (const [message, code] of cases) {
    const err = toStorageError(new Error(message), "/k");
    assert.equal(err.code, code, message);
    assert.equal(err.key, "/k");
    assert.doesNotMatch(err.message, /^\d+ [A-Z_]+:/);
  }
});
