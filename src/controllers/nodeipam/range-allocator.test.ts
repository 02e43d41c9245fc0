/**
 * The RangeAllocator against a real in-process API server, over a cluster
 * CIDR of four /24s (10.42.0.0/22): one reserved (the server's own node),
 * one on a node that exists before the controller starts. New nodes get the
 * free ones, never one twice; a full range gives CIDRNotAvailable; a deleted
 * node's CIDR goes to the next node; a restarted allocator rebuilds from the
 * nodes and hands out nothing already used.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import type { KObject } from "../../api/types.ts";
import { EventRecorder, eventsRef } from "../../client/event-recorder.ts";
import { InformerFactory } from "../../client/informer/informer-factory.ts";
import { nodesRef } from "../../client/resources.ts";
import { RestClient } from "../../client/rest-client.ts";
import { startTestServer, type TestServer } from "../../apiserver/testing/test-server.ts";
import { until } from "../testing.ts";
import {
  RangeAllocator,
  cidrSetsFor,
  podCidrsOf,
  type IpamNode,
  type NodeIpamConfig,
} from "./range-allocator.ts";

let api: TestServer;
let client: RestClient;
let recorder: EventRecorder;
const running: { abort: AbortController; informers: InformerFactory; done: Promise<void> }[] = [];

async function startAllocator(): Promise<void> {
  const informers = new InformerFactory(client, { clock: api.clock });
  const allocator = new RangeAllocator({
    client,
    informers,
    clock: api.clock,
    recorder,
    clusterCidrs: ["10.42.0.0/22"],
    nodeCidrMaskSize: { 4: 24 },
    reservedCidrs: ["10.42.0.0/24"],
  });
  const abort = new AbortController();
  informers.start();
  running.push({ abort, informers, done: allocator.run(2, abort.signal) });
}

async function stopAllocators(): Promise<void> {
  for (const r of running.splice(0)) {
    r.abort.abort();
    await r.done;
    await r.informers.stop();
  }
}

const node = (name: string, podCIDR?: string): KObject =>
  ({
    apiVersion: "v1",
    kind: "Node",
    metadata: { name },
    spec: podCIDR ? { podCIDR, podCIDRs: [podCIDR] } : {},
  }) as KObject;

const cidrsOf = async (name: string) =>
  podCidrsOf(await client.get<IpamNode>(nodesRef, undefined, name));

async function assigned(name: string): Promise<string> {
  return until(`${name} gets a podCIDR`, async () => {
    const n = await client.get<IpamNode>(nodesRef, undefined, name);
    if (!n.spec?.podCIDR) return undefined;
    assert.deepEqual(n.spec.podCIDRs, [n.spec.podCIDR]);
    return n.spec.podCIDR;
  });
}

async function notAvailable(name: string): Promise<number> {
  await recorder.flush();
  const list = await client.list<KObject & Record<string, any>>(eventsRef, "default"); // eslint-disable-line @typescript-eslint/no-explicit-any
  return list.items.filter(
    (e) =>
      e.reason === "CIDRNotAvailable" &&
      e.involvedObject?.name === name &&
      e.involvedObject?.kind === "Node" &&
      e.message === `Node ${name} status is now: CIDRNotAvailable`,
  ).length;
}

before(async () => {
  api = await startTestServer();
  client = new RestClient({ server: api.server.url, qps: 1000, burst: 1000 });
  recorder = new EventRecorder(client, { component: "cidrAllocator" }, { clock: api.clock });
  await client.create(nodesRef, undefined, node("pre", "10.42.2.0/24"));
  await startAllocator();
});

after(async () => {
  await stopAllocators();
  client.close();
  await api.close();
});

test("configuration errors as upstream's", () => {
  for (const [config, want] of [
    [{ clusterCidrs: [] }, /required/],
    [{ clusterCidrs: ["10.0.0.0/8"], nodeCidrMaskSize: { 4: 25 } }, /too big/],
    [{ clusterCidrs: ["10.0.0.0/8", "10.1.0.0/16"] }, /one CIDR per IP family/],
    [{ clusterCidrs: ["nonsense"] }, /invalid CIDR/],
  ] as [NodeIpamConfig, RegExp][])
    assert.match(String(cidrSetsFor(config)), want);
  const ok = cidrSetsFor({ clusterCidrs: ["10.42.0.0/16", "fd00:42::/56"] });
  assert.ok(Array.isArray(ok));
  assert.deepEqual(
    ok.map((s) => s.nodeMaskSize),
    [24, 64],
  );
});

test("new nodes get distinct free CIDRs; full range → CIDRNotAvailable; a deleted node's CIDR is reused", async () => {
  await client.create(nodesRef, undefined, node("a"));
  await client.create(nodesRef, undefined, node("b"));
  const a = await assigned("a");
  const b = await assigned("b");
  assert.deepEqual(
    [a, b].sort(),
    ["10.42.1.0/24", "10.42.3.0/24"],
    "neither the reserved 10.42.0.0/24 nor pre's 10.42.2.0/24",
  );
  // A node registering with its own podCIDR keeps it.
  await client.create(nodesRef, undefined, node("own", "10.42.0.0/24"));
  await client.create(nodesRef, undefined, node("c"));
  await until("CIDRNotAvailable for c", async () => (await notAvailable("c")) > 0 || undefined);
  assert.deepEqual(await cidrsOf("c"), []);
  assert.deepEqual(await cidrsOf("own"), ["10.42.0.0/24"]);
  // Deleting a frees its CIDR; c gets it on a retry.
  await client.delete(nodesRef, undefined, "a");
  const c = await until("c gets a's CIDR", async () => {
    api.clock.advance(1000);
    const got = await cidrsOf("c");
    return got.length > 0 ? got : undefined;
  });
  assert.deepEqual(c, [a]);
});

test("a restarted allocator rebuilds from the nodes and assigns nothing twice", async () => {
  await stopAllocators();
  await client.delete(nodesRef, undefined, "pre");
  await startAllocator();
  await client.create(nodesRef, undefined, node("d"));
  await client.create(nodesRef, undefined, node("e"));
  assert.equal(
    await assigned("d"),
    "10.42.2.0/24",
    "the only free CIDR (pre deleted while stopped)",
  );
  await until("CIDRNotAvailable for e", async () => (await notAvailable("e")) > 0 || undefined);
  const all = (await client.list<IpamNode>(nodesRef)).items.flatMap(podCidrsOf);
  assert.equal(new Set(all).size, all.length, `no CIDR twice: ${all.join(" ")}`);
  assert.deepEqual(await cidrsOf("e"), []);
});
