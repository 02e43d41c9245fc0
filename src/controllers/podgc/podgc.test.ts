/**
 * The pod garbage collector against a real in-process API server with a fake
 * clock: pods of a missing node survive the 40 s quarantine and go after it
 * (a node registering meanwhile saves them); terminating pods that were never
 * scheduled go at once; finished pods beyond the threshold go oldest first.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import type { KObject } from "../../api/types.ts";
import { FakeClock } from "../../client/clock.ts";
import type { InformerFactory } from "../../client/informer/informer-factory.ts";
import { nodesRef, podsRef } from "../../client/resources.ts";
import type { RestClient } from "../../client/rest-client.ts";
import { PodGCController } from "./podgc.ts";
import { controllerTestEnv, until, type ControllerTestEnv } from "../testing.ts";

const ns = "default";
let env: ControllerTestEnv;
let client: RestClient;
let informers: InformerFactory;
const clock = new FakeClock();
let gc: PodGCController;

before(async () => {
  env = await controllerTestEnv({ clock });
  ({ client, informers } = env);
  gc = new PodGCController({ client, informers, clock, terminatedPodThreshold: 2 });
  await env.start();
});

after(() => env.close());

const pod = (name: string, nodeName?: string, phase?: string): KObject => ({
  apiVersion: "v1",
  kind: "Pod",
  metadata: { name, namespace: ns },
  spec: { containers: [{ name: "c", image: "busybox" }], ...(nodeName ? { nodeName } : {}) },
  ...(phase ? { status: { phase } } : {}),
});
const node = (name: string): KObject => ({ apiVersion: "v1", kind: "Node", metadata: { name } });
const exists = (name: string) =>
  client.get(podsRef, ns, name).then(
    () => true,
    () => false,
  );
const cached = (name: string) =>
  until(`pod ${name} cached`, async () => gc["pods"].indexer.get(`${ns}/${name}`));

test("pods of a missing node go only after the quarantine; a node that registers saves them", async () => {
  await client.create(podsRef, ns, pod("orphan", "ghost"));
  await client.create(podsRef, ns, pod("early", "late-node"));
  await cached("orphan");
  await cached("early");
  await gc.gc(); // both nodes first seen missing
  clock.advance(20_000);
  await gc.gc();
  assert.equal(await exists("orphan"), true, "kept during the quarantine");
  await client.create(nodesRef, undefined, node("late-node"));
  await until("node cached", async () => gc["nodes"].indexer.get("late-node"));
  clock.advance(20_000);
  await gc.gc();
  await until("orphan deleted", async () => !(await exists("orphan")));
  assert.equal(await exists("early"), true, "its node registered within the quarantine");
});

test("terminating unscheduled pods go at once; finished pods beyond the threshold oldest first", async () => {
  await client.create(podsRef, ns, {
    ...pod("unscheduled"),
    metadata: { name: "unscheduled", namespace: ns, finalizers: ["example.com/hold"] },
  });
  await client.delete(podsRef, ns, "unscheduled");
  for (const name of ["done-1", "done-2", "done-3"]) {
    await client.create(nodesRef, undefined, node(`n-${name}`));
    const created = await client.create<KObject>(podsRef, ns, pod(name, `n-${name}`));
    await client.request("PUT", `/api/v1/namespaces/${ns}/pods/${name}/status`, {
      body: { ...created, status: { phase: "Succeeded" } },
    });
  }
  await until("finished pods cached", async () =>
    ["done-1", "done-2", "done-3"].every(
      (n) => gc["pods"].indexer.get(`${ns}/${n}`)?.status?.phase === "Succeeded",
    ),
  );
  await until(
    "terminating pod cached",
    async () => gc["pods"].indexer.get(`${ns}/unscheduled`)?.metadata?.deletionTimestamp,
  );
  await gc.gc();
  await until("oldest finished pod deleted", async () => !(await exists("done-1")));
  assert.equal(await exists("done-2"), true);
  assert.equal(await exists("done-3"), true);
  // A force delete with finalizers still pending leaves the pod terminating.
  const left = await client.get<KObject>(podsRef, ns, "unscheduled");
  assert.ok(left.metadata?.deletionTimestamp);
  assert.equal(left.metadata?.deletionGracePeriodSeconds, 0);
});
