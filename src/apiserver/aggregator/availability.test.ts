import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import type { KObject } from "../../api/types.ts";
import { startTestServer, type TestServer } from "../testing/test-server.ts";
import { serviceProblem } from "./availability.ts";

let api: TestServer;
before(async () => {
  api = await startTestServer();
});
after(() => api.close());

const apiService = (service: string, port?: number): KObject => ({
  apiVersion: "apiregistration.k8s.io/v1",
  kind: "APIService",
  metadata: { name: "v1.x.test" },
  spec: { group: "x.test", version: "v1", service: { namespace: "default", name: service, port } },
});

async function create(resource: string, body: Record<string, unknown>): Promise<void> {
  const r = await api.call("POST", `/api/v1/namespaces/default/${resource}`, body);
  assert.equal(r.status, 201, r.text);
}

test("service checks report upstream's reasons before the discovery check", async () => {
  const service = (name: string, spec: Record<string, unknown>) =>
    create("services", { apiVersion: "v1", kind: "Service", metadata: { name }, spec });
  const endpoints = (name: string, subsets: unknown[]) =>
    create("endpoints", { apiVersion: "v1", kind: "Endpoints", metadata: { name }, subsets });
  await service("no-eps", { clusterIP: "None", ports: [{ name: "https", port: 443 }] });
  await service("idle", { clusterIP: "None", ports: [{ name: "https", port: 443 }] });
  await endpoints("idle", [
    { notReadyAddresses: [{ ip: "127.0.0.1" }], ports: [{ name: "https", port: 8443 }] },
  ]);
  await service("ok", { clusterIP: "None", ports: [{ name: "https", port: 443 }] });
  await endpoints("ok", [
    { addresses: [{ ip: "127.0.0.1" }], ports: [{ name: "https", port: 8443 }] },
  ]);
  await service("external", { type: "ExternalName", externalName: "api.example.com" });
  const table: [KObject, { reason: string; message: string } | undefined][] = [
    [
      apiService("nope"),
      { reason: "ServiceNotFound", message: 'service/nope in "default" is not present' },
    ],
    [
      apiService("ok", 8080),
      {
        reason: "ServicePortError",
        message: 'service/ok in "default" is not listening on port 8080',
      },
    ],
    [
      apiService("no-eps"),
      {
        reason: "EndpointsNotFound",
        message: 'cannot find endpoints for service/no-eps in "default"',
      },
    ],
    [
      apiService("idle"),
      {
        reason: "MissingEndpoints",
        message: 'endpoints for service/idle in "default" have no addresses with port name "https"',
      },
    ],
    [apiService("ok"), undefined],
    [apiService("external"), undefined],
  ];
  for (const [obj, want] of table)
    assert.deepEqual(
      await serviceProblem(api.server.context, obj),
      want,
      String((obj.spec as { service: { name: string } }).service.name),
    );
});
