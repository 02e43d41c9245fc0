import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { Backend, WatchEvent } from "../backend.ts";
import { eachCase, type ConformanceFixture, type MakeBackend } from "./conformance-fixture.ts";
import { expectStorageError, WatchReader } from "./watch-reader.ts";

/** The watch and compaction half of backendConformance (see conformance.ts). */
export function watchConformance(makeBackend: MakeBackend): void {
  describe("Backend conformance: watch and compaction", () => {
    let fx: ConformanceFixture;
    let b: Backend;
    let p: string;
    eachCase(makeBackend, "watch", (f, prefix) => {
      fx = f;
      b = f.backend;
      p = prefix;
    });

    test("replays history from a revision, then streams live events with prevKv", async () => {
      const a1 = await b.create(`${p}a`, "1");
      const a2 = await b.update(`${p}a`, "2", a1.modRevision);
      await b.create(`${p.slice(0, -1)}-other/x`, "not in prefix");
      const w = b.watch(p, { startRevision: a1.modRevision });
      const r = new WatchReader(w);
      const replay = await r.take(2);
      assert.deepEqual(replay, [
        { type: "PUT", kv: a1 },
        { type: "PUT", kv: a2, prevKv: a1 },
      ] satisfies WatchEvent[]);
      const del = await b.delete(`${p}a`);
      const c = await b.create(`${p}c`, "3");
      const live = await r.take(2);
      assert.equal(live[0].type, "DELETE");
      assert.equal(live[0].kv.key, `${p}a`);
      assert.equal(live[0].kv.modRevision, del.revision);
      assert.equal(live[0].kv.value, "");
      assert.equal(live[0].kv.createRevision, 0);
      assert.deepEqual(live[0].prevKv, a2);
      assert.deepEqual(live[1], { type: "PUT", kv: c });
      w.cancel();
      await r.expectEnd();
    });

    test("startRevision 0 delivers only events after the current revision", async () => {
      await b.create(`${p}old`, "1");
      const w = b.watch(p, { startRevision: 0 });
      const r = new WatchReader(w);
      const n = await b.create(`${p}new`, "2");
      const [ev] = await r.take(1);
      assert.deepEqual(ev, { type: "PUT", kv: n });
      w.cancel();
    });

    test("a watch started during concurrent writes sees every write once, in order", async () => {
      const acked: number[] = [];
      let startRev = 0;
      let watcher: ReturnType<Backend["watch"]> | undefined;
      const writer = async (id: number) => {
        for (let i = 0; i < 25; i++) {
          const kv = await b.create(`${p}w${id}-${i}`, `${i}`);
          acked.push(kv.modRevision);
          if (acked.length === 40 && watcher === undefined) {
            // Start from an earlier acknowledged revision while writes are in flight.
            startRev = [...acked].sort((x, y) => x - y)[10];
            watcher = b.watch(p, { startRevision: startRev });
          }
        }
      };
      await Promise.all(Array.from({ length: 8 }, (_, i) => writer(i)));
      assert.ok(watcher);
      const want = acked.filter((rev) => rev >= startRev).sort((x, y) => x - y);
      const r = new WatchReader(watcher);
      const got = await r.until(want.at(-1)!);
      watcher.cancel();
      assert.deepEqual(
        got.map((ev) => ev.kv.modRevision),
        want,
      );
    });

    test("watches filter by prefix and fan out to several watchers", async () => {
      const ws = [b.watch(`${p}x/`, { startRevision: 0 }), b.watch(`${p}x/`, { startRevision: 0 })];
      const other = b.watch(`${p}y/`, { startRevision: 0 });
      await b.create(`${p}y/1`, "y");
      await b.create(`${p}x/1`, "x");
      const last = await b.create(`${p}y/2`, "y");
      for (const w of ws) {
        const [ev] = await new WatchReader(w).take(1);
        assert.equal(ev.kv.key, `${p}x/1`);
        w.cancel();
      }
      const ys = await new WatchReader(other).until(last.modRevision);
      assert.deepEqual(
        ys.map((ev) => ev.kv.key),
        [`${p}y/1`, `${p}y/2`],
      );
      other.cancel();
    });

    test("cancel and an aborted signal end the iteration", async () => {
      const w = b.watch(p, { startRevision: 0 });
      const r = new WatchReader(w);
      const pending = r.expectEnd();
      w.cancel();
      await pending;
      const ac = new AbortController();
      const w2 = b.watch(p, { startRevision: 0, signal: ac.signal });
      const r2 = new WatchReader(w2);
      const pending2 = r2.expectEnd();
      ac.abort();
      await pending2;
    });

    test("compaction: reads and watches below the compacted revision fail with Compacted", async () => {
      const revs: number[] = [];
      let kv = await b.create(`${p}k`, "v0");
      revs.push(kv.modRevision);
      for (let i = 1; i < 5; i++) {
        kv = await b.update(`${p}k`, `v${i}`, kv.modRevision);
        revs.push(kv.modRevision);
      }
      await b.compact(revs[2]);
      const compacted = await b.compactedRevision();
      assert.ok(compacted >= revs[2] && compacted <= revs[4], `compactedRevision ${compacted}`);
      const err = await expectStorageError(
        () => b.get(`${p}k`, { revision: revs[1] }),
        "Compacted",
      );
      if (err.compactedRevision !== undefined) assert.equal(err.compactedRevision, compacted);
      await expectStorageError(() => b.list(p, { revision: revs[1] }), "Compacted");
      await new WatchReader(b.watch(p, { startRevision: revs[1] })).expectError("Compacted");
      // At and above the compacted revision everything still reads.
      assert.equal((await b.get(`${p}k`, { revision: revs[2] })).kv?.value, "v2");
      assert.equal((await b.get(`${p}k`)).kv?.value, "v4");
      assert.equal((await b.list(p, { revision: revs[3] })).kvs[0].value, "v3");
      const w = b.watch(p, { startRevision: revs[3] });
      const evs = await new WatchReader(w).take(2);
      w.cancel();
      assert.deepEqual(
        evs.map((ev) => [ev.kv.value, ev.prevKv?.value]),
        [
          ["v3", "v2"],
          ["v4", "v3"],
        ],
      );
      // Writes continue after compaction with higher revisions.
      const next = await b.update(`${p}k`, "v5", kv.modRevision);
      assert.ok(next.modRevision > revs[4]);
    });

    test("a slow watcher is cut off with WatcherTooSlow; a fast one keeps everything", async () => {
      const fast = b.watch(p, { startRevision: 0 });
      const slow = b.watch(p, { startRevision: 0, bufferSize: 4 });
      const fastReader = new WatchReader(fast);
      const fastDone = fastReader.take(30);
      const written: number[] = [];
      for (let i = 0; i < 30; i++) written.push((await b.create(`${p}k${i}`, `${i}`)).modRevision);
      const got = await fastDone;
      assert.deepEqual(
        got.map((ev) => ev.kv.modRevision),
        written,
      );
      const seen = await new WatchReader(slow).expectError("WatcherTooSlow");
      assert.ok(seen.length <= 4, `slow watcher delivered ${seen.length} events`);
      // The fast watcher is still live after the slow one was dropped.
      const more = await b.create(`${p}after`, "x");
      assert.deepEqual(await fastReader.take(1), [{ type: "PUT", kv: more }]);
      fast.cancel();
    });
  });
}
