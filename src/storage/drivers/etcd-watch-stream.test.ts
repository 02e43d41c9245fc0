import assert from "node:assert/strict";
import { EventEmitter } from "node:events";
import { test } from "node:test";
import type { WatchEvent } from "../backend.ts";
import type { StorageError } from "../errors.ts";
import type { WatchRequest } from "./etcd-proto-requests.ts";
import { emptyWatchResponse, type WatchResponse } from "./etcd-proto-responses.ts";
import { EtcdWatchStream, type Stream, type WatchTarget } from "./etcd-watch-stream.ts";

/** A Watch RPC stand-in: records what the client writes; the test plays etcd's responses. */
class FakeStream extends EventEmitter {
  written: WatchRequest[] = [];
  cancelled = false;
  write(req: WatchRequest): void {
    this.written.push(req);
  }
  end(): void {}
  cancel(): void {
    this.cancelled = true;
  }
  /** The create requests written, as [watch_id, start_revision]. */
  creates(): Array<[number, number]> {
    return this.written
      .flatMap((r) => ("create" in r ? [r.create] : []))
      .map((c) => [c.watchId, c.startRevision]);
  }
}

function response(watchId: number, fields: Partial<WatchResponse>): WatchResponse {
  return { ...emptyWatchResponse(), hasHeader: true, revision: 100, watchId, ...fields };
}

function putEvent(rev: number): WatchEvent {
  return {
    type: "PUT",
    kv: { key: `/k/${rev}`, value: "v", createRevision: rev, modRevision: rev },
  };
}

class Target implements WatchTarget {
  readonly key = Buffer.from("/k/");
  readonly rangeEnd = Buffer.from("/k0");
  got: WatchEvent[] = [];
  errors: StorageError[] = [];
  progressed: number[] = [];
  constructor(
    readonly id: number,
    public nextRevision: number,
  ) {}
  push(events: WatchEvent[]): void {
    this.got.push(...events);
    this.nextRevision = events.at(-1)!.kv.modRevision + 1;
  }
  fail(err: StorageError): void {
    this.errors.push(err);
  }
  progress(revision: number): void {
    this.progressed.push(revision);
  }
  cancel(): void {}
}

function setup() {
  const streams: FakeStream[] = [];
  const timers: Array<() => void> = [];
  const revisions: number[] = [];
  const compactions: number[] = [];
  const ws = new EtcdWatchStream(
    async () => {
      const s = new FakeStream();
      streams.push(s);
      return s as Stream;
    },
    (rev) => revisions.push(rev),
    {
      setTimer: (fn) => {
        timers.push(fn);
        return () => {};
      },
      onCompacted: (rev) => compactions.push(rev),
    },
  );
  return { ws, streams, timers, revisions, compactions };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

test("routes responses by watch id and reports header revisions", async () => {
  const { ws, streams, revisions } = setup();
  const a = new Target(1, 5);
  const b = new Target(2, 7);
  ws.add(a);
  ws.add(b);
  await tick();
  assert.equal(streams.length, 1);
  assert.deepEqual(streams[0]!.creates(), [
    [1, 5],
    [2, 7],
  ]);
  streams[0]!.emit("data", response(2, { events: [putEvent(7)] }));
  streams[0]!.emit("data", response(1, { events: [putEvent(5), putEvent(6)] }));
  streams[0]!.emit("data", response(9, { events: [putEvent(8)] }));
  assert.deepEqual(
    a.got.map((e) => e.kv.modRevision),
    [5, 6],
  );
  assert.deepEqual(
    b.got.map((e) => e.kv.modRevision),
    [7],
  );
  assert.deepEqual(revisions, [100, 100, 100]);
});

test("a broken stream reconnects and re-creates each watch from its next revision", async () => {
  const { ws, streams, timers } = setup();
  const a = new Target(1, 5);
  ws.add(a);
  await tick();
  streams[0]!.emit("data", response(1, { events: [putEvent(5)] }));
  streams[0]!.emit("error", new Error("connection reset"));
  // Late data from the dead stream is ignored.
  streams[0]!.emit("data", response(1, { events: [putEvent(6)] }));
  assert.equal(timers.length, 1);
  timers[0]!();
  await tick();
  assert.equal(streams.length, 2);
  assert.deepEqual(streams[1]!.creates(), [[1, 6]]);
  streams[1]!.emit("data", response(1, { events: [putEvent(6)] }));
  assert.deepEqual(
    a.got.map((e) => e.kv.modRevision),
    [5, 6],
  );
});

test("a cancel with compact_revision fails the target with Compacted; other cancels with Unavailable", async () => {
  const { ws, streams, compactions } = setup();
  const a = new Target(1, 2);
  const b = new Target(2, 50);
  ws.add(a);
  ws.add(b);
  await tick();
  streams[0]!.emit("data", response(1, { canceled: true, compactRevision: 40 }));
  streams[0]!.emit("data", response(2, { canceled: true, cancelReason: "permission denied" }));
  assert.deepEqual(
    [...a.errors, ...b.errors].map((e) => [e.code, e.compactedRevision]),
    [
      ["Compacted", 40],
      ["Unavailable", undefined],
    ],
  );
  assert.deepEqual(compactions, [40]);
});

test("remove sends a cancel request; close cancels the stream and refuses new watches", async () => {
  const { ws, streams } = setup();
  const a = new Target(1, 2);
  ws.add(a);
  await tick();
  ws.remove(a);
  ws.remove(a);
  assert.deepEqual(
    streams[0]!.written.flatMap((r) => ("cancel" in r ? [r.cancel.watchId] : [])),
    [1],
  );
  ws.close();
  assert.equal(streams[0]!.cancelled, true);
  const late = new Target(2, 1);
  ws.add(late);
  assert.equal(late.errors[0]?.code, "Unavailable");
});

test("progress: a request goes on the stream; notifications reach every watch (id -1) or one", async () => {
  const { ws, streams } = setup();
  ws.requestProgress(); // no stream yet: nothing to ask
  const a = new Target(1, 5);
  const b = new Target(2, 7);
  ws.add(a);
  ws.add(b);
  await tick();
  ws.requestProgress();
  assert.equal(streams[0]!.written.filter((r) => "progress" in r).length, 1);
  const at = (revision: number) => ({ hasHeader: true, revision });
  const cases: [string, WatchResponse, number[], number[]][] = [
    ["for every watch", response(-1, at(120)), [120], [120]],
    ["for one watch", response(2, at(130)), [120], [120, 130]],
    [
      "a created response is not progress",
      response(1, { ...at(140), created: true }),
      [120],
      [120, 130],
    ],
    [
      "events are not progress",
      response(1, { ...at(150), events: [putEvent(150)] }),
      [120],
      [120, 130],
    ],
  ];
  for (const [name, res, wantA, wantB] of cases) {
    streams[0]!.emit("data", res);
    assert.deepEqual(a.progressed, wantA, name);
    assert.deepEqual(b.progressed, wantB, name);
  }
});
