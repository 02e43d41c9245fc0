import assert from "node:assert/strict";
import { test } from "node:test";
import type { WatchEvent } from "../backend.ts";
import { isStorageError, StorageError } from "../errors.ts";
import { EtcdWatcher } from "./etcd-watcher.ts";

function put(rev: number): WatchEvent {
  return {
    type: "PUT",
    kv: { key: `/k${rev}`, value: "v", createRevision: rev, modRevision: rev },
  };
}

function makeWatcher(bufferSize?: number) {
  const detached: number[] = [];
  const w = new EtcdWatcher({
    what: "/k",
    startRevision: 5,
    bufferSize,
    detach: (x) => detached.push(x.nextRevision),
  });
  return { w, detached };
}

test("delivers batches in order and advances nextRevision past the last event", async () => {
  const { w } = makeWatcher();
  const it = w[Symbol.asyncIterator]();
  w.push([put(5), put(6)]);
  w.push([put(8)]);
  assert.equal(w.nextRevision, 9);
  assert.deepEqual((await it.next()).value, [put(5), put(6)]);
  assert.deepEqual((await it.next()).value, [put(8)]);
  const pending = it.next();
  w.push([put(9)]);
  assert.deepEqual((await pending).value, [put(9)]);
});

const endings: Array<[string, (w: EtcdWatcher) => void, string | undefined]> = [
  ["cancel ends the iteration", (w) => w.cancel(), undefined],
  ["fail throws its error", (w) => w.fail(new StorageError("Compacted", "gone")), "Compacted"],
  [
    "overflow cuts off with WatcherTooSlow",
    (w) => w.push([put(5), put(6), put(7)]),
    "WatcherTooSlow",
  ],
];
for (const [name, end, code] of endings) {
  test(name + ", drops the queue and detaches once", async () => {
    const { w, detached } = makeWatcher(2);
    const it = w[Symbol.asyncIterator]();
    w.push([put(4)]);
    end(w);
    w.cancel();
    w.push([put(10)]);
    assert.equal(w.ended, true);
    if (code === undefined) assert.equal((await it.next()).done, true);
    else await assert.rejects(it.next(), (err) => isStorageError(err, code as never));
    assert.equal(detached.length, 1);
  });
}

test("a buffer that is drained in time never overflows", async () => {
  const { w } = makeWatcher(2);
  const it = w[Symbol.asyncIterator]();
  for (let rev = 1; rev <= 10; rev++) {
    w.push([put(rev), put(rev + 100)]);
    assert.equal((await it.next()).value.length, 2);
  }
  assert.equal(w.ended, false);
});

test("a watcher may be iterated only once", () => {
  const { w } = makeWatcher();
  w[Symbol.asyncIterator]();
  assert.throws(() => w[Symbol.asyncIterator](), /twice/);
});

test("progress is reported after the batches queued before it, and only with onProgress", async () => {
  const seen: (number | string)[] = [];
  const w = new EtcdWatcher({
    what: "/k",
    startRevision: 5,
    detach: () => {},
    onProgress: (rev) => seen.push(`progress ${rev}`),
  });
  const it = w[Symbol.asyncIterator]();
  w.push([put(5)]);
  w.progress(9);
  w.push([put(10)]);
  for (const e of (await it.next()).value as WatchEvent[]) seen.push(e.kv.modRevision);
  assert.deepEqual(seen, [5], "not before the earlier batch is taken");
  for (const e of (await it.next()).value as WatchEvent[]) seen.push(e.kv.modRevision);
  assert.deepEqual(seen, [5, "progress 9", 10]);
  // A waiting consumer hears of progress without a batch.
  const pending = it.next();
  w.progress(12);
  await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(seen, [5, "progress 9", 10, "progress 12"]);
  w.cancel();
  assert.equal((await pending).done, true);
  // Without onProgress, notifications are dropped.
  const { w: plain } = makeWatcher();
  const plainIt = plain[Symbol.asyncIterator]();
  plain.progress(7);
  plain.push([put(8)]);
  assert.deepEqual((await plainIt.next()).value, [put(8)]);
});
