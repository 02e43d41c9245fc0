import { test } from "node:test";
import assert from "node:assert/strict";
import { FakeClock } from "../client/clock.ts";
import type { InformerFactory } from "../client/informer/informer-factory.ts";
import type { SharedInformer } from "../client/informer/shared-informer.ts";
import type { ResourceRef } from "../client/rest-client.ts";
import { configMapsRef, podsRef } from "../client/resources.ts";
import { QueueController } from "./queue-controller.ts";
import { until } from "./testing.ts";

/** Informers whose caches sync when the test says so. */
function fakeInformers() {
  const synced = new Map<string, () => void>();
  const factory = {
    informerFor(ref: ResourceRef) {
      const ready = new Promise<boolean>((r) => synced.set(ref.resource, () => r(true)));
      const waitForSync = (signal?: AbortSignal) =>
        Promise.race([
          ready,
          new Promise<boolean>((r) => signal?.addEventListener("abort", () => r(false))),
        ]);
      return { waitForSync } as unknown as SharedInformer;
    },
  } as unknown as InformerFactory;
  return { factory, sync: (resource: string) => synced.get(resource)!() };
}

class Recorder extends QueueController {
  seen: string[] = [];
  failOnce = new Set<string>();
  constructor(deps: { informers: InformerFactory; clock: FakeClock }) {
    super("test", deps);
    this.informer(podsRef);
    this.informer(configMapsRef);
  }
  async sync(key: string): Promise<void> {
    this.seen.push(key);
    if (this.failOnce.delete(key)) throw new Error(`${key} failed`);
  }
}

test("QueueController: workers start once every cache synced; failures retry with backoff; abort stops", async () => {
  const clock = new FakeClock();
  const { factory, sync } = fakeInformers();
  const c = new Recorder({ informers: factory, clock });
  const abort = new AbortController();
  c.failOnce.add("b");
  c.queue.add("a");
  c.queue.add("b");
  c.queue.add("a"); // held once
  const running = c.run(2, abort.signal);
  sync("pods");
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(c.seen, [], "configmaps not synced yet");
  sync("configmaps");
  await until("both synced", () => c.seen.length >= 2);
  assert.deepEqual(c.seen.sort(), ["a", "b"]);
  assert.equal(c.queue.numRequeues("b"), 1, "b failed: re-added with backoff");
  clock.advance(1_000);
  await until("b again", () => c.seen.length === 3);
  assert.equal(c.seen[2], "b");
  assert.equal(c.queue.numRequeues("b"), 0, "success forgets the backoff");
  abort.abort();
  await running;
  c.queue.add("late");
  assert.equal(c.queue.len(), 0, "a shut-down queue takes nothing");
});

test("QueueController: stopped before its caches synced, run returns and syncs nothing", async () => {
  const clock = new FakeClock();
  const { factory, sync } = fakeInformers();
  const c = new Recorder({ informers: factory, clock });
  const abort = new AbortController();
  c.queue.add("a");
  const running = c.run(2, abort.signal);
  sync("pods");
  abort.abort();
  await running;
  sync("configmaps");
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(c.seen, []);
});
