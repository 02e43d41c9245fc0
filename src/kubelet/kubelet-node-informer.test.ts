/**
 * The kubelet (simulated runtime) against a real API server: its periodic
 * node status check reads its own Node from a watch (no GET per period, as
 * upstream's node lister), and a hostless kubelet runs a pod with volumes
 * without writing anything under its data dir.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Node, Pod } from "kubernetes-types/core/v1.d.ts";
import { useRestClient, useTestServer } from "../apiserver/testing/test-server.ts";
import { configMapsRef, nodesRef, podsRef } from "../client/resources.ts";
import type { KObject } from "../api/types.ts";
import { createLogger } from "../util/logger.ts";
import { startKubelet } from "./kubelet.ts";

const api = useTestServer();
const client = useRestClient(api);
const log = createLogger("kubelet", { level: "error" });

/** Polls until check() holds (a bound on waiting, not a timing assertion). */
async function eventually(what: string, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what} did not happen`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const readyOf = async (name: string) =>
  (await client.get<Node & KObject>(nodesRef, undefined, name)).status?.conditions?.find(
    (c) => c.type === "Ready",
  )?.status;

test("the node status check reads the kubelet's node informer: Ready overwritten on the server is written back without a GET of the Node", async () => {
  const dataDir = mkdtempSync(join(tmpdir(), "k8ts-kubelet-informer-"));
  let nodeGets = 0;
  const counting = Object.create(client) as typeof client;
  counting.request = ((method: string, path: string, ...rest: unknown[]) => {
    if (method === "GET" && path.startsWith("/api/v1/nodes/")) nodeGets++;
    return (client.request as (...a: unknown[]) => unknown)(method, path, ...rest);
  }) as typeof client.request;
  const kubelet = await startKubelet({
    client: counting,
    nodeName: "informed-kubelet",
    dataDir,
    runtime: "simulated",
    leaseRenewMs: 100,
    log,
  });
  try {
    nodeGets = 0; // the informer has synced when startKubelet returns
    assert.equal(await readyOf("informed-kubelet"), "True");
    await client.patch(
      nodesRef,
      undefined,
      "informed-kubelet",
      "strategic",
      {
        status: { conditions: [{ type: "Ready", status: "Unknown", reason: "NodeStatusUnknown" }] },
      },
      { subresource: "status" },
    );
    await eventually(
      "Ready written back",
      async () => (await readyOf("informed-kubelet")) === "True",
    );
    assert.equal(nodeGets, 0, "no GET of the Node after the informer synced");
  } finally {
    await kubelet.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
});

test("a hostless kubelet runs a pod with configMap and emptyDir volumes and writes no pod or log directory", async () => {
  for (const [hostless, name] of [
    [true, "hollow-kubelet"],
    [false, "host-kubelet"],
  ] as const) {
    const dataDir = mkdtempSync(join(tmpdir(), "k8ts-kubelet-hostless-"));
    await client
      .create(configMapsRef, "default", {
        metadata: { name: "hostless-cm" },
        data: { a: "1" },
      } as KObject)
      .catch(() => undefined);
    const kubelet = await startKubelet({
      client,
      nodeName: name,
      dataDir,
      runtime: "simulated",
      hostless,
      log,
    });
    const podName = `vol-${name}`;
    try {
      await client.create(podsRef, "default", {
        metadata: { name: podName },
        spec: {
          nodeName: name,
          containers: [
            {
              name: "c",
              image: "busybox",
              volumeMounts: [
                { name: "cm", mountPath: "/cm" },
                { name: "scratch", mountPath: "/scratch" },
              ],
            },
          ],
          volumes: [
            { name: "cm", configMap: { name: "hostless-cm" } },
            { name: "scratch", emptyDir: {} },
          ],
        },
      } as KObject);
      let pod: Pod | undefined;
      await eventually(`${podName} Running`, async () => {
        pod = await client.get<Pod & KObject>(podsRef, "default", podName);
        return pod.status?.phase === "Running";
      });
      const podDir = join(dataDir, "pods", pod!.metadata!.uid!);
      const logs = existsSync(join(dataDir, "logs")) ? readdirSync(join(dataDir, "logs")) : [];
      if (hostless) {
        assert.equal(existsSync(podDir), false, "no pod directory on a hostless node");
        assert.deepEqual(logs, [], "no log directory on a hostless node");
      } else {
        assert.equal(existsSync(podDir), true, "a host node makes the pod's directory");
      }
    } finally {
      await client.delete(podsRef, "default", podName, { gracePeriodSeconds: 0 }).catch(() => {});
      await kubelet.stop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  }
});
