import { test } from "node:test";
import assert from "node:assert/strict";
import { FakeClock } from "../../client/clock.ts";
import { newPrioritySort } from "../plugins/prioritysort/prioritysort.ts";
import { makePod } from "../testing/wrappers.ts";
import { SchedulingQueue } from "./scheduling-queue.ts";

function newQueue(
  pluginEvents?: Map<
    string,
    { resource: "Node" | "Pod"; actions: ("Add" | "Update" | "Delete")[] }[]
  >,
) {
  const clock = new FakeClock();
  const q = new SchedulingQueue({ clock, less: newPrioritySort().less, pluginEvents });
  return { clock, q };
}

test("activeQ pops by priority, then by arrival", async () => {
  const { clock, q } = newQueue();
  q.add(makePod("low").priority(1).obj());
  clock.advance(1);
  q.add(makePod("high").priority(10).obj());
  clock.advance(1);
  q.add(makePod("low2").priority(1).obj());
  const order = [];
  for (let i = 0; i < 3; i++) order.push((await q.pop())!.podInfo.pod.metadata!.name);
  assert.deepEqual(order, ["high", "low", "low2"]);
});

test("pop waits for a pod and returns undefined once closed", async () => {
  const { q } = newQueue();
  const waiting = q.pop();
  q.add(makePod("p").obj());
  assert.equal((await waiting)?.podInfo.key, "default/p");
  const closed = q.pop();
  q.close();
  assert.equal(await closed, undefined);
});

test("backoff doubles from 1 s to at most 10 s", () => {
  const { q } = newQueue();
  const qp = {
    podInfo: makePod("p").info(),
    timestamp: 0,
    attempts: 0,
    unschedulablePlugins: new Set<string>(),
    pendingPlugins: new Set<string>(),
  };
  const want = [1000, 1000, 2000, 4000, 8000, 10_000, 10_000];
  for (const [i, w] of want.entries()) {
    qp.attempts = i;
    assert.equal(q.backoffDuration(qp), w, `attempts ${i}`);
  }
});

test("unschedulable pods wait for a relevant event, then for their backoff", async () => {
  const { clock, q } = newQueue(
    new Map([["NodeAffinity", [{ resource: "Node", actions: ["Add", "Update"] }]]]),
  );
  q.add(makePod("p").obj());
  const qp = (await q.pop())!;
  qp.unschedulablePlugins.add("NodeAffinity");
  q.addUnschedulable(qp, q.schedulingCycle);
  assert.equal(q.sizes().unschedulable, 1);
  q.moveAllToActiveOrBackoffQueue("Pod", "Delete");
  assert.equal(q.sizes().unschedulable, 1, "irrelevant event leaves it");
  q.moveAllToActiveOrBackoffQueue("Node", "Add");
  assert.deepEqual(
    q.sizes(),
    { active: 0, backoff: 1, unschedulable: 0, inFlight: 0 },
    "still backing off",
  );
  clock.advance(999);
  q.flushBackoffQCompleted();
  assert.equal(q.sizes().active, 0);
  clock.advance(1);
  q.flushBackoffQCompleted();
  assert.equal(q.sizes().active, 1);
  assert.equal((await q.pop())!.attempts, 2);
});

test("a move request during the attempt sends the failed pod to backoff, not unschedulable", async () => {
  const { q } = newQueue(new Map([["NodeAffinity", [{ resource: "Node", actions: ["Add"] }]]]));
  q.add(makePod("p").obj());
  const qp = (await q.pop())!;
  const cycle = q.schedulingCycle;
  q.moveAllToActiveOrBackoffQueue("Node", "Add");
  qp.unschedulablePlugins.add("NodeAffinity");
  q.addUnschedulable(qp, cycle);
  assert.deepEqual(q.sizes(), { active: 0, backoff: 1, unschedulable: 0, inFlight: 0 });
});

test("unschedulable pods are retried after 5 minutes without events (timers on the injected clock)", async () => {
  const { clock, q } = newQueue(
    new Map([["NodeAffinity", [{ resource: "Node", actions: ["Add"] }]]]),
  );
  q.run();
  q.add(makePod("p").obj());
  const qp = (await q.pop())!;
  qp.unschedulablePlugins.add("NodeAffinity");
  q.addUnschedulable(qp, q.schedulingCycle);
  clock.advance(4 * 60_000);
  assert.equal(q.sizes().unschedulable, 1);
  clock.advance(61_000);
  assert.equal(q.sizes().active, 1);
  q.close();
});

test("updating or deleting a queued pod", async () => {
  const { q } = newQueue(new Map([["NodeAffinity", [{ resource: "Node", actions: ["Add"] }]]]));
  q.add(makePod("p").obj());
  q.update(makePod("p").labels({ v: "2" }).obj());
  assert.equal(q.sizes().active, 1);
  const qp = (await q.pop())!;
  assert.equal(qp.podInfo.labels.v, "2");
  qp.unschedulablePlugins.add("NodeAffinity");
  q.addUnschedulable(qp, q.schedulingCycle);
  q.update(makePod("p").labels({ v: "3" }).obj());
  assert.equal(q.sizes().unschedulable, 0, "a changed pod leaves unschedulablePods");
  q.delete(makePod("p").obj());
  assert.deepEqual(q.sizes(), { active: 0, backoff: 0, unschedulable: 0, inFlight: 0 });
});

test("onIncoming reports each sub-queue entry with upstream's event label", async () => {
  const clock = new FakeClock();
  const seen: string[] = [];
  const q = new SchedulingQueue({
    clock,
    less: newPrioritySort().less,
    pluginEvents: new Map([["NodeAffinity", [{ resource: "Node", actions: ["Add"] }]]]),
    onIncoming: (queue, event) => seen.push(`${queue}:${event}`),
  });
  q.add(makePod("p").obj());
  const qp = (await q.pop())!;
  qp.unschedulablePlugins.add("NodeAffinity");
  q.addUnschedulable(qp, q.schedulingCycle);
  q.moveAllToActiveOrBackoffQueue("Node", "Add");
  clock.advance(1000);
  q.flushBackoffQCompleted();
  const again = (await q.pop())!;
  q.addUnschedulable(again, q.schedulingCycle - 1);
  assert.deepEqual(seen, [
    "active:PodAdd",
    "unschedulable:ScheduleAttemptFailure",
    "backoff:NodeAdd",
    "active:BackoffComplete",
    "backoff:ScheduleAttemptFailure",
  ]);
});

test("unschedulableByPlugin counts unschedulable pods per rejecting plugin and profile", async () => {
  const { clock, q } = newQueue(
    new Map([
      ["NodeAffinity", [{ resource: "Node", actions: ["Add"] }]],
      ["TaintToleration", [{ resource: "Node", actions: ["Update"] }]],
    ]),
  );
  const cases: [string, string[], string?][] = [
    ["a", ["NodeAffinity"]],
    ["b", ["NodeAffinity", "TaintToleration"]],
    ["c", ["TaintToleration"], "other-scheduler"],
  ];
  for (const [name, plugins, schedulerName] of cases) {
    const pod = makePod(name).obj();
    if (schedulerName) pod.spec!.schedulerName = schedulerName;
    q.add(pod);
    const qp = (await q.pop())!;
    for (const p of plugins) qp.unschedulablePlugins.add(p);
    q.addUnschedulable(qp, q.schedulingCycle);
  }
  const got = q
    .unschedulableByPlugin()
    .map((u) => `${u.plugin}/${u.profile}=${u.count}`)
    .sort();
  assert.deepEqual(got, [
    "NodeAffinity/default-scheduler=2",
    "TaintToleration/default-scheduler=1",
    "TaintToleration/other-scheduler=1",
  ]);
  const counts = () =>
    q
      .unschedulableByPlugin()
      .map((u) => `${u.plugin}/${u.profile}=${u.count}`)
      .sort();
  // As upstream: moved pods still count (backoffQ/activeQ) until popped.
  q.moveAllToActiveOrBackoffQueue("Node", "Add");
  assert.equal(q.sizes().unschedulable, 1, "only c stays in unschedulablePods");
  assert.deepEqual(counts(), got, "moved pods keep counting");
  // Deleted pods stop counting.
  q.delete(makePod("c").obj());
  assert.deepEqual(counts(), [
    "NodeAffinity/default-scheduler=2",
    "TaintToleration/default-scheduler=1",
  ]);
  // A popped pod starts its next attempt with no rejecting plugins.
  q.flushBackoffQCompleted();
  clock.advance(60_000);
  q.flushBackoffQCompleted();
  const next = (await q.pop())!;
  assert.equal(next.unschedulablePlugins.size, 0);
  assert.equal(
    q.unschedulableByPlugin().reduce((n, u) => n + u.count, 0),
    2,
  );
  const last = (await q.pop())!;
  assert.equal(last.unschedulablePlugins.size, 0);
  assert.deepEqual(counts(), []);
});
