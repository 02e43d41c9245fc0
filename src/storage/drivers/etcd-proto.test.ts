import assert from "node:assert/strict";
import { createRequire } from "node:module";
import { test } from "node:test";
import {
  CompareResult,
  CompareTarget,
  grpcFrame,
  rangeRequest,
  txnRequest,
  watchRequest,
  type Message,
} from "./etcd-proto-requests.ts";
import {
  decodeLeaseGrantResponse,
  decodeRangeChunks,
  decodeRangeResponse,
  decodeStatusVersion,
  decodeTxnResponse,
  decodeWatchResponse,
} from "./etcd-proto-responses.ts";

// The reference: protobufjs (a dependency of the etcd3 package) reading etcd's own .proto files.
const require = createRequire(import.meta.url);
const protobuf = require("protobufjs") as typeof import("protobufjs");
const protoDir = require.resolve("etcd3/package.json").replace(/package\.json$/, "proto/");
const root = new protobuf.Root().loadSync(`${protoDir}rpc.proto`, { keepCase: true });
const type = (name: string) => root.lookupType(`etcdserverpb.${name}`);

/** Our encoding of m, read back by protobufjs as a plain object (int64s as strings). */
function readBack(name: string, m: Message): Record<string, unknown> {
  const frame = grpcFrame(m);
  assert.equal(frame[0], 0);
  assert.equal(frame.readUInt32BE(1), frame.length - 5);
  const t = type(name);
  return t.toObject(t.decode(frame.subarray(5)), {
    longs: String,
    enums: String,
    defaults: true,
    oneofs: true,
  }) as Record<string, unknown>;
}

/** protobufjs's encoding of a plain object (the message as etcd would send it). */
function encode(name: string, obj: Record<string, unknown>): Buffer {
  const t = type(name);
  return Buffer.from(t.encode(t.fromObject(obj)).finish());
}

test("Txn requests encode compares, puts with leases, ranges and deletes as etcd reads them", () => {
  const got = readBack(
    "TxnRequest",
    txnRequest({
      compare: [
        { key: "/k/ü", target: CompareTarget.Create, result: CompareResult.Equal, value: 0 },
        { key: "/k/a", target: CompareTarget.Mod, result: CompareResult.Equal, value: 2 ** 40 },
        { key: "/k/b", target: CompareTarget.Version, result: CompareResult.Greater, value: 3 },
      ],
      success: [
        {
          put: { key: "/k/ü", value: '{"a":"ü"}', lease: 7587870000123456789n, prevKv: true },
        },
        { deleteRange: { key: "/k/a", prevKv: true } },
      ],
      failure: [{ range: { key: Buffer.from("/k/a"), rangeEnd: Buffer.from([0]), limit: 5 } }],
    }),
  );
  const compare = got.compare as Array<Record<string, unknown>>;
  // A oneof member set to 0 is still present (etcd then compares against 0).
  assert.equal(compare[0]!.target_union, "create_revision");
  assert.equal(compare[0]!.create_revision, "0");
  assert.equal(Buffer.from(compare[0]!.key as Uint8Array).toString(), "/k/ü");
  assert.deepEqual(
    [compare[1]!.target, compare[1]!.mod_revision, compare[2]!.target, compare[2]!.version],
    ["Mod", String(2 ** 40), "Version", "3"],
  );
  assert.equal(compare[2]!.result, "Greater");
  const [put, del] = got.success as Array<Record<string, Record<string, unknown>>>;
  assert.equal(put!.request_put!.lease, "7587870000123456789");
  assert.equal(put!.request_put!.prev_kv, true);
  assert.equal(Buffer.from(put!.request_put!.value as Uint8Array).toString(), '{"a":"ü"}');
  assert.equal(del!.request_delete_range!.prev_kv, true);
  const [range] = got.failure as Array<Record<string, Record<string, unknown>>>;
  assert.deepEqual([...(range!.request_range!.range_end as Uint8Array)], [0]);
  assert.equal(range!.request_range!.limit, "5");
});

test("Range requests: keys_only and count_only are the fields etcd reads as such", () => {
  const flags = (r: Record<string, unknown>) => [r.keys_only, r.count_only, r.min_mod_revision];
  const keys = readBack("RangeRequest", rangeRequest({ key: "/r/", revision: 9, keysOnly: true }));
  assert.deepEqual(flags(keys), [true, false, "0"]);
  assert.equal(keys.revision, "9");
  const count = readBack("RangeRequest", rangeRequest({ key: "/r/", countOnly: true }));
  assert.deepEqual(flags(count), [false, true, "0"]);
});

test("Watch requests: create, cancel and an empty progress request", () => {
  const create = readBack(
    "WatchRequest",
    watchRequest({
      create: {
        key: Buffer.from("/r/"),
        rangeEnd: Buffer.from("/r0"),
        startRevision: 42,
        prevKv: true,
        watchId: 3,
      },
    }),
  );
  const c = create.create_request as Record<string, unknown>;
  assert.deepEqual([c.start_revision, c.prev_kv, c.watch_id], ["42", true, "3"]);
  const cancel = readBack("WatchRequest", watchRequest({ cancel: { watchId: 3 } }));
  assert.deepEqual(cancel.cancel_request, { watch_id: "3" });
  const progress = readBack("WatchRequest", watchRequest({ progress: true }));
  assert.equal(progress.request_union, "progress_request");
});

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
