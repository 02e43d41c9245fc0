/**
 * The EndpointSlice controller against a real in-process API server: at most
 * 100 endpoints per slice (upstream --max-endpoints-per-slice default), so
 * 130 ready pods make two slices; ready and not-ready endpoints.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import type { KObject } from "../../api/types.ts";
import { InformerFactory } from "../../client/informer/informer-factory.ts";
import { endpointSlicesRef, podsRef, servicesRef } from "../../client/resources.ts";
import { RestClient } from "../../client/rest-client.ts";
import { startTestServer, type TestServer } from "../../apiserver/testing/test-server.ts";
import { EndpointsController } from "./endpoints.ts";
import { until } from "../testing.ts";

type Obj = KObject & { spec?: any; status?: any; endpoints?: any[] }; // eslint-disable-line @typescript-eslint/no-explicit-any
const ns = "default";
let api: TestServer;
let client: RestClient;
let informers: InformerFactory;
let controller: EndpointsController;

before(async () => {
  api = await startTestServer();
  client = new RestClient({ server: api.server.url, qps: 5000, burst: 5000 });
  informers = new InformerFactory(client, { clock: api.clock });
  controller = new EndpointsController({
    client,
    informers,
    clock: api.clock,
    slicesOnly: true,
  });
  informers.start();
  await informers.waitForCacheSync();
});

after(async () => {
  await informers.stop();
  client.close();
  await api.close();
});

test("130 pods make two slices of at most 100 endpoints; readiness is kept per endpoint", async () => {
  await client.create(servicesRef, ns, {
    apiVersion: "v1",
    kind: "Service",
    metadata: { name: "big" },
    spec: { selector: { app: "big" }, ports: [{ name: "http", port: 80, targetPort: 8080 }] },
  } as KObject);
  const at = new Date(api.clock.now()).toISOString().replace(/\.\d+Z$/, "Z");
  await Promise.all(
    Array.from({ length: 130 }, async (_, i) => {
      const pod = await client.create<Obj>(podsRef, ns, {
        apiVersion: "v1",
        kind: "Pod",
        metadata: { name: `big-${i}`, labels: { app: "big" } },
        spec: {
          nodeName: "n1",
          containers: [{ name: "c", image: "nginx", ports: [{ containerPort: 8080 }] }],
        },
      } as KObject);
      await client.update(
        podsRef,
        {
          ...pod,
          status: {
            phase: "Running",
            podIP: `10.42.${Math.floor(i / 200)}.${(i % 200) + 10}`,
            conditions: [
              { type: "Ready", status: i < 120 ? "True" : "False", lastTransitionTime: at },
            ],
          },
        } as KObject,
        { subresource: "status" },
      );
    }),
  );
  const pods = informers.informerFor<Obj>(podsRef);
  await until("pods cached", () =>
    pods.indexer.list().filter((p) => p.status?.podIP).length === 130 ? true : undefined,
  );
  await until("service cached", () => informers.informerFor(servicesRef).indexer.get(`${ns}/big`));
  await controller.sync(`${ns}/big`);
  const slices = (
    await client.list<Obj>(endpointSlicesRef, ns, {
      labelSelector: "kubernetes.io/service-name=big",
    })
  ).items;
  const sizes = slices.map((s) => s.endpoints?.length ?? 0).sort((a, b) => b - a);
  assert.deepEqual(sizes, [100, 30]);
  const all = slices.flatMap((s) => s.endpoints ?? []);
  assert.equal(new Set(all.map((e) => e.addresses[0])).size, 130);
  assert.equal(all.filter((e) => e.conditions?.ready === true).length, 120);
  assert.equal(all.filter((e) => e.conditions?.ready === false).length, 10);
  for (const s of slices) {
    assert.equal(
      s.metadata?.labels?.["endpointslice.kubernetes.io/managed-by"],
      "endpointslice-controller.k8s.io",
    );
    assert.deepEqual((s as any).ports, [{ name: "http", protocol: "TCP", port: 8080 }]); // eslint-disable-line @typescript-eslint/no-explicit-any
  }
});

test("a two-label selector takes exactly the pods carrying both labels, in its own namespace", async () => {
  await client.create(servicesRef, ns, {
    apiVersion: "v1",
    kind: "Service",
    metadata: { name: "web" },
    spec: { selector: { app: "web", tier: "front" }, ports: [{ port: 80 }] },
  } as KObject);
  const at = new Date(api.clock.now()).toISOString().replace(/\.\d+Z$/, "Z");
  const pods: [string, string, Record<string, string>, string][] = [
    ["both", ns, { app: "web", tier: "front" }, "10.42.9.1"],
    ["both-and-more", ns, { app: "web", tier: "front", x: "y" }, "10.42.9.2"],
    ["app-only", ns, { app: "web" }, "10.42.9.3"],
    ["tier-only", ns, { tier: "front" }, "10.42.9.4"],
    ["other-ns", "kube-public", { app: "web", tier: "front" }, "10.42.9.5"],
  ];
  for (const [name, podNs, labels, ip] of pods) {
    const pod = await client.create<Obj>(podsRef, podNs, {
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name, labels },
      spec: { nodeName: "n1", containers: [{ name: "c", image: "nginx" }] },
    } as KObject);
    await client.update(
      podsRef,
      {
        ...pod,
        status: {
          phase: "Running",
          podIP: ip,
          conditions: [{ type: "Ready", status: "True", lastTransitionTime: at }],
        },
      } as KObject,
      { subresource: "status" },
    );
  }
  const cache = informers.informerFor<Obj>(podsRef);
  await until("pods cached", () =>
    pods.every(([name, podNs]) => cache.indexer.get(`${podNs}/${name}`)?.status?.podIP)
      ? true
      : undefined,
  );
  await until("service cached", () => informers.informerFor(servicesRef).indexer.get(`${ns}/web`));
  const addresses = async () => {
    await controller.sync(`${ns}/web`);
    const slices = (
      await client.list<Obj>(endpointSlicesRef, ns, {
        labelSelector: "kubernetes.io/service-name=web",
      })
    ).items;
    return slices.flatMap((s) => (s.endpoints ?? []).map((e) => e.addresses[0])).sort();
  };
  assert.deepEqual(await addresses(), ["10.42.9.1", "10.42.9.2"]);
  // Relabelled out of the selector: gone from the slice at the next sync.
  const p = await client.get<Obj>(podsRef, ns, "both-and-more");
  await client.update(podsRef, { ...p, metadata: { ...p.metadata, labels: { app: "web" } } });
  await until("relabel cached", () =>
    cache.indexer.get(`${ns}/both-and-more`)?.metadata?.labels?.tier === undefined
      ? true
      : undefined,
  );
  assert.deepEqual(await addresses(), ["10.42.9.1"]);
});
