import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { startTestServer, type TestServer } from "../apiserver/testing/test-server.ts";
import { RestClient } from "../client/rest-client.ts";
import { endpointsRef, servicesRef } from "../client/resources.ts";
import type { HostExec } from "./host-exec.ts";
import { startProxy, type RunningProxy } from "./proxy-server.ts";

let t: TestServer;
let client: RestClient;
const restores: string[] = [];
/** Records iptables-restore input; every other command "succeeds" with no output. */
const exec: HostExec = async (cmd, _args, input) => {
  if (cmd.endsWith("-restore")) restores.push(input ?? "");
  return { code: 0, stdout: "", stderr: "" };
};

before(async () => {
  t = await startTestServer();
  client = new RestClient({ server: t.server.url, qps: 1000, burst: 1000 });
});
after(async () => {
  client.close();
  await t.close();
});

async function eventually(what: string, fn: () => boolean): Promise<void> {
  for (let i = 0; i < 300; i++) {
    if (fn()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.fail(`timed out waiting for ${what}\n${restores.at(-1)}`);
}

test("with endpointsSource Endpoints the proxy programs rules from Endpoints objects", async () => {
  let proxy: RunningProxy | undefined;
  try {
    proxy = await startProxy({
      client,
      exec,
      nodeName: "node1",
      endpointsSource: "Endpoints",
      iptablesBackend: "legacy",
      serviceRoutes: false,
      localhostNodePorts: false,
      clearConntrack: false,
      minSyncPeriodMs: 0,
      healthzBindAddress: "",
      metricsBindAddress: "",
      healthCheckBindAddress: "",
    });
    await client.create(servicesRef, "default", {
      apiVersion: "v1",
      kind: "Service",
      metadata: { name: "web", namespace: "default" },
      spec: { ports: [{ name: "http", port: 80, targetPort: 8080 }] },
    });
    const endpoints = (ips: string[], notReady: string[] = []) => ({
      apiVersion: "v1",
      kind: "Endpoints",
      metadata: { name: "web", namespace: "default" },
      subsets: [
        {
          addresses: ips.map((ip) => ({ ip, nodeName: "node1" })),
          notReadyAddresses: notReady.map((ip) => ({ ip })),
          ports: [{ name: "http", port: 8080, protocol: "TCP" }],
        },
      ],
    });
    await client.create(endpointsRef, "default", endpoints(["10.42.1.5", "10.42.1.6"]));
    const dnat = (ip: string) => `-j DNAT --to-destination ${ip}:8080`;
    await eventually("both endpoints programmed", () => {
      const last = restores.at(-1) ?? "";
      return last.includes(dnat("10.42.1.5")) && last.includes(dnat("10.42.1.6"));
    });
    const cur = await client.get(endpointsRef, "default", "web");
    await client.update(endpointsRef, {
      ...endpoints(["10.42.1.6"], ["10.42.1.5"]),
      metadata: cur.metadata,
    });
    await eventually("the not-ready endpoint's chain deleted", () => {
      const last = restores.at(-1) ?? "";
      return last.includes("-X KUBE-SEP-") && !last.includes(dnat("10.42.1.5"));
    });
    await client.delete(endpointsRef, "default", "web");
    await eventually("no endpoints: the ClusterIP rejects", () =>
      (restores.at(-1) ?? "").includes("default/web:http has no endpoints"),
    );
  } finally {
    await proxy?.stop();
  }
});
