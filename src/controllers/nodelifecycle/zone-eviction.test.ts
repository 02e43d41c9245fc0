/**
 * Rate-limited NoExecute tainting per zone, on an injected clock against a
 * real in-process API server: one node per 10 s in a healthy zone, none in a
 * small partially disrupted zone, taints removed when every zone is fully
 * disrupted, tainting resumed (at the normal rate) when a zone recovers.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import type { KObject } from "../../api/types.ts";
import type { InformerFactory } from "../../client/informer/informer-factory.ts";
import { nodesRef } from "../../client/resources.ts";
import type { RestClient } from "../../client/rest-client.ts";
import type { TestServer } from "../../apiserver/testing/test-server.ts";
import { NodeLifecycleController } from "./node-lifecycle.ts";
import { controllerTestEnv, until, type ControllerTestEnv } from "../testing.ts";

type Obj = KObject & { spec?: any; status?: any }; // eslint-disable-line @typescript-eslint/no-explicit-any
let env: ControllerTestEnv;
let api: TestServer;
let client: RestClient;
let informers: InformerFactory;
let controller: NodeLifecycleController;
const zoneA = ":\x00:a";
const nodes = { a1: "a", a2: "a", a3: "a", a4: "a", b1: "b" } as const;
type Name = keyof typeof nodes;

const stamp = () => new Date(api.clock.now()).toISOString().replace(/\.\d+Z$/, "Z");
const cached = (name: string) => informers.informerFor<Obj>(nodesRef).indexer.get(name);

before(async () => {
  env = await controllerTestEnv();
  ({ api, client, informers } = env);
  controller = new NodeLifecycleController({ ...env, recorder: env.recorder("node-controller") });
  await env.start();
  for (const [name, zone] of Object.entries(nodes)) {
    await client.create(nodesRef, undefined, {
      apiVersion: "v1",
      kind: "Node",
      metadata: { name, labels: { "topology.kubernetes.io/zone": zone } },
    } as KObject);
    await setReady(name as Name, "True");
  }
  await controller.handleDisruption();
});

after(() => env.close());

/** Plays the kubelet: sets the node's Ready status, then lets the controller look at it. */
async function setReady(name: Name, status: string): Promise<void> {
  const node = await client.get<Obj>(nodesRef, undefined, name);
  const updated = await client.update<Obj>(
    nodesRef,
    {
      ...node,
      status: {
        conditions: [
          { type: "Ready", status, lastHeartbeatTime: stamp(), lastTransitionTime: stamp() },
        ],
      },
    } as KObject,
    { subresource: "status" },
  );
  await until(`${name} cached`, () =>
    cached(name)?.metadata?.resourceVersion === updated.metadata?.resourceVersion
      ? true
      : undefined,
  );
  await controller.monitorNode(name);
  // monitorNode's NoSchedule taint write is seen before the next step.
  const noSchedule = status === "False" ? "node.kubernetes.io/not-ready" : undefined;
  await until(`${name} NoSchedule taint in step`, () =>
    hasTaint(name, noSchedule ?? "", "NoSchedule") === (noSchedule !== undefined)
      ? true
      : undefined,
  );
}

function hasTaint(name: string, key: string, effect: string): boolean {
  return (cached(name)?.spec?.taints ?? []).some(
    (t: { key: string; effect: string }) => t.key === key && t.effect === effect,
  );
}

/** The nodes carrying a NoExecute taint (not-ready or unreachable), once the cache agrees with the API. */
async function noExecuteTainted(): Promise<string[]> {
  const live = (await client.list<Obj>(nodesRef)).items;
  await until("cache caught up", () =>
    live.every(
      (n) => cached(n.metadata!.name!)?.metadata?.resourceVersion === n.metadata?.resourceVersion,
    )
      ? true
      : undefined,
  );
  return Object.keys(nodes).filter(
    (n) =>
      hasTaint(n, "node.kubernetes.io/not-ready", "NoExecute") ||
      hasTaint(n, "node.kubernetes.io/unreachable", "NoExecute"),
  );
}

/** A node monitor pass (zone states) then a tainting pass, as the controller's tickers do. */
async function taintingPass(advanceMs = 0): Promise<string[]> {
  api.clock.advance(advanceMs);
  await controller.handleDisruption();
  await controller.doNoExecuteTaintingPass();
  return noExecuteTainted();
}

test("NoExecute taints follow each zone's rate and stop when every zone is down", async () => {
  assert.equal(controller.zoneState(zoneA), "Normal");
  await setReady("a1", "False");
  await setReady("a2", "False");
  assert.deepEqual(await taintingPass(), ["a1"], "burst of 1");
  assert.deepEqual(await taintingPass(9_999), ["a1"], "0.1 per second: not yet");
  assert.deepEqual(await taintingPass(1), ["a1", "a2"]);
  // 3 of 4 not Ready (≥ 55 %, more than 2): a small zone in partial disruption taints nobody.
  await setReady("a3", "False");
  assert.deepEqual(await taintingPass(3_600_000), ["a1", "a2"]);
  assert.equal(controller.zoneState(zoneA), "PartialDisruption");
  // Every zone fully disrupted: the controller stops and removes the NoExecute taints.
  await setReady("a4", "False");
  await setReady("b1", "False");
  assert.deepEqual(await taintingPass(), []);
  assert.equal(controller.zoneState(zoneA), "FullDisruption");
  // An hour on, the silent nodes are Unknown (grace period over): still no NoExecute taint.
  api.clock.advance(3_600_000);
  for (const n of ["a1", "a2", "a3", "a4", "b1"] as Name[]) await controller.monitorNode(n);
  assert.deepEqual(await taintingPass(), [], "still stopped");
  assert.equal(cached("a1")?.status.conditions[0].status, "Unknown");
  // Zone b recovers: zone a is fully disrupted alone and is tainted at the normal rate again.
  await setReady("b1", "True");
  assert.deepEqual(await taintingPass(), [], "the new limiter starts drained");
  assert.equal(controller.zoneState(":\x00:b"), "Normal");
  assert.equal(controller.zoneState(zoneA), "FullDisruption");
  assert.deepEqual(await taintingPass(10_000), ["a1"]);
  assert.deepEqual(await taintingPass(10_000), ["a1", "a2"]);
  // A node Ready again loses its NoExecute taint at once; with 1 of 4 Ready the
  // small zone is partially disrupted again, so a3 and a4 stay untainted.
  await setReady("a1", "True");
  assert.deepEqual(await taintingPass(10_000), ["a2"]);
  assert.equal(controller.zoneState(zoneA), "PartialDisruption");
});

test("the 100 ms tainting pass uses the zone states of the last monitor pass", async () => {
  // From the end of the test above: a2, a3, a4 not Ready, zone a partially disrupted.
  await setReady("a3", "True");
  api.clock.advance(60_000);
  await controller.doNoExecuteTaintingPass();
  assert.equal(controller.zoneState(zoneA), "PartialDisruption", "not recomputed by the pass");
  assert.deepEqual(await noExecuteTainted(), ["a2"], "a4 waits: the zone's rate is still 0");
  // The monitor pass sees 2 of 4 not Ready (< 55 %): Normal, one taint per 10 s.
  assert.deepEqual(await taintingPass(), ["a2"], "the new limiter starts drained");
  assert.equal(controller.zoneState(zoneA), "Normal");
  assert.deepEqual(await taintingPass(10_000), ["a2", "a4"]);
});
