import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { startTestServer, type TestServer } from "../testing/test-server.ts";
import { KubernetesServiceController } from "./kubernetes-service.ts";
import { clusterIPRange, nodePortRange } from "./service-ranges.ts";

let t: TestServer;
before(async () => {
  t = await startTestServer();
});
after(async () => {
  await t.close();
});

const SVCS = "/api/v1/namespaces/default/services";
const MERGE = { "Content-Type": "application/merge-patch+json" };

function svc(name: string, spec: Record<string, unknown> = {}) {
  return {
    apiVersion: "v1",
    kind: "Service",
    metadata: { name },
    spec: { selector: { app: name }, ports: [{ port: 80 }], ...spec },
  };
}

async function create(name: string, spec: Record<string, unknown> = {}, query = "") {
  return t.call("POST", `${SVCS}${query}`, svc(name, spec));
}

const ipRange = clusterIPRange("10.43.0.0/16");
const portRange = nodePortRange("30000-32767");

test("the kubernetes service takes the first IP and points at this server", async () => {
  const s = await t.call("GET", `${SVCS}/kubernetes`);
  assert.equal(s.status, 200);
  assert.equal(s.body.spec.clusterIP, "10.43.0.1");
  assert.deepEqual(s.body.spec.clusterIPs, ["10.43.0.1"]);
  assert.deepEqual(s.body.spec.ports, [
    { name: "https", protocol: "TCP", port: 443, targetPort: t.server.port },
  ]);
  assert.equal(s.body.metadata.labels.component, "apiserver");
  const ep = await t.call("GET", "/api/v1/namespaces/default/endpoints/kubernetes");
  assert.deepEqual(ep.body.subsets, [
    {
      addresses: [{ ip: "10.42.0.1" }],
      ports: [{ name: "https", port: t.server.port, protocol: "TCP" }],
    },
  ]);
  const slice = await t.call(
    "GET",
    "/apis/discovery.k8s.io/v1/namespaces/default/endpointslices/kubernetes",
  );
  assert.equal(slice.status, 200);
  assert.equal(slice.body.metadata.labels["kubernetes.io/service-name"], "kubernetes");
  assert.deepEqual(slice.body.endpoints[0].addresses, ["10.42.0.1"]);
  // Another pass changes nothing.
  const rv = ep.body.metadata.resourceVersion;
  await new KubernetesServiceController(t.server.context, {
    serviceIP: "10.43.0.1",
    securePort: t.server.port,
    advertiseAddress: "10.42.0.1",
  }).reconcile();
  const again = await t.call("GET", "/api/v1/namespaces/default/endpoints/kubernetes");
  assert.equal(again.body.metadata.resourceVersion, rv);
});

test("cluster IPs: allocated in range, requested honoured, conflicts 422", async () => {
  const a = await create("alloc-a");
  assert.equal(a.status, 201, a.text);
  const ip = a.body.spec.clusterIP as string;
  assert.notEqual(ipRange.offsetOf(ip), undefined, ip);
  assert.ok(ipRange.offsetOf(ip)! >= ipRange.staticBand, "dynamic IPs come from the upper band");
  assert.deepEqual(a.body.spec.clusterIPs, [ip]);

  const b = await create("alloc-b", { clusterIP: "10.43.0.50" });
  assert.equal(b.status, 201, b.text);
  assert.equal(b.body.spec.clusterIP, "10.43.0.50");

  const cases = [
    {
      ip: "10.43.0.50",
      message:
        'Service "alloc-c" is invalid: spec.clusterIPs: Invalid value: []string{"10.43.0.50"}: failed to allocate IP 10.43.0.50: provided IP is already allocated',
    },
    {
      ip: "10.99.0.1",
      message:
        'Service "alloc-c" is invalid: spec.clusterIPs: Invalid value: []string{"10.99.0.1"}: failed to allocate IP 10.99.0.1: the provided IP (10.99.0.1) is not in the valid range. The range of valid IPs is 10.43.0.0/16',
    },
  ];
  for (const c of cases) {
    const res = await create("alloc-c", { clusterIP: c.ip });
    assert.equal(res.status, 422, res.text);
    assert.equal(res.body.reason, "Invalid");
    assert.equal(res.body.message, c.message);
    assert.equal(res.body.details.causes[0].field, "spec.clusterIPs");
  }
  const headless = await create("alloc-headless", { clusterIP: "None" });
  assert.equal(headless.status, 201);
  assert.equal(headless.body.spec.clusterIP, "None");
  const ext = await t.call("POST", SVCS, {
    apiVersion: "v1",
    kind: "Service",
    metadata: { name: "alloc-ext" },
    spec: { type: "ExternalName", externalName: "db.example.com" },
  });
  assert.equal(ext.status, 201, ext.text);
  assert.equal(ext.body.spec.clusterIP, undefined);
});

test("node ports: requested, allocated, shared by protocol, conflicts 422", async () => {
  const np = await create("np-a", { type: "NodePort", ports: [{ port: 80, nodePort: 30008 }] });
  assert.equal(np.status, 201, np.text);
  assert.equal(np.body.spec.ports[0].nodePort, 30008);
  const conflict = await create("np-b", {
    type: "NodePort",
    ports: [{ port: 80, nodePort: 30008 }],
  });
  assert.equal(conflict.status, 422);
  assert.equal(
    conflict.body.message,
    'Service "np-b" is invalid: spec.ports[0].nodePort: Invalid value: 30008: provided port is already allocated',
  );
  const outside = await create("np-b", {
    type: "NodePort",
    ports: [{ port: 80, nodePort: 40000 }],
  });
  assert.equal(outside.status, 422);
  assert.match(
    outside.body.message,
    /provided port is not in the valid range\. The range of valid ports is 30000-32767/,
  );

  const auto = await create("np-c", {
    type: "NodePort",
    ports: [
      { name: "dns", port: 53, protocol: "UDP" },
      { name: "dns-tcp", port: 53, protocol: "TCP" },
      { name: "http", port: 80 },
    ],
  });
  assert.equal(auto.status, 201, auto.text);
  const [udp, tcp, http] = auto.body.spec.ports.map((p: { nodePort: number }) => p.nodePort);
  assert.equal(udp, tcp, "ports with one number share a node port");
  assert.notEqual(udp, http);
  for (const p of [udp, http]) assert.ok(portRange.offsetOf(p)! >= portRange.staticBand, String(p));

  const lb = await create("lb-a", { type: "LoadBalancer", externalTrafficPolicy: "Local" });
  assert.equal(lb.status, 201, lb.text);
  assert.ok(lb.body.spec.ports[0].nodePort > 0);
  assert.ok(lb.body.spec.healthCheckNodePort > 0);
  const lbNoPorts = await create("lb-b", {
    type: "LoadBalancer",
    allocateLoadBalancerNodePorts: false,
  });
  assert.equal(lbNoPorts.status, 201, lbNoPorts.text);
  assert.equal(lbNoPorts.body.spec.ports[0].nodePort, undefined);
  assert.ok(lbNoPorts.body.spec.clusterIP);
});

test("deleting releases; failed and dry-run writes hold nothing", async () => {
  assert.equal(
    (
      await create("rel-a", {
        clusterIP: "10.43.0.60",
        type: "NodePort",
        ports: [{ port: 80, nodePort: 30060 }],
      })
    ).status,
    201,
  );
  assert.equal((await t.call("DELETE", `${SVCS}/rel-a`)).status, 200);
  const reuse = await create("rel-b", {
    clusterIP: "10.43.0.60",
    type: "NodePort",
    ports: [{ port: 80, nodePort: 30060 }],
  });
  assert.equal(reuse.status, 201, reuse.text);

  const dry = await create(
    "rel-dry",
    { clusterIP: "10.43.0.61", type: "NodePort", ports: [{ port: 80, nodePort: 30061 }] },
    "?dryRun=All",
  );
  assert.equal(dry.status, 201, dry.text);
  assert.equal(dry.body.spec.clusterIP, "10.43.0.61");
  const dryAuto = await create("rel-dry2", {}, "?dryRun=All");
  assert.ok(dryAuto.body.spec.clusterIP, "a dry run shows an IP");
  const dryConflict = await create("rel-dry3", { clusterIP: "10.43.0.60" }, "?dryRun=All");
  assert.equal(dryConflict.status, 422, "a dry run still reports conflicts");

  // Fails validation after allocation (bad port name): the IP and port go back.
  const invalid = await create("rel-bad", {
    clusterIP: "10.43.0.62",
    type: "NodePort",
    ports: [{ name: "Bad_Name", port: 80, nodePort: 30062 }],
  });
  assert.equal(invalid.status, 422);
  // Fails in storage (name taken): the IP goes back.
  const exists = await create("rel-b", { clusterIP: "10.43.0.63" });
  assert.equal(exists.status, 409);

  for (const [name, ip, port] of [
    ["rel-c", "10.43.0.61", 30061],
    ["rel-d", "10.43.0.62", 30062],
    ["rel-e", "10.43.0.63", 30063],
  ] as const) {
    const res = await create(name, {
      clusterIP: ip,
      type: "NodePort",
      ports: [{ port: 80, nodePort: port }],
    });
    assert.equal(res.status, 201, `${name}: ${res.text}`);
  }
});

test("type changes allocate and release; the cluster IP is immutable", async () => {
  const a = await create("type-a", { type: "NodePort", ports: [{ port: 80, nodePort: 30070 }] });
  assert.equal(a.status, 201);
  const toClusterIP = await t.call(
    "PATCH",
    `${SVCS}/type-a`,
    { spec: { type: "ClusterIP" } },
    MERGE,
  );
  assert.equal(toClusterIP.status, 200, toClusterIP.text);
  assert.equal(toClusterIP.body.spec.ports[0].nodePort, undefined, "node ports dropped");
  const reuse = await create("type-b", {
    type: "NodePort",
    ports: [{ port: 80, nodePort: 30070 }],
  });
  assert.equal(reuse.status, 201, "the node port was released");

  const ip = toClusterIP.body.spec.clusterIP;
  const toExternal = await t.call(
    "PATCH",
    `${SVCS}/type-a`,
    { spec: { type: "ExternalName", externalName: "x.example.com", selector: null } },
    MERGE,
  );
  assert.equal(toExternal.status, 200, toExternal.text);
  assert.equal(toExternal.body.spec.clusterIP, undefined);
  const takeIP = await create("type-c", { clusterIP: ip });
  assert.equal(takeIP.status, 201, "the cluster IP was released");

  const back = await t.call(
    "PATCH",
    `${SVCS}/type-a`,
    { spec: { type: "NodePort", externalName: null, selector: { app: "a" } } },
    MERGE,
  );
  assert.equal(back.status, 200, back.text);
  assert.ok(back.body.spec.clusterIP && back.body.spec.clusterIP !== ip);
  assert.ok(back.body.spec.ports[0].nodePort > 0);

  const moved = await t.call(
    "PATCH",
    `${SVCS}/type-a`,
    { spec: { clusterIP: "10.43.0.77", clusterIPs: ["10.43.0.77"] } },
    MERGE,
  );
  assert.equal(moved.status, 422);
  assert.match(
    moved.body.message,
    /spec\.clusterIPs\[0\]: Invalid value: \[\]string\{"10\.43\.0\.77"\}: may not change once set/,
  );
  const free = await create("type-d", { clusterIP: "10.43.0.77" });
  assert.equal(free.status, 201, "a rejected update holds nothing");

  const addPort = await t.call(
    "PATCH",
    `${SVCS}/type-a`,
    { spec: { ports: [{ port: 80 }, { name: "b", port: 81, nodePort: 30071 }] } },
    MERGE,
  );
  assert.equal(addPort.status, 422, "ports need names when there are several");
  const renamed = await t.call(
    "PATCH",
    `${SVCS}/type-a`,
    {
      spec: {
        ports: [
          { name: "a", port: 80, nodePort: back.body.spec.ports[0].nodePort },
          { name: "b", port: 81, nodePort: 30071 },
        ],
      },
    },
    MERGE,
  );
  assert.equal(renamed.status, 200, renamed.text);
  assert.equal(renamed.body.spec.ports[1].nodePort, 30071);
  const taken = await create("type-e", {
    type: "NodePort",
    ports: [{ port: 80, nodePort: 30071 }],
  });
  assert.equal(taken.status, 422);
});
