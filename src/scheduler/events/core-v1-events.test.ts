import { test } from "node:test";
import assert from "node:assert/strict";
import type { KObject } from "../../api/types.ts";
import { ApiError } from "../../client/api-error.ts";
import { FakeClock } from "../../client/clock.ts";
import type { ResourceRef, RestClient } from "../../client/rest-client.ts";
import { coreEventsRef, detectEventsApi, spamBurst } from "./core-v1-events.ts";
import { EventBroadcaster } from "./event-broadcaster.ts";

interface Call {
  verb: "create" | "patch";
  group: string;
  resource: string;
  name: string;
  body: Record<string, unknown>;
}

const apiError = (code: number, reason: string) =>
  new ApiError(code, { kind: "Status", apiVersion: "v1", code, reason } as never, reason);

/** A client recording writes; `fail` decides each call's error (none by default). */
function fakeClient(fail: (c: Call) => unknown = () => undefined) {
  const calls: Call[] = [];
  const run = async (c: Call) => {
    calls.push(c);
    const err = fail(c);
    if (err) throw err;
    return c.body as KObject;
  };
  // Answers are never read: creates go through request() with ignoreAnswer, patches through patchIgnoringAnswer.
  const client = {
    request: (method: string, path: string, opts: { body: KObject; ignoreAnswer?: boolean }) => {
      assert.equal(method, "POST");
      assert.equal(opts.ignoreAnswer, true);
      return run({
        verb: "create",
        group: path.startsWith("/apis/events.k8s.io/") ? "events.k8s.io" : "",
        resource: path.slice(path.lastIndexOf("/") + 1),
        name: opts.body.metadata!.name!,
        body: opts.body as Record<string, unknown>,
      });
    },
    patchIgnoringAnswer: (ref: ResourceRef, _ns: string, name: string, _t: string, body: unknown) =>
      run({
        verb: "patch",
        group: ref.group,
        resource: ref.resource,
        name,
        body: body as Record<string, unknown>,
      }),
  } as unknown as RestClient;
  return { client, calls };
}

const pod = (name: string): KObject => ({
  apiVersion: "v1",
  kind: "Pod",
  metadata: { name, namespace: "ns1", uid: `uid-${name}`, resourceVersion: "7" },
});

test("detectEventsApi: events.k8s.io/v1 when discovery of it succeeds, else core/v1 (any error)", async () => {
  const cases: [string, () => Promise<unknown>, string][] = [
    ["served", async () => ({ kind: "APIResourceList" }), "events.k8s.io/v1"],
    ["404", async () => Promise.reject(apiError(404, "NotFound")), "v1"],
    ["transport error", async () => Promise.reject(new Error("ECONNRESET")), "v1"],
  ];
  for (const [name, answer, want] of cases) {
    const paths: string[] = [];
    const client = {
      request: (_m: string, path: string) => {
        paths.push(path);
        return answer();
      },
    } as unknown as RestClient;
    assert.equal(await detectEventsApi(client), want, name);
    assert.deepEqual(paths, ["/apis/events.k8s.io/v1"], name);
  }
});

test("core/v1 fallback: the legacy recorder's Event, then count patches for repeats", async () => {
  const clock = new FakeClock(Date.UTC(2026, 10, 30, 1, 0, 0, 600));
  const { client, calls } = fakeClient();
  const b = new EventBroadcaster(client, { clock, hostname: "host1", api: "v1" });
  const rec = b.newRecorder("default-scheduler");
  const msg = "0/3 nodes are available: 3 Insufficient cpu.";
  rec.eventf(pod("p1"), pod("other"), "Warning", "FailedScheduling", "Scheduling", msg);
  await b.flush();
  clock.advance(5000);
  rec.eventf(pod("p1"), undefined, "Warning", "FailedScheduling", "Scheduling", msg);
  await b.flush();
  clock.advance(5000);
  rec.eventf(pod("p1"), undefined, "Warning", "FailedScheduling", "Scheduling", msg);
  rec.eventf(pod("p1"), undefined, "Warning", "FailedScheduling", "Scheduling", "another text");
  await b.flush();
  b.close();
  assert.deepEqual(
    calls.map((c) => `${c.verb} ${c.group || "core"}/${c.resource}`),
    ["create core/events", "patch core/events", "patch core/events", "create core/events"],
  );
  const first = calls[0]!.body;
  assert.match(String((first.metadata as { name: string }).name), /^p1\.[0-9a-f]+$/);
  assert.deepEqual(
    { ...first, metadata: undefined },
    {
      apiVersion: "v1",
      kind: "Event",
      metadata: undefined,
      involvedObject: {
        kind: "Pod",
        namespace: "ns1",
        name: "p1",
        uid: "uid-p1",
        apiVersion: "v1",
        resourceVersion: "7",
      },
      reason: "FailedScheduling",
      message: msg,
      source: { component: "default-scheduler" },
      firstTimestamp: "2026-11-30T01:00:00Z",
      lastTimestamp: "2026-11-30T01:00:00Z",
      count: 1,
      type: "Warning",
      reportingComponent: "default-scheduler",
      reportingInstance: "",
    },
    "action and related object are dropped, as the legacy adapter does",
  );
  assert.equal(calls[1]!.name, (first.metadata as { name: string }).name);
  assert.deepEqual(calls[1]!.body, {
    count: 2,
    lastTimestamp: "2026-11-30T01:00:05Z",
    message: msg,
  });
  assert.deepEqual(calls[2]!.body, {
    count: 3,
    lastTimestamp: "2026-11-30T01:00:10Z",
    message: msg,
  });
  assert.equal(calls[3]!.body.message, "another text");
  assert.equal(calls[3]!.body.count, 1);
});

test("core/v1 fallback: a count patch of a vanished event becomes a create carrying the count", async () => {
  const clock = new FakeClock(Date.UTC(2026, 10, 30, 1, 0, 0));
  const { client, calls } = fakeClient((c) =>
    c.verb === "patch" ? apiError(404, "NotFound") : undefined,
  );
  const b = new EventBroadcaster(client, { clock, hostname: "h", api: "v1" });
  const rec = b.newRecorder("default-scheduler");
  for (let i = 0; i < 2; i++) {
    rec.eventf(pod("p1"), undefined, "Normal", "Scheduled", "Binding", "same");
    await b.flush();
  }
  b.close();
  assert.deepEqual(
    calls.map((c) => c.verb),
    ["create", "patch", "create"],
  );
  assert.equal(calls[2]!.body.count, 2);
  assert.equal(calls[2]!.body.kind, "Event");
});

test("core/v1 fallback: the per-object spam filter lets 25 through, then one per 5 minutes", async () => {
  const clock = new FakeClock(Date.UTC(2026, 10, 30, 1, 0, 0));
  const { client, calls } = fakeClient();
  const b = new EventBroadcaster(client, { clock, hostname: "h", api: "v1" });
  const rec = b.newRecorder("default-scheduler");
  const burst = (n: number, obj: string) => {
    for (let i = 0; i < n; i++)
      rec.eventf(pod(obj), undefined, "Warning", "FailedScheduling", "Scheduling", `m${i}`);
  };
  burst(spamBurst + 5, "p1");
  burst(3, "p2");
  await b.flush();
  const written = (obj: string) =>
    calls.filter((c) => (c.body.involvedObject as { name: string }).name === obj).length;
  assert.equal(written("p1"), spamBurst, "p1 is limited to the burst");
  assert.equal(written("p2"), 3, "another object has its own bucket");
  clock.advance(299_000);
  burst(1, "p1");
  await b.flush();
  assert.equal(written("p1"), spamBurst, "no token before 300 s");
  clock.advance(1_000);
  rec.eventf(pod("p1"), undefined, "Warning", "FailedScheduling", "Scheduling", "late");
  await b.flush();
  b.close();
  assert.equal(written("p1"), spamBurst + 1);
});

test("the broadcaster switches to core/v1 with useApi (as chosen by discovery at start)", async () => {
  const clock = new FakeClock(Date.UTC(2026, 10, 30, 1, 0, 0));
  const { client, calls } = fakeClient();
  const b = new EventBroadcaster(client, { clock, hostname: "h" });
  assert.equal(b.eventsApi, "events.k8s.io/v1");
  b.useApi("v1");
  assert.equal(b.eventsApi, "v1");
  b.newRecorder("s").eventf(pod("p1"), undefined, "Normal", "Scheduled", "Binding", "x");
  await b.flush();
  b.close();
  assert.equal(calls[0]!.group, coreEventsRef.group);
  assert.equal(calls[0]!.body.apiVersion, "v1");
});
