/**
 * Node lifecycle timing on an injected clock against a real in-process API
 * server: a node silent for the 50 s grace period goes Ready=Unknown with
 * the unreachable taints, and its pods are evicted when their
 * tolerationSeconds run out (30 s, the default 300 s, never without a limit).
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import type { KObject } from "../../api/types.ts";
import type { InformerFactory } from "../../client/informer/informer-factory.ts";
import { nodesRef, podsRef } from "../../client/resources.ts";
import type { RestClient } from "../../client/rest-client.ts";
import type { TestServer } from "../../apiserver/testing/test-server.ts";
import { NodeLifecycleController, PRESSURE_TAINTS, taintUnreachable } from "./node-lifecycle.ts";
import { controllerTestEnv, until, type ControllerTestEnv } from "../testing.ts";

type Obj = KObject & { spec?: any; status?: any }; // eslint-disable-line @typescript-eslint/no-explicit-any
let env: ControllerTestEnv;
let api: TestServer;
let client: RestClient;
let informers: InformerFactory;
let controller: NodeLifecycleController;

const stamp = () => new Date(api.clock.now()).toISOString().replace(/\.\d+Z$/, "Z");
const unreachable = (seconds?: number) => ({
  key: taintUnreachable,
  operator: "Exists",
  effect: "NoExecute",
  ...(seconds === undefined ? {} : { tolerationSeconds: seconds }),
});

before(async () => {
  env = await controllerTestEnv();
  ({ api, client, informers } = env);
  controller = new NodeLifecycleController({ ...env, recorder: env.recorder("node-controller") });
  await env.start();
  // n0 stays Ready (it is never monitored here): with every node of the
  // cluster not Ready, upstream stops tainting altogether.
  for (const name of ["n0", "n1"]) await readyNode(name);
  for (const [name, tol] of [
    ["short", [unreachable(30)]],
    ["default", [unreachable(300)]],
    ["forever", [unreachable()]],
  ] as const)
    await client.create(podsRef, "default", {
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name },
      spec: { nodeName: "n1", tolerations: tol, containers: [{ name: "c", image: "busybox" }] },
    } as KObject);
  await until("cached", () =>
    informers.informerFor(podsRef).indexer.keys().length === 3 &&
    informers.informerFor<Obj>(nodesRef).indexer.get("n1")?.status?.conditions
      ? true
      : undefined,
  );
});

/** Creates a node whose Ready condition is True. */
async function readyNode(name: string, labels: Record<string, string> = {}): Promise<Obj> {
  const node = await client.create<Obj>(nodesRef, undefined, {
    apiVersion: "v1",
    kind: "Node",
    metadata: { name, labels },
  } as KObject);
  return client.update<Obj>(
    nodesRef,
    {
      ...node,
      status: {
        conditions: [
          {
            type: "Ready",
            status: "True",
            reason: "KubeletReady",
            lastHeartbeatTime: stamp(),
            lastTransitionTime: stamp(),
          },
        ],
      },
    } as KObject,
    { subresource: "status" },
  );
}

after(() => env.close());

const node = () => informers.informerFor<Obj>(nodesRef).indexer.get("n1")!;
/** Pods not being deleted (a pod on a node is deleted gracefully: no kubelet finishes it here). */
const podNames = () =>
  informers
    .informerFor<Obj>(podsRef)
    .indexer.list()
    .filter((p) => !p.metadata?.deletionTimestamp)
    .map((p) => `${p.metadata?.namespace}/${p.metadata?.name}`)
    .sort();
const ready = () => node().status.conditions.find((c: { type: string }) => c.type === "Ready");

async function evictionPass(): Promise<void> {
  for (const key of podNames()) await controller.processPod(key);
}

test("silent for the grace period: Ready Unknown and unreachable taints; eviction by tolerationSeconds", async () => {
  await controller.monitorNode("n1"); // first heartbeat seen now
  api.clock.advance(49_000);
  await controller.monitorNode("n1");
  assert.equal(ready().status, "True", "within the 50 s grace period");
  api.clock.advance(1_000);
  await controller.monitorNode("n1");
  await until("Ready Unknown", () => (ready().status === "Unknown" ? true : undefined));
  // The taints follow the cached Ready status on the next pass (level-triggered);
  // NoSchedule at once, NoExecute from the zone's rate-limited queue.
  await controller.monitorNode("n1");
  await until("unreachable NoSchedule taint", () =>
    (node().spec?.taints ?? []).length === 1 ? true : undefined,
  );
  await controller.handleDisruption(); // the monitor pass's end
  await controller.doNoExecuteTaintingPass();
  assert.equal(controller.zoneState(""), "Normal");
  await until("unreachable taints", () =>
    (node().spec?.taints ?? []).length === 2 ? true : undefined,
  );
  assert.deepEqual(
    node()
      .spec.taints.map((t: { key: string; effect: string }) => `${t.key}:${t.effect}`)
      .sort(),
    [`${taintUnreachable}:NoExecute`, `${taintUnreachable}:NoSchedule`],
  );
  assert.equal(ready().reason, "NodeStatusUnknown");
  const steps: [number, string[]][] = [
    [29_000, ["default/default", "default/forever", "default/short"]],
    [1_000, ["default/default", "default/forever"]],
    [269_000, ["default/default", "default/forever"]],
    [1_000, ["default/forever"]],
    [3_600_000, ["default/forever"]],
  ];
  for (const [ms, left] of steps) {
    api.clock.advance(ms);
    await evictionPass();
    await until(`pods ${left.join()}`, () =>
      podNames().join() === left.join() ? true : undefined,
    );
  }
});

test("pressure conditions carry NoSchedule taints while True", async () => {
  const created = await client.create<Obj>(nodesRef, undefined, {
    apiVersion: "v1",
    kind: "Node",
    metadata: { name: "p1" },
  } as KObject);
  const withConditions = async (base: Obj, memory: string) =>
    client.update<Obj>(
      nodesRef,
      {
        ...base,
        status: {
          conditions: [
            { type: "Ready", status: "True", reason: "KubeletReady", lastHeartbeatTime: stamp() },
            { type: "MemoryPressure", status: memory, reason: "KubeletHasInsufficientMemory" },
            { type: "DiskPressure", status: "False", reason: "KubeletHasNoDiskPressure" },
          ],
        },
      } as KObject,
      { subresource: "status" },
    );
  const cached = () => informers.informerFor<Obj>(nodesRef).indexer.get("p1");
  const taintKeys = () => (cached()?.spec?.taints ?? []).map((t: { key: string }) => t.key);
  const updated = await withConditions(created, "True");
  await until("cached", () =>
    cached()?.metadata?.resourceVersion === updated.metadata?.resourceVersion ? true : undefined,
  );
  await controller.monitorNode("p1");
  await until("memory-pressure taint", () =>
    taintKeys().includes(PRESSURE_TAINTS.MemoryPressure!) ? true : undefined,
  );
  assert.ok(!taintKeys().includes(PRESSURE_TAINTS.DiskPressure!), "no disk pressure, no taint");
  assert.equal(
    cached()!.spec.taints.find((t: { key: string }) => t.key === PRESSURE_TAINTS.MemoryPressure)
      .effect,
    "NoSchedule",
  );
  const relieved = await withConditions(cached()!, "False");
  await until("cached", () =>
    cached()?.metadata?.resourceVersion === relieved.metadata?.resourceVersion ? true : undefined,
  );
  await controller.monitorNode("p1");
  await until("taint removed", () => (taintKeys().length === 0 ? true : undefined));
});

test("pods are looked at when their node's NoExecute taints or their tolerations change, not on every update", async () => {
  const queued = async () => {
    const keys: string[] = [];
    while (controller.podQueue.len() > 0) {
      const key = (await controller.podQueue.get())!;
      keys.push(key);
      controller.podQueue.done(key);
    }
    return keys.sort();
  };
  const cachedNode = () => informers.informerFor<Obj>(nodesRef).indexer.get("q1");
  const cachedPod = () => informers.informerFor<Obj>(podsRef).indexer.get("default/qp");
  const write = async (ref: typeof nodesRef, obj: Obj, opts = {}) => {
    const done = await client.update<Obj>(ref, obj as KObject, opts);
    const cached = ref === nodesRef ? cachedNode : cachedPod;
    await until("cached", () =>
      cached()?.metadata?.resourceVersion === done.metadata?.resourceVersion ? true : undefined,
    );
  };
  await readyNode("q1");
  await client.create(podsRef, "default", {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "qp" },
    spec: { nodeName: "q1", containers: [{ name: "c", image: "busybox" }] },
  } as KObject);
  await until("cached", () => (cachedPod() && cachedNode()?.status ? true : undefined));
  await queued();
  const relabel = async (v: string) =>
    write(podsRef, { ...cachedPod()!, metadata: { ...cachedPod()!.metadata, labels: { v } } });
  const taint = { key: "example.com/broken", effect: "NoExecute", timeAdded: stamp() };
  const steps: [string, () => Promise<void>, string[]][] = [
    ["pod relabelled, node untainted", () => relabel("1"), []],
    [
      "node gets a NoExecute taint",
      () => write(nodesRef, { ...cachedNode()!, spec: { taints: [taint] } }),
      ["default/qp"],
    ],
    ["pod relabelled, tolerations unchanged", () => relabel("2"), []],
    [
      "node heartbeat, same taints",
      () => write(nodesRef, cachedNode()!, { subresource: "status" }),
      [],
    ],
    [
      "pod tolerates the taint now",
      async () => {
        const pod = cachedPod()!;
        const tolerations = [{ key: taint.key, operator: "Exists", effect: "NoExecute" }];
        await write(podsRef, { ...pod, spec: { ...pod.spec, tolerations } });
      },
      ["default/qp"],
    ],
    [
      "node taint removed",
      () => write(nodesRef, { ...cachedNode()!, spec: { taints: undefined } }),
      ["default/qp"],
    ],
  ];
  for (const [what, step, want] of steps) {
    await step();
    assert.deepEqual(await queued(), want, what);
  }
});

test("the monitor pass queues only nodes with something to write", async () => {
  const drain = async () => {
    const names = new Set<string>();
    while (controller.queue.len() > 0) {
      const name = (await controller.queue.get())!;
      names.add(name);
      controller.queue.done(name);
    }
    return names;
  };
  await readyNode("m1");
  const cordoned = await readyNode("m2");
  await client.update(nodesRef, { ...cordoned, spec: { unschedulable: true } } as KObject);
  await until("cached", () =>
    informers.informerFor<Obj>(nodesRef).indexer.get("m2")?.spec?.unschedulable ? true : undefined,
  );
  await drain();
  controller.monitorPass();
  const first = await drain();
  assert.ok(!first.has("m1"), "a Ready node with a fresh heartbeat is not queued");
  assert.ok(first.has("m2"), "an unschedulable node without its taint is queued");
  api.clock.advance(50_000);
  controller.monitorPass();
  assert.ok((await drain()).has("m1"), "a node silent for the grace period is queued");
});
