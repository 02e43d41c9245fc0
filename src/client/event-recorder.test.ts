/**
 * The event recorder against a real in-process API server: repeated
 * identical events bump one Event's count; past 10 similar messages within
 * 10 minutes the rest fold into one "(combined from similar events)" Event.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import type { KObject } from "../api/types.ts";
import { useRestClient, useTestServer } from "../apiserver/testing/test-server.ts";
import { EventRecorder, eventsRef } from "./event-recorder.ts";

type Ev = KObject & {
  reason?: string;
  message?: string;
  count?: number;
  involvedObject?: { name?: string };
};
const api = useTestServer();
const client = useRestClient(api);

const target = (name: string): KObject => ({
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: { name, namespace: "default", uid: `uid-${name}` },
});

async function eventsOf(name: string): Promise<Ev[]> {
  const list = await client.list<Ev>(eventsRef, "default");
  return list.items.filter((e) => e.involvedObject?.name === name);
}

test("an identical event seen again bumps count and lastTimestamp", async () => {
  const recorder = new EventRecorder(client, { component: "test" }, { clock: api.clock });
  for (let i = 0; i < 3; i++) {
    recorder.event(target("same"), "Normal", "ScalingReplicaSet", "Scaled up to 3");
    await recorder.flush();
    api.clock.advance(5_000);
  }
  const events = await eventsOf("same");
  assert.equal(events.length, 1);
  assert.equal(events[0]!.count, 3);
  assert.notEqual((events[0] as any).firstTimestamp, (events[0] as any).lastTimestamp); // eslint-disable-line @typescript-eslint/no-explicit-any
});

test("more than 10 similar messages within 10 minutes are combined", async () => {
  const recorder = new EventRecorder(client, { component: "test" }, { clock: api.clock });
  for (let i = 0; i < 13; i++) {
    recorder.event(target("noisy"), "Warning", "FailedCreate", `Error creating: try ${i}`);
    await recorder.flush();
  }
  const events = await eventsOf("noisy");
  const combined = events.filter((e) => e.message?.startsWith("(combined from similar events): "));
  assert.equal(events.length - combined.length, 10);
  assert.equal(combined.length, 1);
  assert.equal(combined[0]!.count, 3);
  assert.equal(combined[0]!.message, "(combined from similar events): Error creating: try 12");
  // After the window the messages count afresh.
  api.clock.advance(11 * 60_000);
  recorder.event(target("noisy"), "Warning", "FailedCreate", "Error creating: later");
  await recorder.flush();
  assert.ok((await eventsOf("noisy")).some((e) => e.message === "Error creating: later"));
});

test("past 25 events about one object the rest are dropped until the bucket refills", async () => {
  const recorder = new EventRecorder(client, { component: "spam" }, { clock: api.clock });
  for (let i = 0; i < 30; i++) {
    recorder.event(target("spammy"), "Normal", `Reason${i}`, "same message");
    await recorder.flush();
  }
  assert.equal((await eventsOf("spammy")).length, 25);
  // Another object is not affected.
  recorder.event(target("quiet"), "Normal", "Reason", "hello");
  await recorder.flush();
  assert.equal((await eventsOf("quiet")).length, 1);
  api.clock.advance(300_000);
  recorder.event(target("spammy"), "Normal", "Late1", "after 5 minutes");
  recorder.event(target("spammy"), "Normal", "Late2", "dropped again");
  await recorder.flush();
  const reasons = (await eventsOf("spammy")).map((e) => e.reason);
  assert.equal(reasons.length, 26);
  assert.ok(reasons.includes("Late1") && !reasons.includes("Late2"));
});

test("events recorded while the clock stands still all get distinct names", async () => {
  const recorder = new EventRecorder(client, { component: "names" }, { clock: api.clock });
  for (let i = 0; i < 100; i++) recorder.event(target(`same-ms-${i}`), "Normal", "Tick", "x");
  await recorder.flush();
  const names = new Set<string>();
  for (let i = 0; i < 100; i++)
    for (const e of await eventsOf(`same-ms-${i}`)) names.add(e.metadata!.name!);
  assert.equal(names.size, 100);
});
