import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { Node } from "kubernetes-types/core/v1.d.ts";
import { startTestServer, type TestServer } from "../../apiserver/testing/test-server.ts";
import { nodesRef } from "../../client/resources.ts";
import { RestClient } from "../../client/rest-client.ts";
import type { ContainerRuntime } from "../runtime/runtime.ts";
import { NodeStatusReporter } from "./node-status.ts";

let api: TestServer;
let client: RestClient;
before(async () => {
  api = await startTestServer();
  client = new RestClient({ server: api.server.url, qps: -1 });
});
after(async () => {
  client.close();
  await api.close();
});

const runtime = {
  status: async () => [
    { type: "RuntimeReady", status: true, reason: "", message: "" },
    { type: "NetworkReady", status: true, reason: "", message: "" },
  ],
  version: async () => ({ runtimeName: "fake", runtimeVersion: "1" }),
  listImages: async () => [],
} as unknown as ContainerRuntime;

test("a node marked Unknown by the node controller is reported Ready at the next period", async () => {
  const reporter = new NodeStatusReporter({
    client,
    runtime,
    clock: api.clock,
    nodeName: "n1",
    hostIP: "127.0.0.1",
    machine: {
      cpuCores: 2,
      memoryBytes: 4 << 30,
      ephemeralStorageBytes: 10 << 30,
      machineID: "m",
      bootID: "b",
      systemUUID: "u",
      kernelVersion: "6",
      osImage: "Debian",
      architecture: "amd64",
    },
  });
  await reporter.register();
  assert.equal(await reporter.report(true), true);
  // Nothing changed on either side: no write.
  api.clock.advance(10_000);
  assert.equal(await reporter.report(), false);
  // The node lifecycle controller's view after a missed heartbeat.
  const node = await client.get<Node>(nodesRef, undefined, "n1");
  const conditions = node.status!.conditions!.map((c) =>
    c.type === "Ready"
      ? {
          ...c,
          status: "Unknown",
          reason: "NodeStatusUnknown",
          message: "Kubelet stopped posting node status.",
        }
      : c,
  );
  await client.patch(
    nodesRef,
    undefined,
    "n1",
    "strategic",
    { status: { conditions } },
    {
      subresource: "status",
    },
  );
  api.clock.advance(10_000);
  assert.equal(await reporter.report(), true, "written although our own status did not change");
  const after = await client.get<Node>(nodesRef, undefined, "n1");
  assert.equal(after.status!.conditions!.find((c) => c.type === "Ready")?.status, "True");
  api.clock.advance(10_000);
  assert.equal(await reporter.report(), false);
});
