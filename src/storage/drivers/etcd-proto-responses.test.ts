import assert from "node:assert/strict";
import { test } from "node:test";
import {
  decodeLeaseGrantResponse,
  decodeRangeChunks,
  decodeRangeResponse,
  decodeStatusVersion,
  decodeTxnResponse,
  decodeWatchResponse,
} from "./etcd-proto-responses.ts";
import { etcdType } from "../testing/etcd-proto-reference.ts";

/** protobufjs's encoding of a plain object (the message as etcd would send it). */
function encode(name: string, obj: Record<string, unknown>): Buffer {
  const t = etcdType(name);
  return Buffer.from(t.encode(t.fromObject(obj)).finish());
}

const header = {
  cluster_id: "14841639068965178418",
  member_id: "1",
  revision: 2 ** 33,
  raft_term: 2,
};
const kv = (key: string, value: string, create: number, mod: number, version = 1) => ({
  key: Buffer.from(key),
  value: Buffer.from(value),
  create_revision: create,
  mod_revision: mod,
  version,
  lease: "7587870000123456789",
});

test("Range responses decode straight into KeyValues, skipping fields the driver does not read", () => {
  const res = decodeRangeResponse(
    encode("RangeResponse", {
      header,
      kvs: [kv("/a", "ü", 5, 9, 3), kv("/b", "", 6, 6)],
      more: true,
      count: 7,
    }),
  );
  assert.deepEqual(res, {
    revision: 2 ** 33,
    kvs: [
      { key: "/a", value: "ü", createRevision: 5, modRevision: 9 },
      { key: "/b", value: "", createRevision: 6, modRevision: 6 },
    ],
    versions: [3, 1],
    more: true,
    count: 7,
  });
  assert.deepEqual(decodeRangeResponse(Buffer.alloc(0)), {
    revision: 0,
    kvs: [],
    versions: [],
    more: false,
    count: 0,
  });
});

test("Txn responses decode each ResponseOp's kind", () => {
  const res = decodeTxnResponse(
    encode("TxnResponse", {
      header,
      succeeded: true,
      responses: [
        { response_put: { header, prev_kv: kv("/a", "old", 5, 8) } },
        { response_put: { header } },
        { response_delete_range: { header, deleted: 1, prev_kvs: [kv("/a", "x", 5, 9)] } },
        { response_range: { header, kvs: [kv("/c", "v", 1, 2)] } },
      ],
    }),
  );
  assert.equal(res.revision, 2 ** 33);
  assert.equal(res.succeeded, true);
  assert.deepEqual(res.responses[0]!.put, {
    prevKv: { key: "/a", value: "old", createRevision: 5, modRevision: 8 },
  });
  assert.deepEqual(res.responses[1]!.put, { prevKv: null });
  assert.deepEqual(res.responses[2]!.deleteRange, {
    deleted: 1,
    prevKvs: [{ key: "/a", value: "x", createRevision: 5, modRevision: 9 }],
  });
  assert.deepEqual(res.responses[3]!.range!.kvs, [
    { key: "/c", value: "v", createRevision: 1, modRevision: 2 },
  ]);
});

test("Watch responses: events as the Backend's, negative watch ids, cancels", () => {
  const res = decodeWatchResponse(
    encode("WatchResponse", {
      header,
      watch_id: 4,
      events: [
        { type: "Put", kv: kv("/a", "new", 5, 10, 2), prev_kv: kv("/a", "old", 5, 9) },
        { type: "Put", kv: kv("/b", "v", 11, 11) },
        {
          type: "Delete",
          kv: { key: Buffer.from("/a"), mod_revision: 12 },
          prev_kv: kv("/a", "new", 5, 10),
        },
      ],
    }),
  );
  assert.equal(res.watchId, 4);
  assert.equal(res.hasHeader, true);
  assert.deepEqual(res.events, [
    {
      type: "PUT",
      kv: { key: "/a", value: "new", createRevision: 5, modRevision: 10 },
      prevKv: { key: "/a", value: "old", createRevision: 5, modRevision: 9 },
    },
    { type: "PUT", kv: { key: "/b", value: "v", createRevision: 11, modRevision: 11 } },
    {
      type: "DELETE",
      kv: { key: "/a", value: "", createRevision: 0, modRevision: 12 },
      prevKv: { key: "/a", value: "new", createRevision: 5, modRevision: 10 },
    },
  ]);
  const progress = decodeWatchResponse(encode("WatchResponse", { header, watch_id: -1 }));
  assert.equal(progress.watchId, -1);
  assert.equal(progress.events.length, 0);
  const cancel = decodeWatchResponse(
    encode("WatchResponse", {
      watch_id: 2,
      canceled: true,
      compact_revision: 40,
      cancel_reason: "r",
    }),
  );
  assert.deepEqual(
    [cancel.hasHeader, cancel.canceled, cancel.compactRevision, cancel.cancelReason],
    [false, true, 40, "r"],
  );
});

test("LeaseGrant keeps the 64-bit lease id exact; Status reads the version", () => {
  const lease = decodeLeaseGrantResponse(
    encode("LeaseGrantResponse", { header, ID: "7587870000123456789", TTL: 65 }),
  );
  assert.deepEqual(lease, { id: "7587870000123456789", ttlSeconds: 65, error: "" });
  assert.equal(
    decodeStatusVersion(encode("StatusResponse", { header, version: "3.4.23", dbSize: 4096 })),
    "3.4.23",
  );
});

test("truncated messages are refused", () => {
  const full = encode("RangeResponse", { header, kvs: [kv("/a", "value", 1, 2)] });
  assert.throws(() => decodeRangeResponse(full.subarray(0, full.length - 3)), /truncated/);
});

test("a Range response split into chunks anywhere decodes as the whole", () => {
  const kvs = Array.from({ length: 5 }, (_, i) =>
    kv(`/k/${i}`, "é".repeat(40 + i), i + 1, 2 ** 40 + i),
  );
  const whole = encode("RangeResponse", { header, kvs, more: true, count: 9 });
  const want = decodeRangeResponse(whole);
  assert.equal(want.kvs.length, 5);
  for (let a = 0; a <= whole.length; a += 7) {
    for (let b = a; b <= whole.length; b += 13) {
      const chunks = [whole.subarray(0, a), whole.subarray(a, b), whole.subarray(b)];
      assert.deepEqual(decodeRangeChunks(chunks), want, `split at ${a}, ${b}`);
    }
  }
  assert.throws(() =>
    decodeRangeChunks([whole.subarray(0, 20), whole.subarray(20, whole.length - 6)]),
  );
});

test("unknown fixed-width fields are skipped, whole or in chunks", () => {
  const known = encode("RangeResponse", { header, kvs: [kv("/a", "v", 1, 2)], count: 1 });
  // Field 99 as fixed64 (wire 1) and field 98 as fixed32 (wire 5): not in etcd's
  // RangeResponse today, as a newer etcd could send them.
  const fixed64 = Buffer.from([(((99 << 3) | 1) & 0x7f) | 0x80, ((99 << 3) | 1) >> 7]);
  const fixed32 = Buffer.from([(((98 << 3) | 5) & 0x7f) | 0x80, ((98 << 3) | 5) >> 7]);
  const whole = Buffer.concat([fixed64, Buffer.alloc(8, 7), known, fixed32, Buffer.alloc(4, 9)]);
  const want = decodeRangeResponse(known);
  assert.deepEqual(decodeRangeResponse(whole), want);
  for (let a = 1; a < whole.length; a++) {
    assert.deepEqual(decodeRangeChunks([whole.subarray(0, a), whole.subarray(a)]), want);
  }
});
