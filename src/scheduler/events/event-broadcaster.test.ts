import { test } from "node:test";
import assert from "node:assert/strict";
import type { KObject } from "../../api/types.ts";
import { ApiError } from "../../client/api-error.ts";
import { FakeClock } from "../../client/clock.ts";
import type { RestClient } from "../../client/rest-client.ts";
import { EventBroadcaster, microTime, type EventV1 } from "./event-broadcaster.ts";

interface Call {
  verb: "create" | "patch";
  name: string;
  body: unknown;
}

/** A client recording create/patch calls; `fail` decides each call's error (none by default). */
function fakeClient(fail: (c: Call, n: number) => unknown = () => undefined) {
  const calls: Call[] = [];
  const run = async (c: Call) => {
    calls.push(c);
    const err = fail(c, calls.length);
    if (err) throw err;
    return c.body as KObject;
  };
  // Answers are never read: creates go through request() with ignoreAnswer, patches through patchIgnoringAnswer.
  const client = {
    request: (method: string, _path: string, opts: { body: EventV1; ignoreAnswer?: boolean }) => {
      assert.equal(method, "POST");
      assert.equal(opts.ignoreAnswer, true);
      return run({ verb: "create", name: opts.body.metadata.name, body: opts.body });
    },
    patchIgnoringAnswer: (_ref: unknown, _ns: string, name: string, _t: string, body: unknown) =>
      run({ verb: "patch", name, body }),
  } as unknown as RestClient;
  return { client, calls };
}

const pod = (name: string, rv = "1"): KObject => ({
  apiVersion: "v1",
  kind: "Pod",
  metadata: { name, namespace: "ns1", uid: `uid-${name}`, resourceVersion: rv },
});

const apiError = (code: number, reason: string) =>
  new ApiError(code, { kind: "Status", apiVersion: "v1", code, reason } as never, reason);

test("an event is written with events.k8s.io/v1 fields as upstream's recorder makes them", async () => {
  const clock = new FakeClock(Date.UTC(2026, 10, 29, 12, 0, 0, 123));
  const { client, calls } = fakeClient();
  const b = new EventBroadcaster(client, { clock, hostname: "host1" });
  b.newRecorder("default-scheduler").eventf(
    pod("p1"),
    undefined,
    "Normal",
    "Scheduled",
    "Binding",
    "Successfully assigned ns1/p1 to node1",
  );
  await b.flush();
  b.close();
  assert.equal(calls.length, 1);
  const ev = calls[0]!.body as EventV1;
  assert.match(ev.metadata.name, /^p1\.[0-9a-f]+$/);
  assert.deepEqual(
    { ...ev, metadata: { namespace: ev.metadata.namespace } },
    {
      apiVersion: "events.k8s.io/v1",
      kind: "Event",
      metadata: { namespace: "ns1" },
      eventTime: "2026-11-29T12:00:00.123000Z",
      reportingController: "default-scheduler",
      reportingInstance: "default-scheduler-host1",
      action: "Binding",
      reason: "Scheduled",
      regarding: {
        kind: "Pod",
        namespace: "ns1",
        name: "p1",
        uid: "uid-p1",
        apiVersion: "v1",
        resourceVersion: "1",
      },
      note: "Successfully assigned ns1/p1 to node1",
      type: "Normal",
    },
  );
});

test("isomorphic events form a series: create, patch count 2, then counted until the series finishes", async () => {
  const clock = new FakeClock();
  const { client, calls } = fakeClient();
  const b = new EventBroadcaster(client, { clock, hostname: "h" });
  b.start();
  const r = b.newRecorder("default-scheduler");
  const cases = [
    { note: "0/3 nodes are available: a", want: ["create"] },
    { note: "0/3 nodes are available: b", want: ["create", "patch"] },
    { note: "0/3 nodes are available: c", want: ["create", "patch"] },
  ];
  for (const c of cases) {
    r.eventf(pod("p"), undefined, "Warning", "FailedScheduling", "Scheduling", c.note);
    await b.flush();
    assert.deepEqual(
      calls.map((x) => x.verb),
      c.want,
      c.note,
    );
  }
  assert.equal(calls[1]!.name, calls[0]!.name, "the series patches the first event");
  assert.equal((calls[1]!.body as { series: { count: number } }).series.count, 2);
  // Another object, or the same pod at another resourceVersion, is not isomorphic.
  r.eventf(pod("q"), undefined, "Warning", "FailedScheduling", "Scheduling", "x");
  r.eventf(pod("p", "2"), undefined, "Warning", "FailedScheduling", "Scheduling", "x");
  await b.flush();
  assert.deepEqual(
    calls.slice(2).map((x) => x.verb),
    ["create", "create"],
  );
  // After 6 minutes without a repeat the series' final count is written.
  clock.advance(12 * 60_000);
  await b.flush();
  const last = calls.at(-1)!;
  assert.equal(last.verb, "patch");
  assert.equal((last.body as { series: { count: number } }).series.count, 3);
  b.close();
});

test("the queue is bounded: events beyond it are dropped", async () => {
  const clock = new FakeClock();
  let release: () => void = () => {};
  const gate = new Promise<void>((r) => (release = r));
  const { client, calls } = fakeClient();
  const slow = {
    request: async (...args: unknown[]) => {
      await gate;
      return (client.request as (...a: unknown[]) => Promise<unknown>)(...args);
    },
  } as unknown as RestClient;
  const b = new EventBroadcaster(slow, { clock, maxInFlight: 1, maxQueued: 2 });
  const r = b.newRecorder("s");
  for (let i = 0; i < 5; i++)
    r.eventf(pod(`p${i}`), undefined, "Normal", "Scheduled", "Binding", "m");
  // One in flight, two queued, two dropped.
  assert.equal(b.dropped, 2);
  release();
  await b.flush();
  assert.deepEqual(
    calls.map((c) => c.name.split(".")[0]),
    ["p0", "p1", "p2"],
  );
  b.close();
});

test("transport errors are retried after the delay; server rejections are not", async () => {
  const cases: { name: string; fail: (n: number) => unknown; calls: number }[] = [
    {
      name: "transport error then success",
      fail: (n) => (n === 1 ? new Error("ECONNRESET") : undefined),
      calls: 2,
    },
    { name: "422 rejected", fail: () => apiError(422, "Invalid"), calls: 1 },
    { name: "always down: 12 tries", fail: () => new Error("ECONNREFUSED"), calls: 12 },
  ];
  for (const c of cases) {
    const clock = new FakeClock();
    const { client, calls } = fakeClient((_call, n) => c.fail(n));
    const b = new EventBroadcaster(client, { clock, retryDelayMs: 1000 });
    b.newRecorder("s").eventf(pod("p"), undefined, "Normal", "Scheduled", "Binding", "m");
    const done = b.flush();
    for (let i = 0; i < 20; i++) {
      await new Promise((r) => setImmediate(r));
      clock.advance(1250);
    }
    await done;
    assert.equal(calls.length, c.calls, c.name);
    b.close();
  }
});

test("a series patch of a vanished event creates it", async () => {
  const clock = new FakeClock();
  const { client, calls } = fakeClient((c) =>
    c.verb === "patch" ? apiError(404, "NotFound") : undefined,
  );
  const b = new EventBroadcaster(client, { clock });
  const r = b.newRecorder("s");
  r.eventf(pod("p"), undefined, "Warning", "FailedScheduling", "Scheduling", "a");
  r.eventf(pod("p"), undefined, "Warning", "FailedScheduling", "Scheduling", "b");
  await b.flush();
  assert.deepEqual(
    calls.map((c) => c.verb),
    ["create", "patch", "create"],
  );
  assert.equal((calls[2]!.body as EventV1).series?.count, 2);
  b.close();
});

test("microTime: metav1.MicroTime of each millisecond, whatever the order asked", () => {
  const t = Date.UTC(2026, 10, 30, 10, 0, 0, 5);
  assert.equal(microTime(t), "2026-11-30T10:00:00.005000Z");
  assert.equal(microTime(t), "2026-11-30T10:00:00.005000Z");
  assert.equal(microTime(t + 1), "2026-11-30T10:00:00.006000Z");
  assert.equal(microTime(t), "2026-11-30T10:00:00.005000Z");
  assert.equal(microTime(0), "1970-01-01T00:00:00.000000Z");
});
