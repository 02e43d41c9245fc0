import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import type { KeyValue, WatchEvent } from "../backend.ts";
import { isStorageError } from "../errors.ts";
import { WatchReader } from "../testing/watch-reader.ts";
import { SqliteBackend } from "./sqlite.ts";

/**
 * Model-based check of the SQLite driver: random writes and compactions
 * against a plain in-memory history; after every step, reads at random
 * revisions and watch replays must match the model exactly.
 */

type Op =
  | { kind: "create"; key: string; value: string }
  | { kind: "update"; key: string; value: string; stale: boolean }
  | { kind: "delete"; key: string; guarded: boolean }
  | { kind: "compact"; fraction: number };

const keyArb = fc.constantFrom("/m/a", "/m/b", "/m/c", "/n/a", "/m/ab");
const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant("create" as const), key: keyArb, value: fc.string() }),
  fc.record({
    kind: fc.constant("update" as const),
    key: keyArb,
    value: fc.string(),
    stale: fc.boolean(),
  }),
  fc.record({ kind: fc.constant("delete" as const), key: keyArb, guarded: fc.boolean() }),
  fc.record({ kind: fc.constant("compact" as const), fraction: fc.double({ min: 0, max: 1 }) }),
);

/** Every event ever written, in revision order: the whole truth. */
class Model {
  events: WatchEvent[] = [];
  live = new Map<string, KeyValue>();
  compacted = 0;

  stateAt(rev: number): Map<string, KeyValue> {
    const state = new Map<string, KeyValue>();
    for (const ev of this.events) {
      if (ev.kv.modRevision > rev) break;
      if (ev.type === "PUT") state.set(ev.kv.key, ev.kv);
      else state.delete(ev.kv.key);
    }
    return state;
  }
}

async function apply(b: SqliteBackend, m: Model, op: Op): Promise<void> {
  const live = "key" in op ? m.live.get(op.key) : undefined;
  const expectFail = async (p: Promise<unknown>, code: string) => {
    await assert.rejects(p, (err) => isStorageError(err) && err.code === code);
  };
  switch (op.kind) {
    case "create": {
      if (live) return expectFail(b.create(op.key, op.value), "KeyExists");
      const kv = await b.create(op.key, op.value);
      m.events.push({ type: "PUT", kv });
      m.live.set(op.key, kv);
      return;
    }
    case "update": {
      if (!live) return expectFail(b.update(op.key, op.value, 1), "KeyNotFound");
      if (op.stale) return expectFail(b.update(op.key, op.value, live.modRevision - 1), "Conflict");
      const kv = await b.update(op.key, op.value, live.modRevision);
      assert.equal(kv.createRevision, live.createRevision);
      m.events.push({ type: "PUT", kv, prevKv: live });
      m.live.set(op.key, kv);
      return;
    }
    case "delete": {
      if (!live) return expectFail(b.delete(op.key), "KeyNotFound");
      const del = await b.delete(op.key, op.guarded ? live.modRevision : undefined);
      assert.deepEqual(del.prevKv, live);
      const kv = { key: op.key, value: "", createRevision: 0, modRevision: del.revision };
      m.events.push({ type: "DELETE", kv, prevKv: live });
      m.live.delete(op.key);
      return;
    }
    case "compact": {
      const current = await b.currentRevision();
      const rev = Math.floor(m.compacted + (current - m.compacted) * op.fraction);
      if (rev <= m.compacted) return;
      await b.compact(rev);
      await b.compactionIdle();
      m.compacted = rev;
      return;
    }
  }
}

async function check(b: SqliteBackend, m: Model): Promise<void> {
  // Latest reads first (served by the live cache when it holds the key), and
  // gets before lists: a list indexes the rows written since the last fill.
  for (const key of ["/m/a", "/m/b", "/m/c", "/n/a", "/m/ab"])
    assert.deepEqual((await b.get(key)).kv, m.live.get(key), `latest ${key}`);
  const current = await b.currentRevision();
  const lowest = Math.max(m.compacted, 1);
  for (const rev of new Set([lowest, Math.floor((lowest + current) / 2), current])) {
    if (rev > current || rev < 1) continue;
    const want = [...m.stateAt(rev).values()].sort((x, y) => (x.key < y.key ? -1 : 1));
    for (const key of ["/m/a", "/n/a", "/m/ab"]) {
      assert.deepEqual((await b.get(key, { revision: rev })).kv, m.stateAt(rev).get(key));
    }
    const listed = await b.list("/m/", { revision: rev });
    assert.deepEqual(
      listed.kvs,
      want.filter((kv) => kv.key.startsWith("/m/")),
      `list /m/ at ${rev}`,
    );
  }
  // Replay from just above the compacted revision (prevKv of the first event may be gone at it).
  const from = m.compacted + 1;
  const want = m.events.filter((ev) => ev.kv.modRevision >= from && ev.kv.key.startsWith("/m/"));
  if (want.length > 0) {
    const w = b.watch("/m/", { startRevision: from });
    const got = await new WatchReader(w).take(want.length);
    w.cancel();
    assert.deepEqual(got, want, `replay from ${from}`);
  }
}

test("reads and watch replays match a model through random writes and compactions", async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.array(opArb, { minLength: 1, maxLength: 40 }),
      // The live cache: default, or two entries (keys come and go by eviction).
      fc.constantFrom(undefined, { maxEntries: 2 }),
      async (ops, liveCache) => {
        const b = new SqliteBackend({
          path: ":memory:",
          compactIntervalMs: 0,
          ttlCheckIntervalMs: 0,
          liveCache,
        });
        await b.start();
        try {
          const m = new Model();
          for (const [i, op] of ops.entries()) {
            await apply(b, m, op);
            if (i % 8 === 7 || i === ops.length - 1) await check(b, m);
          }
        } finally {
          await b.close();
        }
      },
    ),
    { numRuns: 60, seed: 20261129 },
  );
});
