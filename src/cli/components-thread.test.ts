import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startTestServer } from "../apiserver/testing/test-server.ts";
import type { KObject } from "../api/types.ts";
import { podsRef, nodesRef } from "../client/resources.ts";
import { RestClient } from "../client/rest-client.ts";
import { until } from "../controllers/testing.ts";
import { startControlComponentsThread } from "./components-thread.ts";
import type { ControlComponentsSpec } from "./control-components.ts";

const spec = (server: string, dataDir: string, flags: ControlComponentsSpec["flags"]) => ({
  config: { server },
  controllerManager: {},
  scheduler: {},
  dataDir,
  nodeName: "thread-test",
  flags: { disableAgent: true, useServiceAccountCredentials: "false", ...flags },
});

test("the controller manager and scheduler run in their thread and stop with it", async () => {
  const api = await startTestServer();
  const dir = await mkdtemp(join(tmpdir(), "k8ts-components-thread-"));
  const client = new RestClient({ server: api.server.url, qps: 1000, burst: 1000 });
  try {
    const components = await startControlComponentsThread(
      spec(api.server.url, dir, { allocateNodeCidrs: "false" }),
    );
    try {
      await client.create(nodesRef, undefined, {
        apiVersion: "v1",
        kind: "Node",
        metadata: { name: "n1" },
        status: {
          allocatable: { cpu: "4", memory: "8Gi", pods: "110" },
          conditions: [{ type: "Ready", status: "True" }],
        },
      });
      await client.create(podsRef, "default", {
        apiVersion: "v1",
        kind: "Pod",
        metadata: { name: "p" },
        spec: { containers: [{ name: "c", image: "pause" }] },
      });
      // Scheduled by the thread's scheduler; the thread's controllers made the
      // default namespace's service account.
      const pod = await until("pod bound", async () => {
        const p = await client.get<KObject>(podsRef, "default", "p");
        return (p.spec as { nodeName?: string }).nodeName ? p : undefined;
      });
      assert.equal((pod.spec as { nodeName?: string }).nodeName, "n1");
      await until("leases held", async () => {
        const leases = await api.call(
          "GET",
          "/apis/coordination.k8s.io/v1/namespaces/kube-system/leases",
        );
        const holders = (leases.body.items as KObject[]).map(
          (l) => `${l.metadata?.name}=${(l.spec as { holderIdentity?: string }).holderIdentity}`,
        );
        return holders.includes(`kube-scheduler=thread-test_${process.pid}`) &&
          holders.includes(`kube-controller-manager=thread-test_${process.pid}`)
          ? holders
          : undefined;
      });
    } finally {
      await components.stop();
    }
    // Stopped: a new pod stays unscheduled.
    await client.create(podsRef, "default", {
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: "after-stop" },
      spec: { containers: [{ name: "c", image: "pause" }] },
    });
    await new Promise((resolve) => setTimeout(resolve, 300));
    const after = await client.get<KObject>(podsRef, "default", "after-stop");
    assert.equal((after.spec as { nodeName?: string }).nodeName, undefined);
  } finally {
    client.close();
    await api.close();
    await rm(dir, { recursive: true, force: true });
  }
});

test("a start error in the thread rejects the start with its message", async () => {
  const dir = await mkdtemp(join(tmpdir(), "k8ts-components-thread-"));
  try {
    await assert.rejects(
      startControlComponentsThread(
        spec("https://127.0.0.1:1", dir, { clusterCidr: "not-a-cidr", disableScheduler: true }),
      ),
      /did not start: node IPAM: .*not-a-cidr/,
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
