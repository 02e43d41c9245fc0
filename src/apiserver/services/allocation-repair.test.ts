import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { startTestServer, type TestServer } from "../testing/test-server.ts";
import { REPAIRS_BEFORE_LEAK_CLEANUP } from "./allocation-repair.ts";
import type { ServiceNetworking } from "./service-networking.ts";
import { installServiceNetworking } from "./service-networking.ts";

let t: TestServer;
let net: ServiceNetworking;
before(async () => {
  t = await startTestServer({ services: false });
  net = installServiceNetworking(t.server.context, { kubernetesService: false });
});
after(async () => {
  await t.close();
});

test("leaked values are released only after several passes; held ones stay", async () => {
  const created = await t.call("POST", "/api/v1/namespaces/default/services", {
    apiVersion: "v1",
    kind: "Service",
    metadata: { name: "held" },
    spec: { type: "NodePort", clusterIP: "10.43.0.30", ports: [{ port: 80, nodePort: 30030 }] },
  });
  assert.equal(created.status, 201, created.text);
  await net.allocator.ips.allocate("10.43.0.31"); // leaked: no service holds it
  await net.allocator.ports.allocate(30031);
  for (let pass = 1; pass < REPAIRS_BEFORE_LEAK_CLEANUP; pass++) {
    await net.repair.runOnce();
    assert.deepEqual(await net.allocator.ips.used(), ["10.43.0.30", "10.43.0.31"], `pass ${pass}`);
  }
  await net.repair.runOnce();
  assert.deepEqual(await net.allocator.ips.used(), ["10.43.0.30"]);
  assert.deepEqual(await net.allocator.ports.used(), [30030]);
});
