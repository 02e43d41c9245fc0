import assert from "node:assert/strict";
import { test } from "node:test";
import type { WatchEvent } from "../backend.ts";
import { isStorageError, StorageError } from "../errors.ts";
import { EtcdWatchFeed } from "./etcd-watch-feed.ts";
import { EtcdWatcher } from "./etcd-watcher.ts";

function put(rev: number): WatchEvent {
  return {
    type: "PUT",
    kv: { key: `/p/${rev}`, value: "v", createRevision: rev, modRevision: rev },
  };
}

/** A feed starting at revision 10 whose subscribers detach from it, as EtcdWatches wires them. */
function setup() {
  const log: string[] = [];
  const resubscribed: EtcdWatcher[] = [];
  const feed = new EtcdWatchFeed({
    id: 1,
    prefix: "/p/",
    key: Buffer.from("/p/"),
    rangeEnd: Buffer.from("/p0"),
    startRevision: 10,
    onEmpty: () => log.push("empty"),
    resubscribe: (w) => resubscribed.push(w),
  });
  const sub = (start: number, bufferSize?: number) => {
    const w = new EtcdWatcher({
      what: "/p/",
      startRevision: start,
      bufferSize,
      detach: (x) => feed.leave(x),
    });
    assert.ok(feed.canJoin(start), `can join at ${start}`);
    feed.join(w);
    return { w, it: w[Symbol.asyncIterator]() };
  };
  return { feed, log, resubscribed, sub };
}

async function revs(it: AsyncIterator<WatchEvent[]>): Promise<number[]> {
  return (await it.next()).value.map((e: WatchEvent) => e.kv.modRevision);
}

test("subscribers get events from their own start; joining closes once the feed passed a start", async () => {
  const { feed, sub } = setup();
  const a = sub(10);
  const b = sub(12);
  feed.push([put(10), put(11)]);
  feed.push([put(12), put(13)]);
  assert.deepEqual(await revs(a.it), [10, 11]);
  assert.deepEqual(await revs(a.it), [12, 13]);
  assert.deepEqual(await revs(b.it), [12, 13]);
  const cases: Array<[number, boolean]> = [
    [13, false],
    [14, true],
    [20, true],
  ];
  for (const [start, want] of cases) assert.equal(feed.canJoin(start), want, `start ${start}`);
});

test("a slow subscriber is cut off while the others keep every event", async () => {
  const { feed, sub } = setup();
  const fast = sub(10);
  const slow = sub(10, 2);
  for (let rev = 10; rev < 15; rev++) {
    feed.push([put(rev)]);
    assert.deepEqual(await revs(fast.it), [rev]);
  }
  await assert.rejects(slow.it.next(), (err) => isStorageError(err, "WatcherTooSlow"));
  assert.equal(fast.w.ended, false);
});

test("the feed ends with its last subscriber", () => {
  const { feed, log, sub } = setup();
  const a = sub(10);
  const b = sub(10);
  a.w.cancel();
  assert.deepEqual(log, []);
  b.w.cancel();
  assert.deepEqual(log, ["empty"]);
  assert.equal(feed.canJoin(50), false);
});

test("on compaction, subscribers at or after the compacted revision move on; earlier ones fail", async () => {
  const { feed, log, resubscribed, sub } = setup();
  const early = sub(10);
  const late = sub(15);
  feed.fail(new StorageError("Compacted", "gone", { compactedRevision: 15 }));
  await assert.rejects(early.it.next(), (err) => isStorageError(err, "Compacted"));
  assert.deepEqual(resubscribed, [late.w]);
  assert.equal(late.w.ended, false);
  assert.deepEqual(log, ["empty"]);
});

test("any other failure fails every subscriber", async () => {
  const { feed, sub } = setup();
  const subs = [sub(10), sub(11)];
  feed.fail(new StorageError("Unavailable", "cancelled by etcd"));
  for (const s of subs)
    await assert.rejects(s.it.next(), (err) => isStorageError(err, "Unavailable"));
});
