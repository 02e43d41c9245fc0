import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { createSocket } from "node:dgram";
import * as packet from "dns-packet";
import { startTestServer, type TestServer } from "../../apiserver/testing/test-server.ts";
import { RestClient } from "../../client/rest-client.ts";
import { runDns, type RunningDns } from "./run-dns.ts";

let t: TestServer;
let client: RestClient;
let dns: RunningDns;
before(async () => {
  t = await startTestServer();
  client = new RestClient({ server: t.server.url, qps: 1000, burst: 1000 });
  dns = await runDns({
    client,
    listen: [{ host: "127.0.0.1", port: 0 }],
    metrics: { host: "127.0.0.1", port: 0 },
    kubeDnsService: { clusterIP: "10.43.0.10", address: "10.42.0.1", port: 53 },
    clock: t.clock,
  });
});
after(async () => {
  await dns.stop();
  client.close();
  await t.close();
});

type Decoded = packet.DecodedPacket & { rcode: string };
const firstData = (p: Decoded) => (p.answers?.[0] as { data?: unknown } | undefined)?.data;

function query(name: string, type: packet.RecordType): Promise<Decoded> {
  return new Promise((resolve, reject) => {
    const sock = createSocket("udp4");
    sock.once("message", (msg) => {
      sock.close();
      resolve(packet.decode(msg) as Decoded);
    });
    sock.once("error", reject);
    sock.send(
      packet.encode({ type: "query", id: 1, questions: [{ type, name }] }),
      dns.ports[0],
      "127.0.0.1",
    );
  });
}

/** Polls `fn` until it returns true (informer delivery is asynchronous); bounded attempts. */
async function eventually(fn: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (await fn()) return;
    await new Promise((r) => setImmediate(r));
    await new Promise((r) => setTimeout(r, 10));
  }
  assert.fail("condition not met");
}

test("kube-dns gets 10.43.0.10 and endpoints at the published address", async () => {
  const svc = await t.call("GET", "/api/v1/namespaces/kube-system/services/kube-dns");
  assert.equal(svc.status, 200);
  assert.equal(svc.body.spec.clusterIP, "10.43.0.10");
  assert.deepEqual(
    svc.body.spec.ports.map((p: { name: string; protocol: string }) => `${p.name}/${p.protocol}`),
    ["dns/UDP", "dns-tcp/TCP"],
  );
  const slice = await t.call(
    "GET",
    "/apis/discovery.k8s.io/v1/namespaces/kube-system/endpointslices/kube-dns",
  );
  assert.deepEqual(slice.body.endpoints[0].addresses, ["10.42.0.1"]);
  await eventually(
    async () => (await query("kube-dns.kube-system.svc.cluster.local", "A")).answers?.length === 1,
  );
});

test("answers follow services created through the API", async () => {
  const created = await t.call("POST", "/api/v1/namespaces/default/services", {
    apiVersion: "v1",
    kind: "Service",
    metadata: { name: "mysql-service" },
    spec: { selector: { app: "mysql" }, ports: [{ name: "mysql", port: 3306 }] },
  });
  assert.equal(created.status, 201);
  const ip = created.body.spec.clusterIP;
  await eventually(async () => {
    const res = await query("mysql-service.default.svc.cluster.local", "A");
    return firstData(res) === ip;
  });
  const k = await query("kubernetes.default.svc.cluster.local", "A");
  assert.equal(firstData(k), "10.43.0.1");
  assert.equal(
    (await t.call("DELETE", "/api/v1/namespaces/default/services/mysql-service")).status,
    200,
  );
  await eventually(
    async () => (await query("mysql-service.default.svc.cluster.local", "A")).rcode === "NXDOMAIN",
  );
  assert.equal((await query("example.com", "A")).rcode, "REFUSED");
  const metrics = await fetch(`http://127.0.0.1:${dns.metricsPort}/metrics`);
  assert.equal(metrics.status, 200);
  assert.match(await metrics.text(), /coredns_dns_requests_total/);
});

test("a metrics address already in use leaves the DNS serving without metrics", async () => {
  const taken = await import("node:net").then((net) => net.createServer());
  await new Promise<void>((r) => taken.listen(0, "127.0.0.1", () => r()));
  const port = (taken.address() as { port: number }).port;
  const logged: string[] = [];
  const second = await runDns({
    client,
    listen: [{ host: "127.0.0.1", port: 0 }],
    metrics: { host: "127.0.0.1", port },
    clock: t.clock,
    log: (msg) => logged.push(msg),
  });
  try {
    assert.equal(second.metricsPort, undefined);
    assert.ok(logged.includes("cannot serve DNS metrics"), logged.join(", "));
    assert.equal(second.ports.length, 1);
  } finally {
    await second.stop();
    await new Promise((r) => taken.close(r));
  }
});
