/**
 * The shared reflector against a scripted source: one list+watch serves any
 * number of consumers with the same object instances; watches starting
 * behind the state are replayed from the ring; re-lists, too old versions
 * and slow consumers end consumers' watches with 410.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import type { KObject } from "../api/types.ts";
import { ApiError } from "../client/api-error.ts";
import { FakeClock } from "../client/clock.ts";
import type { WatchEvent } from "../client/rest-client.ts";
import { podsRef } from "../client/resources.ts";
import { ScriptedSource, pod } from "./scripted-source.ts";
import { SharedReflector } from "./shared-reflector.ts";

const tick = () => new Promise<void>((r) => setImmediate(r));

async function until(what: string, check: () => boolean): Promise<void> {
  for (let i = 0; i < 2000; i++) {
    if (check()) return;
    await tick();
  }
  assert.fail(`never happened: ${what}`);
}

/** Collects a watch's events in the background. */
function collect(gen: AsyncGenerator<WatchEvent<KObject>>) {
  const got: string[] = [];
  const done = (async () => {
    for await (const ev of gen)
      got.push(
        ev.type === "ERROR"
          ? `ERROR ${(ev.object as { code?: number }).code}`
          : `${ev.type} ${ev.object.metadata?.name ?? ""}@${ev.object.metadata?.resourceVersion}`,
      );
  })();
  return { got, done };
}

test("one list and one watch serve every consumer the same instances", async () => {
  const src = new ScriptedSource();
  src.state = [pod("a", 1, { managedFields: [{ manager: "x" }] })];
  const r = new SharedReflector(src, podsRef, { clock: new FakeClock() });
  try {
    const [l1, l2] = await Promise.all([r.snapshot(), r.snapshot()]);
    assert.equal(src.lists, 1);
    assert.equal(l1.metadata.resourceVersion, "1");
    assert.equal(l1.kind, "PodList");
    assert.equal(l1.items[0], l2.items[0], "same decoded object");
    assert.equal(l1.items[0]!.metadata?.managedFields, undefined, "managedFields dropped");
    const ac = new AbortController();
    const w1 = collect(r.watch(1n, {}, ac.signal));
    const w2 = collect(r.watch(1n, {}, ac.signal));
    await until("server watch", () => src.open === 1);
    src.emit("ADDED", "b");
    src.emit("DELETED", "a");
    await until("both consumers saw both events", () => w1.got.length + w2.got.length === 4);
    assert.deepEqual(w1.got, ["ADDED b@2", "DELETED a@3"]);
    assert.deepEqual(w2.got, w1.got);
    assert.equal(src.watches, 1, "one server watch");
    assert.deepEqual(
      (await r.snapshot()).items.map((o) => o.metadata?.name),
      ["b"],
    );
    ac.abort();
    await Promise.all([w1.done, w2.done]);
  } finally {
    await r.stop();
  }
});

test("a watch from an older version replays the ring; older than the ring: 410", async () => {
  const cases = [
    { name: "from the list's version", from: 1n, want: ["ADDED b@2", "ADDED c@3", "ADDED d@4"] },
    { name: "from the middle", from: 3n, want: ["ADDED d@4"] },
    { name: "from before the ring", from: 0n, want: ["ERROR 410"] },
  ];
  for (const c of cases) {
    const src = new ScriptedSource();
    // Ring of 3: events 2..4 kept; the first list was at 1, so 0 is too old.
    const r = new SharedReflector(src, podsRef, { clock: new FakeClock(), ringSize: 3 });
    try {
      await r.snapshot();
      await until("server watch", () => src.open === 1);
      for (const n of ["b", "c", "d"]) src.emit("ADDED", n);
      await until("state", () => r.size === 3);
      const ac = new AbortController();
      const w = collect(r.watch(c.from, {}, ac.signal));
      await until(c.name, () => w.got.length === c.want.length);
      ac.abort();
      await w.done;
      assert.deepEqual(w.got, c.want, c.name);
    } finally {
      await r.stop();
    }
  }
});

test("events dropped from a full ring make watches from before them 410", async () => {
  const src = new ScriptedSource();
  const r = new SharedReflector(src, podsRef, { clock: new FakeClock(), ringSize: 2 });
  try {
    await r.snapshot();
    await until("server watch", () => src.open === 1);
    for (const n of ["b", "c", "d", "e"]) src.emit("ADDED", n); // rv 2..5; ring keeps 4, 5
    await until("state", () => r.size === 4);
    const rows: [bigint, string[]][] = [
      [2n, ["ERROR 410"]],
      [3n, ["ADDED d@4", "ADDED e@5"]],
      [4n, ["ADDED e@5"]],
    ];
    for (const [from, want] of rows) {
      const ac = new AbortController();
      const w = collect(r.watch(from, {}, ac.signal));
      await until(`from ${from}`, () => w.got.length === want.length);
      ac.abort();
      await w.done;
      assert.deepEqual(w.got, want, `from ${from}`);
    }
  } finally {
    await r.stop();
  }
});

test("a re-list of the reflector ends consumers' watches with 410 and serves the new state", async () => {
  const src = new ScriptedSource();
  src.state = [pod("a", 1)];
  const r = new SharedReflector(src, podsRef, { clock: new FakeClock() });
  try {
    await r.snapshot();
    await until("server watch", () => src.open === 1);
    const w = collect(r.watch(1n, { allowWatchBookmarks: true }));
    await tick();
    src.send({ type: "BOOKMARK", object: { metadata: { resourceVersion: "7" } } });
    // Deleted while the reflector did not watch: only a re-list shows it.
    src.state = [pod("z", 8)];
    src.rv = 9;
    src.send({ type: "ERROR", object: { code: 410 } as unknown as KObject });
    await w.done;
    assert.deepEqual(w.got, ["BOOKMARK @7", "ERROR 410"]);
    await until("re-listed", () => src.lists === 2);
    const l = await r.snapshot();
    assert.equal(l.metadata.resourceVersion, "9");
    assert.deepEqual(
      l.items.map((o) => o.metadata?.name),
      ["z"],
    );
    const old = collect(r.watch(8n));
    await old.done;
    assert.deepEqual(old.got, ["ERROR 410"], "versions before the re-list are too old");
  } finally {
    await r.stop();
  }
});

test("a consumer more than bufferSize events behind gets 410", async () => {
  const src = new ScriptedSource();
  const r = new SharedReflector(src, podsRef, { clock: new FakeClock(), bufferSize: 2 });
  try {
    await r.snapshot();
    await until("server watch", () => src.open === 1);
    const gen = r.watch(1n);
    const first = gen.next(); // subscribed, waiting
    src.emit("ADDED", "b");
    assert.equal((await first).value?.object.metadata?.name, "b");
    for (const n of ["c", "d", "e"]) src.emit("ADDED", n); // never read: over 2 queued
    await until("state", () => r.size === 4);
    const rest: string[] = [];
    for await (const ev of gen) rest.push(ev.type);
    assert.deepEqual(rest, ["ERROR"]);
  } finally {
    await r.stop();
  }
});

test("a failing first list rejects; timeoutSeconds and stop end watches", async () => {
  const src = new ScriptedSource();
  src.listError = new ApiError(403, undefined, "forbidden");
  const clock = new FakeClock();
  const bad = new SharedReflector(src, podsRef, { clock });
  await assert.rejects(bad.snapshot(), /forbidden/);
  assert.equal(bad.failed, true);
  src.listError = undefined;
  const r = new SharedReflector(src, podsRef, { clock });
  try {
    await r.snapshot();
    const timed = collect(r.watch(1n, { timeoutSeconds: 5 }));
    const open = collect(r.watch(1n));
    await tick();
    clock.advance(5000);
    await timed.done;
    assert.deepEqual(timed.got, []);
    await r.stop();
    await open.done;
    assert.equal(src.open, 0, "the server watch ended");
  } finally {
    await r.stop();
  }
});
