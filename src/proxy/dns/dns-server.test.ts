import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { createSocket } from "node:dgram";
import { connect } from "node:net";
import * as packet from "dns-packet";
import type { KObject } from "../../api/types.ts";
import { DnsMetrics } from "./dns-metrics.ts";
import { DnsResolver } from "./dns-resolver.ts";
import { DnsServer } from "./dns-server.ts";
import { StaticClusterLookup } from "./static-lookup.ts";

function svc(ns: string, name: string, spec: Record<string, unknown>): KObject {
  return { apiVersion: "v1", kind: "Service", metadata: { namespace: ns, name }, spec };
}

function slice(
  ns: string,
  service: string,
  endpoints: { ip: string; hostname?: string; ready?: boolean }[],
  ports: { name?: string; port: number; protocol?: string }[],
): KObject {
  return {
    apiVersion: "discovery.k8s.io/v1",
    kind: "EndpointSlice",
    metadata: {
      namespace: ns,
      name: `${service}-x`,
      labels: { "kubernetes.io/service-name": service },
    },
    addressType: "IPv4",
    endpoints: endpoints.map((e) => ({
      addresses: [e.ip],
      ...(e.hostname ? { hostname: e.hostname } : {}),
      conditions: { ready: e.ready ?? true },
    })),
    ports,
  } as KObject;
}

const services = [
  svc("default", "kubernetes", {
    clusterIP: "10.43.0.1",
    clusterIPs: ["10.43.0.1"],
    ports: [{ name: "https", port: 443, protocol: "TCP" }],
  }),
  svc("shop", "mysql-service", {
    clusterIP: "10.43.7.9",
    clusterIPs: ["10.43.7.9"],
    ports: [{ name: "mysql", port: 3306, protocol: "TCP" }],
  }),
  svc("shop", "web", {
    clusterIP: "None",
    clusterIPs: ["None"],
    ports: [{ name: "http", port: 80, protocol: "TCP" }],
  }),
  svc("shop", "db", { type: "ExternalName", externalName: "db.example.com" }),
];
const slices = [
  slice(
    "shop",
    "web",
    [
      { ip: "10.42.0.5", hostname: "web-0" },
      { ip: "10.42.0.6", hostname: "web-1" },
      { ip: "10.42.0.7", ready: false },
      { ip: "10.42.0.8" },
    ],
    [{ name: "http", port: 8080, protocol: "TCP" }],
  ),
  slice("shop", "mysql-service", [{ ip: "10.42.0.9" }], [{ name: "mysql", port: 3306 }]),
];

let server: DnsServer;
let port: number;
const metrics = new DnsMetrics();
before(async () => {
  server = new DnsServer({
    resolver: new DnsResolver(new StaticClusterLookup(services, slices)),
    metrics,
  });
  port = await server.listen({ host: "127.0.0.1", port: 0 });
});
after(async () => {
  await server.close();
});

/** dns-packet decodes the rcode too; its type declarations omit it. */
type Decoded = packet.DecodedPacket & { rcode: string };
const decode = (buf: Buffer) => packet.decode(buf) as Decoded;

function queryUdp(name: string, type: packet.RecordType, id = 7): Promise<Decoded> {
  return new Promise((resolve, reject) => {
    const sock = createSocket("udp4");
    sock.once("message", (msg) => {
      sock.close();
      resolve(decode(msg));
    });
    sock.once("error", reject);
    sock.send(
      packet.encode({
        type: "query",
        id,
        flags: packet.RECURSION_DESIRED,
        questions: [{ type, name }],
      }),
      port,
      "127.0.0.1",
    );
  });
}

function queryTcp(queries: { name: string; type: packet.RecordType }[]): Promise<Decoded[]> {
  return new Promise((resolve, reject) => {
    const sock = connect(port, "127.0.0.1");
    let buf = Buffer.alloc(0);
    const out: Decoded[] = [];
    sock.on("data", (chunk) => {
      buf = Buffer.concat([buf, chunk]);
      while (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
        out.push(decode(buf.subarray(2, 2 + buf.readUInt16BE(0))));
        buf = buf.subarray(2 + buf.readUInt16BE(0));
      }
      if (out.length === queries.length) {
        sock.end();
        resolve(out);
      }
    });
    sock.on("error", reject);
    // Both queries in one write: framing must split them.
    sock.write(
      Buffer.concat(
        queries.map((q, i) => packet.streamEncode({ type: "query", id: i + 1, questions: [q] })),
      ),
    );
  });
}

const data = (p: packet.DecodedPacket) =>
  (p.answers ?? []).map((a) => (a as { data: unknown }).data);

test("A, AAAA, CNAME, SRV, pod and PTR answers over UDP", async () => {
  const cases: {
    name: string;
    type: packet.RecordType;
    rcode: string;
    data: unknown[];
    soa?: boolean;
  }[] = [
    {
      name: "kubernetes.default.svc.cluster.local",
      type: "A",
      rcode: "NOERROR",
      data: ["10.43.0.1"],
    },
    {
      name: "KUBERNETES.default.svc.cluster.local.",
      type: "A",
      rcode: "NOERROR",
      data: ["10.43.0.1"],
    },
    {
      name: "kubernetes.default.svc.cluster.local",
      type: "AAAA",
      rcode: "NOERROR",
      data: [],
      soa: true,
    },
    {
      name: "mysql-service.shop.svc.cluster.local",
      type: "A",
      rcode: "NOERROR",
      data: ["10.43.7.9"],
    },
    {
      name: "web.shop.svc.cluster.local",
      type: "A",
      rcode: "NOERROR",
      data: ["10.42.0.5", "10.42.0.6", "10.42.0.8"],
    },
    { name: "web-0.web.shop.svc.cluster.local", type: "A", rcode: "NOERROR", data: ["10.42.0.5"] },
    {
      name: "10-42-0-8.web.shop.svc.cluster.local",
      type: "A",
      rcode: "NOERROR",
      data: ["10.42.0.8"],
    },
    { name: "web-9.web.shop.svc.cluster.local", type: "A", rcode: "NXDOMAIN", data: [], soa: true },
    { name: "db.shop.svc.cluster.local", type: "A", rcode: "NOERROR", data: ["db.example.com"] },
    {
      name: "10-42-0-33.shop.pod.cluster.local",
      type: "A",
      rcode: "NOERROR",
      data: ["10.42.0.33"],
    },
    { name: "nope.shop.svc.cluster.local", type: "A", rcode: "NXDOMAIN", data: [], soa: true },
    {
      name: "kubernetes.default.default.svc.cluster.local",
      type: "A",
      rcode: "NXDOMAIN",
      data: [],
      soa: true,
    },
    { name: "shop.svc.cluster.local", type: "A", rcode: "NOERROR", data: [], soa: true },
    { name: "ghost.svc.cluster.local", type: "A", rcode: "NXDOMAIN", data: [], soa: true },
    {
      name: "1.0.43.10.in-addr.arpa",
      type: "PTR",
      rcode: "NOERROR",
      data: ["kubernetes.default.svc.cluster.local"],
    },
    {
      name: "5.0.42.10.in-addr.arpa",
      type: "PTR",
      rcode: "NOERROR",
      data: ["web-0.web.shop.svc.cluster.local"],
    },
    { name: "77.0.42.10.in-addr.arpa", type: "PTR", rcode: "NXDOMAIN", data: [], soa: true },
    { name: "example.com", type: "A", rcode: "REFUSED", data: [] },
    {
      name: "kubernetes.default",
      type: "A",
      rcode: "NOERROR",
      data: ["kubernetes.default.svc.cluster.local", "10.43.0.1"],
    },
    { name: "nope.default", type: "A", rcode: "REFUSED", data: [] },
    { name: "google.com", type: "A", rcode: "REFUSED", data: [] },
  ];
  for (const c of cases) {
    const res = await queryUdp(c.name, c.type);
    assert.equal(res.rcode, c.rcode, c.name);
    assert.deepEqual(data(res).sort(), [...c.data].sort(), c.name);
    assert.equal(res.id, 7);
    assert.equal(res.flag_rd, true, "RD is echoed");
    if (c.name.endsWith("cluster.local") || c.name.endsWith(".arpa"))
      assert.equal(res.flag_aa, true, `${c.name} is authoritative`);
    if (c.soa) assert.equal(res.authorities?.[0]?.type, "SOA", `${c.name} carries the SOA`);
  }
});

test("SRV records for named ports, per endpoint for headless services", async () => {
  const clusterIP = await queryUdp("_mysql._tcp.mysql-service.shop.svc.cluster.local", "SRV");
  assert.deepEqual(data(clusterIP), [
    { priority: 0, weight: 100, port: 3306, target: "mysql-service.shop.svc.cluster.local" },
  ]);
  assert.ok((clusterIP.additionals ?? []).some((a) => a.type === "A" && a.data === "10.43.7.9"));
  const headless = await queryUdp("_http._tcp.web.shop.svc.cluster.local", "SRV");
  assert.deepEqual(
    data(headless)
      .map((d) => (d as { target: string; port: number }).target)
      .sort(),
    [
      "10-42-0-8.web.shop.svc.cluster.local",
      "web-0.web.shop.svc.cluster.local",
      "web-1.web.shop.svc.cluster.local",
    ],
  );
  assert.ok(data(headless).every((d) => (d as { port: number }).port === 8080));
  const wrongProto = await queryUdp("_mysql._udp.mysql-service.shop.svc.cluster.local", "SRV");
  assert.equal(wrongProto.rcode, "NXDOMAIN");
});

test("TCP: several length-prefixed queries on one connection", async () => {
  const [a, b] = await queryTcp([
    { name: "kubernetes.default.svc.cluster.local", type: "A" },
    { name: "www.example.org", type: "A" },
  ]);
  assert.deepEqual(data(a), ["10.43.0.1"]);
  assert.equal(a.id, 1);
  assert.equal(b.rcode, "REFUSED");
  assert.equal(b.id, 2);
});

test("malformed queries get FORMERR or nothing; metrics count requests", async () => {
  const garbage = Buffer.alloc(14, 0xff);
  garbage.writeUInt16BE(0x1234, 0);
  garbage.writeUInt16BE(0x0100, 2);
  const reply = server.handle(garbage, "udp");
  assert.ok(reply);
  const decoded = decode(reply);
  assert.equal(decoded.rcode, "FORMERR");
  assert.equal(decoded.id, 0x1234);
  assert.equal(server.handle(Buffer.from([1, 2, 3]), "udp"), undefined);
  const text = await metrics.registry.metrics();
  assert.match(text, /coredns_dns_requests_total\{[^}]*proto="udp"[^}]*type="A"[^}]*\} \d+/);
  assert.match(text, /coredns_dns_responses_total\{[^}]*rcode="REFUSED"[^}]*\} [1-9]/);
});

test("UDP answers above 512 bytes are truncated so the client retries over TCP", async () => {
  const many = Array.from({ length: 60 }, (_, i) => ({ ip: `10.42.1.${i + 1}` }));
  const big = new DnsServer({
    resolver: new DnsResolver(
      new StaticClusterLookup(
        [svc("x", "big", { clusterIP: "None", ports: [{ name: "p", port: 1 }] })],
        [slice("x", "big", many, [{ name: "p", port: 1 }])],
      ),
    ),
  });
  const query = packet.encode({
    type: "query",
    id: 9,
    questions: [{ type: "A", name: "big.x.svc.cluster.local" }],
  });
  const udp = decode(big.handle(query, "udp")!);
  assert.equal(udp.flag_tc, true);
  assert.equal((udp.answers ?? []).length, 0);
  const tcp = decode(big.handle(query, "tcp")!);
  assert.equal(tcp.flag_tc, false);
  assert.equal((tcp.answers ?? []).length, 60);
  await big.close();
});
