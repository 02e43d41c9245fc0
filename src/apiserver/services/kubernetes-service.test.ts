import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { startTestServer, type TestServer } from "../testing/test-server.ts";
import {
  KubernetesServiceController,
  MASTER_LEASES_PREFIX,
  type EndpointReconcilerType,
} from "./kubernetes-service.ts";

let t: TestServer;
before(async () => {
  t = await startTestServer({ services: { kubernetesService: false } });
});
after(async () => {
  await t.close();
});

const controller = (type: EndpointReconcilerType, advertiseAddress: string, securePort = 6443) =>
  new KubernetesServiceController(t.server.context, {
    serviceIP: "10.43.0.1",
    securePort,
    advertiseAddress,
    reconcilerType: type,
  });

const endpointIPs = async () => {
  const ep = await t.call("GET", "/api/v1/namespaces/default/endpoints/kubernetes");
  return ep.status === 200
    ? (ep.body.subsets[0].addresses as { ip: string }[]).map((a) => a.ip)
    : undefined;
};

test("reconciler types: none, master-count (no leases), lease (every live server)", async () => {
  await controller("none", "10.42.0.1").reconcile();
  const svc = await t.call("GET", "/api/v1/namespaces/default/services/kubernetes");
  assert.equal(svc.body.spec.clusterIP, "10.43.0.1", "the service exists with every type");
  assert.equal(await endpointIPs(), undefined);

  const rev = await t.backend.currentRevision();
  await controller("master-count", "10.42.0.1").reconcile();
  assert.deepEqual(await endpointIPs(), ["10.42.0.1"]);
  const afterFirst = await t.backend.currentRevision();
  assert.ok(afterFirst > rev);
  await controller("master-count", "10.42.0.1").reconcile();
  assert.equal(await t.backend.currentRevision(), afterFirst, "an idle pass writes nothing");
  assert.equal((await t.backend.list(MASTER_LEASES_PREFIX)).kvs.length, 0);

  await controller("lease", "10.0.0.2").reconcile();
  await controller("lease", "10.0.0.1").reconcile();
  assert.deepEqual(await endpointIPs(), ["10.0.0.1", "10.0.0.2"]);
  await t.backend.delete(`${MASTER_LEASES_PREFIX}10.0.0.2:6443`); // that server's lease expired
  await controller("lease", "10.0.0.1").reconcile();
  assert.deepEqual(await endpointIPs(), ["10.0.0.1"]);

  await t.backend.delete(`${MASTER_LEASES_PREFIX}10.0.0.1:6443`); // restarted on another port
  await controller("lease", "10.0.0.1", 7443).reconcile();
  const svc2 = await t.call("GET", "/api/v1/namespaces/default/services/kubernetes");
  assert.equal(svc2.body.spec.ports[0].targetPort, 7443, "the target port follows the server");
});
