/**
 * servicelb end to end: `k8ts server` (its controller manager runs the
 * servicelb controller), a Node object with an InternalIP, and a
 * LoadBalancer Service: `kubectl get svc` shows the node address as
 * EXTERNAL-IP; when the node goes NotReady or the service stops being a
 * LoadBalancer, the ingress follows.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { startCluster, eventually, type TestCluster } from "./harness.ts";

let cluster: TestCluster;

before(async () => {
  // No kubelet heartbeats lb-node-1: with the default 40 s grace the node lifecycle controller
  // would set its Ready Unknown 40 s after each status this test writes, and the ingress would
  // go with it (a loaded servicelb could act after that and a wait see the reverted state).
  cluster = await startCluster({ args: ["--node-monitor-grace-period=10m"] });
});

after(async () => {
  await cluster?.stop();
});

function nodeJson(ready: "True" | "False"): string {
  return JSON.stringify({
    apiVersion: "v1",
    kind: "Node",
    metadata: { name: "lb-node-1" },
    status: {
      addresses: [{ type: "InternalIP", address: "10.99.0.7" }],
      conditions: [
        {
          type: "Ready",
          status: ready,
          reason: "Test",
          lastHeartbeatTime: new Date().toISOString(),
          lastTransitionTime: new Date().toISOString(),
        },
      ],
    },
  });
}

async function setNodeStatus(ready: "True" | "False"): Promise<void> {
  await cluster.kubectlOk([
    "patch",
    "node",
    "lb-node-1",
    "--subresource=status",
    "--type=merge",
    "-p",
    JSON.stringify({ status: JSON.parse(nodeJson(ready)).status }),
  ]);
}

const externalIP = async () =>
  (await cluster.kubectlOk(["get", "svc", "web-lb", "--no-headers"])).trim().split(/\s+/)[3];

test("a LoadBalancer service gets the Ready node's InternalIP as EXTERNAL-IP", async () => {
  await cluster.kubectlOk(["create", "-f", "-"], { input: nodeJson("True") });
  await setNodeStatus("True");
  await cluster.kubectlOk(["apply", "-f", "-"], {
    input: JSON.stringify({
      apiVersion: "v1",
      kind: "Service",
      metadata: { name: "web-lb", namespace: "default" },
      spec: {
        type: "LoadBalancer",
        selector: { app: "web" },
        ports: [{ port: 80, targetPort: 8080 }],
      },
    }),
  });
  const ip = await eventually("EXTERNAL-IP", async () => {
    const v = await externalIP();
    return v === "10.99.0.7" ? v : undefined;
  });
  assert.equal(ip, "10.99.0.7");
  const ingress = await cluster.kubectlOk([
    "get",
    "svc",
    "web-lb",
    "-o",
    "jsonpath={.status.loadBalancer.ingress[0].ipMode}",
  ]);
  assert.equal(ingress, "VIP");
});

test("the ingress follows node readiness and the service type", async () => {
  await setNodeStatus("False");
  await eventually("pending", async () =>
    (await externalIP()) === "<pending>" ? true : undefined,
  );
  await setNodeStatus("True");
  await eventually("back", async () => ((await externalIP()) === "10.99.0.7" ? true : undefined));
  await cluster.kubectlOk([
    "patch",
    "svc",
    "web-lb",
    "--type=merge",
    "-p",
    '{"spec":{"type":"NodePort"}}',
  ]);
  await eventually("cleared", async () => {
    const out = await cluster.kubectlOk([
      "get",
      "svc",
      "web-lb",
      "-o",
      "jsonpath={.status.loadBalancer}",
    ]);
    return out === "{}" || out === "" ? true : undefined;
  });
});
