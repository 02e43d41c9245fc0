/**
 * Master leases keyed by IP and port: the kubernetes Endpoints keep
 * upstream's single subset when servers share a port, list servers sharing
 * an IP on different ports under their own ports without flapping (each
 * server's pass leaves the others' entries and the service alone), and an
 * agent's server list read from them names every server.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import type { KObject } from "../api/types.ts";
import { startTestServer, type TestServer } from "../apiserver/testing/test-server.ts";
import { KubernetesServiceController } from "../apiserver/services/kubernetes-service.ts";
import { serversFromEndpoints } from "./apiserver-endpoints.ts";
import {
  listMasterLeases,
  MASTER_LEASES_PREFIX,
  masterLeaseKey,
  masterSubsets,
  renewMasterLease,
  type MasterLease,
} from "./master-leases.ts";

const https = (port: number) => [{ name: "https", port, protocol: "TCP" }];

test("masterSubsets: one subset per port, addresses in string order, duplicates once", () => {
  const cases: { name: string; leases: MasterLease[]; want: unknown }[] = [
    {
      name: "upstream layout: own IPs, one port",
      leases: [
        { ip: "127.0.0.4", port: 6443 },
        { ip: "127.0.0.2", port: 6443 },
        { ip: "127.0.0.3", port: 6443 },
      ],
      want: [
        {
          addresses: [{ ip: "127.0.0.2" }, { ip: "127.0.0.3" }, { ip: "127.0.0.4" }],
          ports: https(6443),
        },
      ],
    },
    {
      name: "one IP, three ports",
      leases: [
        { ip: "127.0.0.1", port: 7000 },
        { ip: "127.0.0.1", port: 6500 },
        { ip: "127.0.0.1", port: 6443 },
      ],
      want: [6443, 6500, 7000].map((port) => ({
        addresses: [{ ip: "127.0.0.1" }],
        ports: https(port),
      })),
    },
    {
      name: "mixed, with a duplicate",
      leases: [
        { ip: "10.0.0.2", port: 6443 },
        { ip: "10.0.0.1", port: 7443 },
        { ip: "10.0.0.1", port: 6443 },
        { ip: "10.0.0.2", port: 6443 },
      ],
      want: [
        { addresses: [{ ip: "10.0.0.1" }, { ip: "10.0.0.2" }], ports: https(6443) },
        { addresses: [{ ip: "10.0.0.1" }], ports: https(7443) },
      ],
    },
    { name: "none", leases: [], want: [] },
  ];
  for (const c of cases) assert.deepEqual(masterSubsets(c.leases), c.want, c.name);
});

test("masterLeaseKey: IP and port, IPv6 bracketed", () => {
  assert.equal(
    masterLeaseKey({ ip: "10.0.0.1", port: 6443 }),
    `${MASTER_LEASES_PREFIX}10.0.0.1:6443`,
  );
  assert.equal(
    masterLeaseKey({ ip: "fd00::1", port: 6443 }),
    `${MASTER_LEASES_PREFIX}[fd00::1]:6443`,
  );
});

let t: TestServer;
before(async () => {
  t = await startTestServer({ services: { kubernetesService: false } });
});
after(async () => {
  await t.close();
});

test("listMasterLeases reads IP and port from the values; an old IP-only lease counts with the default port", async () => {
  await renewMasterLease(t.backend, { ip: "10.9.0.1", port: 7443 }, 15);
  await renewMasterLease(t.backend, { ip: "10.9.0.1", port: 7443 }, 15); // refreshed, still one key
  await t.backend.create(
    `${MASTER_LEASES_PREFIX}10.9.0.2`,
    JSON.stringify({ kind: "Endpoints", subsets: [{ addresses: [{ ip: "10.9.0.2" }] }] }),
    { ttlSeconds: 15 },
  );
  await t.backend.create(`${MASTER_LEASES_PREFIX}junk`, "not json", { ttlSeconds: 15 });
  assert.deepEqual(await listMasterLeases(t.backend, 6443), [
    { ip: "10.9.0.2", port: 6443 },
    { ip: "10.9.0.1", port: 7443 },
  ]);
  for (const k of ["10.9.0.1:7443", "10.9.0.2", "junk"])
    await t.backend.delete(`${MASTER_LEASES_PREFIX}${k}`);
});

const get = async (path: string) => {
  const r = await t.call("GET", path);
  return r.status === 200 ? (r.body as KObject) : undefined;
};

test("three servers on 127.0.0.1 with different ports: all listed under their own ports, no flapping, an expired one dropped", async () => {
  const ports = [6443, 6444, 6445];
  const servers = ports.map(
    (securePort) =>
      new KubernetesServiceController(t.server.context, {
        serviceIP: "10.43.0.1",
        securePort,
        advertiseAddress: "127.0.0.1",
        reconcilerType: "lease",
      }),
  );
  for (const s of servers) await s.reconcile();
  const ep = await get("/api/v1/namespaces/default/endpoints/kubernetes");
  assert.deepEqual(
    ep?.subsets,
    ports.map((port) => ({ addresses: [{ ip: "127.0.0.1" }], ports: https(port) })),
  );
  assert.deepEqual(
    serversFromEndpoints(ep!),
    ports.map((p) => `https://127.0.0.1:${p}`),
  );
  const slices = async () =>
    ((await get("/apis/discovery.k8s.io/v1/namespaces/default/endpointslices"))?.items as KObject[])
      .map((s) => `${s.metadata!.name} ${(s.ports as { port: number }[])[0]!.port}`)
      .sort();
  assert.deepEqual(await slices(), [
    "kubernetes 6443",
    "kubernetes-6444 6444",
    "kubernetes-6445 6445",
  ]);
  const svc = await get("/api/v1/namespaces/default/services/kubernetes");
  assert.equal((svc?.spec as { ports: { targetPort: number }[] }).ports[0]!.targetPort, 6443);

  // Every server passes again (in any order): nothing but the leases is written.
  const versions = async () =>
    Promise.all(
      [
        "/api/v1/namespaces/default/endpoints/kubernetes",
        "/api/v1/namespaces/default/services/kubernetes",
        "/apis/discovery.k8s.io/v1/namespaces/default/endpointslices/kubernetes",
      ].map(async (p) => (await get(p))?.metadata?.resourceVersion),
    );
  const before = await versions();
  for (const s of [...servers].reverse()) await s.reconcile();
  assert.deepEqual(await versions(), before);

  // The 6444 server's lease expires: the others drop it and its slice.
  await t.backend.delete(masterLeaseKey({ ip: "127.0.0.1", port: 6444 }));
  await servers[2]!.reconcile();
  const ep2 = await get("/api/v1/namespaces/default/endpoints/kubernetes");
  assert.deepEqual(serversFromEndpoints(ep2!), [
    "https://127.0.0.1:6443",
    "https://127.0.0.1:6445",
  ]);
  assert.deepEqual(await slices(), ["kubernetes 6443", "kubernetes-6445 6445"]);
});
