import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import type { KObject } from "../../api/types.ts";
import { FakeClock } from "../../client/clock.ts";
import { nodesRef } from "../../client/resources.ts";
import { RestClient } from "../../client/rest-client.ts";
import { startTestServer, type TestServer } from "../../apiserver/testing/test-server.ts";
import { until } from "../testing.ts";
import { awaitPodCidr } from "./await-pod-cidr.ts";

let api: TestServer;
let client: RestClient;

/** Lets `n` polls of the waiter's own clock pass (each once it waits). */
async function polls(clock: FakeClock, n: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    await until("the waiter polls", () => clock.waiting() > 0 || undefined);
    clock.advance(1000);
  }
}

before(async () => {
  api = await startTestServer();
  client = new RestClient({ server: api.server.url, qps: 1000, burst: 1000 });
});

after(async () => {
  client.close();
  await api.close();
});

test("registers the node, logs progress, returns the podCIDR once assigned", async () => {
  const logs: string[] = [];
  const clock = new FakeClock();
  const waiting = awaitPodCidr({
    client,
    clock,
    nodeName: "joiner",
    log: (m) => logs.push(m),
  });
  const created = await until("node registered", () =>
    client
      .get<KObject & { spec?: { podCIDR?: string } }>(nodesRef, undefined, "joiner")
      .catch(() => undefined),
  );
  assert.equal(created.spec?.podCIDR, undefined);
  assert.equal(created.metadata?.labels?.["kubernetes.io/hostname"], "joiner");
  // 15 s pass without a CIDR: one progress line.
  await polls(clock, 15);
  await until("progress logged", () => logs.some((l) => l.includes("still waiting")) || undefined);
  await client.patch(nodesRef, undefined, "joiner", "merge", {
    spec: { podCIDR: "10.42.7.0/24", podCIDRs: ["10.42.7.0/24"] },
  });
  await polls(clock, 1);
  const cidrs = await waiting;
  assert.deepEqual(cidrs, ["10.42.7.0/24"]);
});

test("an existing node with a podCIDR is used at once; none in time is an error", async () => {
  await client.create(nodesRef, undefined, {
    apiVersion: "v1",
    kind: "Node",
    metadata: { name: "has" },
    spec: { podCIDR: "10.42.9.0/24" },
  } as KObject);
  assert.deepEqual(await awaitPodCidr({ client, clock: api.clock, nodeName: "has" }), [
    "10.42.9.0/24",
  ]);
  const clock = new FakeClock();
  const waiting = awaitPodCidr({ client, clock, nodeName: "never", timeoutMs: 3000 });
  const rejected = assert.rejects(waiting, /got no podCIDR within 3s/);
  await polls(clock, 3);
  await rejected;
});
