import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { useRestClient, useTestServer } from "../apiserver/testing/test-server.ts";
import { FakeClock } from "../client/clock.ts";
import { leasesRef, nodesRef, podsRef } from "../client/resources.ts";
import type { KObject } from "../api/types.ts";
import { makeProfile } from "./profile.ts";
import { Simulator } from "./simulator.ts";

const api = useTestServer();
const client = useRestClient(api);

/** Polls until check() holds (a bound on waiting, not a timing assertion). */
async function eventually(what: string, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what} did not happen`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

test("a node's heartbeats start when it registers, not when the last node has", async () => {
  const clock = new FakeClock(Date.now());
  const dataDir = mkdtempSync(join(tmpdir(), "k8ts-sim-test-"));
  // Heartbeat runs waiting right after each node registered.
  const waiting: number[] = [];
  const sim = await Simulator.start({
    client,
    nodes: 3,
    profile: makeProfile({}),
    namePrefix: "early-",
    dataDir,
    clock,
    serveStats: false,
    registerConcurrency: 1,
    random: () => 0,
    onRegistered: (_done, _total, runs) => void waiting.push(runs),
  });
  try {
    // Lease, node status and container GC runs: three per registered node.
    assert.deepEqual(
      waiting.map((w) => w - waiting[0]!),
      [0, 3, 6],
      `runs waiting after each registration: ${waiting}`,
    );
    assert.ok(waiting[0]! >= 3, "the first node's heartbeats are scheduled at once");
    const renewTime = async (name: string) =>
      (
        await client.get<KObject & { spec: { renewTime: string } }>(
          leasesRef,
          "kube-node-lease",
          name,
        )
      ).spec.renewTime;
    const first = await renewTime("early-0");
    clock.advance(10_010); // a period plus the heartbeat tick runs start on
    await eventually("every lease renewed once more", async () => {
      const s = sim.stats();
      return s.leaseRenewals >= 6 && (await renewTime("early-0")) !== first;
    });
    assert.equal(sim.stats().heartbeatErrors, 0);
  } finally {
    await sim.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
});

test("node status checks read the shared node informer: a Ready condition overwritten on the server is written back without a GET of the Node", async () => {
  const clock = new FakeClock(Date.now());
  const dataDir = mkdtempSync(join(tmpdir(), "k8ts-sim-test-"));
  // The simulator's client, counting the Node GETs it sends.
  let nodeGets = 0;
  const counting = Object.create(client) as typeof client;
  counting.get = ((ref: { resource: string }, ...rest: unknown[]) => {
    if (ref.resource === "nodes") nodeGets++;
    return (client.get as (...a: unknown[]) => unknown)(ref, ...rest);
  }) as typeof client.get;
  const sim = await Simulator.start({
    client: counting,
    nodes: 2,
    profile: makeProfile({}),
    namePrefix: "informed-",
    dataDir,
    clock,
    serveStats: false,
    random: () => 0,
  });
  // Registration reads each Node once (the Lease's owner reference); status checks never.
  nodeGets = 0;
  type NodeObj = KObject & {
    status: { conditions: { type: string; status: string; reason?: string }[] };
  };
  const ready = async (name: string) =>
    (await client.get<NodeObj>(nodesRef, undefined, name)).status.conditions.find(
      (c) => c.type === "Ready",
    )?.status;
  try {
    // As the node lifecycle controller does when leases stop (a strategic merge on type).
    await client.patch(
      nodesRef,
      undefined,
      "informed-1",
      "strategic",
      {
        status: {
          conditions: [{ type: "Ready", status: "Unknown", reason: "NodeStatusUnknown" }],
        },
      },
      { subresource: "status" },
    );
    assert.equal(await ready("informed-1"), "Unknown");
    // A status check after the informer saw the change writes Ready back.
    await eventually("Ready written back", async () => {
      clock.advance(10_000);
      return (await ready("informed-1")) === "True";
    });
    assert.equal(await ready("informed-0"), "True");
    assert.equal(nodeGets, 0, "no GET of a Node");
    assert.equal(sim.stats().heartbeatErrors, 0);
  } finally {
    await sim.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
});

test("stop abandons pod status writes the API server has not answered", async () => {
  const clock = new FakeClock(Date.now());
  const dataDir = mkdtempSync(join(tmpdir(), "k8ts-sim-test-"));
  // The simulator's client; its pod status writes get no answer until aborted.
  const stalling = Object.create(client) as typeof client;
  const stalled: AbortSignal[] = [];
  stalling.patchIgnoringAnswer = ((...args: Parameters<typeof client.patchIgnoringAnswer>) => {
    const [ref, , , , , opts] = args;
    if (ref.resource !== "pods") return client.patchIgnoringAnswer(...args);
    stalled.push(opts!.signal!);
    return new Promise((_resolve, reject) =>
      opts!.signal!.addEventListener("abort", () => reject(new Error("aborted"))),
    );
  }) as typeof client.patchIgnoringAnswer;
  const sim = await Simulator.start({
    client: stalling,
    nodes: 1,
    profile: makeProfile({}),
    namePrefix: "stalled-",
    dataDir,
    clock,
    serveStats: false,
    random: () => 0,
  });
  let stopped: Promise<"stopped" | "hung"> | undefined;
  try {
    await client.create(podsRef, "default", {
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: "stalled-pod" },
      spec: { nodeName: "stalled-0", containers: [{ name: "c", image: "pause" }] },
    } as KObject);
    await eventually("a pod status write in flight", async () => stalled.length > 0);
    // Only a bound against a hang: what is asserted is that stop returned.
    stopped = Promise.race([
      sim.stop().then(() => "stopped" as const),
      new Promise<"hung">((r) => setTimeout(() => r("hung"), 60_000).unref()),
    ]);
    assert.equal(await stopped, "stopped");
    assert.ok(
      stalled.every((s) => s.aborted),
      "the writes in flight were aborted",
    );
  } finally {
    if (!stopped) await sim.stop();
    await client
      .delete(podsRef, "default", "stalled-pod", { gracePeriodSeconds: 0 })
      .catch(() => {});
    rmSync(dataDir, { recursive: true, force: true });
  }
});
