import assert from "node:assert/strict";
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
import { etcdType } from "../testing/etcd-proto-reference.ts";

/** Our encoding of m, read back by protobufjs as a plain object (int64s as strings). */
function readBack(name: string, m: Message): Record<string, unknown> {
  const frame = grpcFrame(m);
  assert.equal(frame[0], 0);
  assert.equal(frame.readUInt32BE(1), frame.length - 5);
  const t = etcdType(name);
  return t.toObject(t.decode(frame.subarray(5)), {
    longs: String,
    enums: String,
    defaults: true,
    oneofs: true,
  }) as Record<string, unknown>;
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
