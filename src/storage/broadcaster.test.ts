import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { WatchEvent } from "./backend.ts";
import { Broadcaster, type HistoryReader } from "./broadcaster.ts";
import { StorageError } from "./errors.ts";
import { WatchReader } from "./testing/watch-reader.ts";

function put(key: string, rev: number): WatchEvent {
  return { type: "PUT", kv: { key, value: `v${rev}`, createRevision: rev, modRevision: rev } };
}

/** A log of events 1..n (key k<rev>) that history reads page through. */
function logOf(events: WatchEvent[]): { read: HistoryReader; pages: number[] } {
  const pages: number[] = [];
  const read: HistoryReader = (prefix, from, to, limit) => {
    const page = events
      .filter((e) => e.kv.key.startsWith(prefix))
      .filter((e) => e.kv.modRevision >= from && e.kv.modRevision <= to)
      .slice(0, limit);
    pages.push(page.length);
    return page;
  };
  return { read, pages };
}

const revs = (evs: WatchEvent[]) => evs.map((e) => e.kv.modRevision);

describe("Broadcaster", () => {
  test("a watcher is drained only while its reader waits with nothing pending", async () => {
    const b = new Broadcaster();
    const w = b.subscribe("/a/", { startRevision: 0, currentRevision: 0 });
    const it = w[Symbol.asyncIterator]();
    assert.equal(w.drained!(), false, "no reader yet");
    const first = it.next();
    assert.equal(w.drained!(), true, "the reader waits");
    b.publish([put("/b/1", 1)]);
    assert.equal(w.drained!(), true, "another prefix's event is not its");
    b.publish([put("/a/2", 2)]);
    assert.equal(w.drained!(), false, "handed over, not yet taken");
    assert.deepEqual(revs((await first).value as WatchEvent[]), [2]);
    b.publish([put("/a/3", 3)]);
    assert.equal(w.drained!(), false, "buffered");
    assert.deepEqual(revs((await it.next()).value as WatchEvent[]), [3]);
    void it.next();
    assert.equal(w.drained!(), true);
    b.close();
  });

  test("delivers each batch to the watchers whose prefix matches", async () => {
    const b = new Broadcaster();
    const cases: Array<[string, string[]]> = [
      ["", ["/a/1", "/b/1", "/a/2"]],
      ["/a/", ["/a/1", "/a/2"]],
      ["/b/", ["/b/1"]],
      ["/c/", []],
    ];
    const readers = cases.map(
      ([p]) => new WatchReader(b.subscribe(p, { startRevision: 0, currentRevision: 0 })),
    );
    b.publish([put("/a/1", 1), put("/b/1", 2)]);
    b.publish([put("/a/2", 3)]);
    for (const [i, [prefix, keys]] of cases.entries()) {
      const got = await readers[i].take(keys.length);
      assert.deepEqual(
        got.map((e) => e.kv.key),
        keys,
        prefix,
      );
    }
    assert.equal(b.size, 4);
    b.close();
    assert.equal(b.size, 0);
    for (const r of readers) await r.expectEnd();
  });

  test("replays history, then live events published meanwhile, without gap or duplicate", async () => {
    const b = new Broadcaster();
    const history = Array.from({ length: 2500 }, (_, i) => put(`/k/${i + 1}`, i + 1));
    const log = logOf(history);
    const w = b.subscribe("/k/", { startRevision: 5, currentRevision: 2500, history: log.read });
    // Published after subscribe: one duplicate of the replayed range, then new events.
    b.publish([put("/k/2500", 2500), put("/k/2501", 2501)]);
    b.publish([put("/k/2502", 2502)]);
    const r = new WatchReader(w);
    const got = await r.take(2502 - 5 + 1);
    assert.deepEqual(
      revs(got),
      Array.from({ length: 2498 }, (_, i) => i + 5),
    );
    assert.deepEqual(log.pages, [1000, 1000, 496]);
    b.publish([put("/k/2503", 2503)]);
    assert.deepEqual(revs(await r.take(1)), [2503]);
    w.cancel();
  });

  test("startRevision beyond the current revision skips older live events", async () => {
    const b = new Broadcaster();
    const r = new WatchReader(b.subscribe("", { startRevision: 12, currentRevision: 10 }));
    b.publish([put("/a", 11), put("/b", 12)]);
    b.publish([put("/c", 13)]);
    assert.deepEqual(revs(await r.take(2)), [12, 13]);
  });

  test("a watcher over its buffer fails with WatcherTooSlow; the others continue", async () => {
    const b = new Broadcaster();
    const slow = b.subscribe("", { startRevision: 0, currentRevision: 0, bufferSize: 3 });
    const fast = new WatchReader(
      b.subscribe("", { startRevision: 0, currentRevision: 0, bufferSize: 3 }),
    );
    for (let rev = 1; rev <= 6; rev++) {
      b.publish([put(`/k${rev}`, rev)]);
      assert.deepEqual(revs(await fast.take(1)), [rev]);
    }
    assert.equal(b.size, 1, "the slow watcher was removed");
    const seen = await new WatchReader(slow).expectError("WatcherTooSlow");
    assert.deepEqual(seen, []);
  });

  test("live events buffered during a replay count against the buffer", async () => {
    const b = new Broadcaster();
    const log = logOf([put("/k1", 1)]);
    const w = b.subscribe("", {
      startRevision: 1,
      currentRevision: 1,
      bufferSize: 2,
      history: log.read,
    });
    b.publish([put("/k2", 2), put("/k3", 3), put("/k4", 4)]);
    await new WatchReader(w).expectError("WatcherTooSlow");
    assert.equal(b.size, 0);
  });

  test("history and preset errors end the watch with that error", async () => {
    const b = new Broadcaster();
    const compacted = new StorageError("Compacted", "compacted", { compactedRevision: 7 });
    const failing: HistoryReader = () => {
      throw compacted;
    };
    const cases = [
      b.subscribe("", { startRevision: 3, currentRevision: 9, history: failing }),
      b.subscribe("", { startRevision: 3, currentRevision: 9, error: compacted }),
    ];
    for (const w of cases) {
      await new WatchReader(w).expectError("Compacted");
    }
    assert.equal(b.size, 0);
  });

  test("cancel, abort and return() end iteration and unregister", async () => {
    const b = new Broadcaster();
    const ac = new AbortController();
    const byCancel = b.subscribe("", { startRevision: 0, currentRevision: 0 });
    const bySignal = b.subscribe("", { startRevision: 0, currentRevision: 0, signal: ac.signal });
    const byReturn = b.subscribe("", { startRevision: 0, currentRevision: 0 });
    assert.equal(b.size, 3);
    const pending = [new WatchReader(byCancel).expectEnd(), new WatchReader(bySignal).expectEnd()];
    byCancel.cancel();
    ac.abort();
    await Promise.all(pending);
    assert.equal(b.size, 1);
    b.publish([put("/x", 1)]);
    for await (const batch of byReturn) {
      assert.deepEqual(revs(batch), [1]);
      break; // calls return(), which cancels
    }
    assert.equal(b.size, 0);
  });

  test("concurrent next() calls are refused", async () => {
    const b = new Broadcaster();
    const it = b.subscribe("", { startRevision: 0, currentRevision: 0 })[Symbol.asyncIterator]();
    const first = it.next();
    await assert.rejects(it.next(), /concurrently/);
    b.publish([put("/a", 1)]);
    assert.deepEqual(revs((await first).value as WatchEvent[]), [1]);
  });
});
