/**
 * The agent's API server list follows default/kubernetes: pure mapping by
 * table, then a refresher against an in-process API server moving a real
 * balancer: a server added to the Endpoints is balanced over, a removed one
 * is dropped (its proxied connection closed), the join URL stays last.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { connect, createServer, type AddressInfo, type Server, type Socket } from "node:net";
import type { KObject } from "../api/types.ts";
import { startTestServer, type TestServer } from "../apiserver/testing/test-server.ts";
import { RestClient } from "../client/rest-client.ts";
import { endpointsRef } from "../client/resources.ts";
import { ApiServerLoadBalancer, upstreamOf } from "./apiserver-lb.ts";
import { ApiServerListRefresher, serversFromEndpoints } from "./apiserver-endpoints.ts";

const endpoints = (subsets: unknown[]): KObject =>
  ({
    apiVersion: "v1",
    kind: "Endpoints",
    metadata: { name: "kubernetes", namespace: "default" },
    subsets,
  }) as KObject;

test("serversFromEndpoints: address × https port per subset", () => {
  const cases: { name: string; subsets: unknown[]; want: string[] }[] = [
    { name: "none", subsets: [], want: [] },
    {
      name: "three servers, one port",
      subsets: [
        {
          addresses: [{ ip: "127.0.0.4" }, { ip: "127.0.0.2" }, { ip: "127.0.0.3" }],
          ports: [{ name: "https", port: 6443, protocol: "TCP" }],
        },
      ],
      want: ["https://127.0.0.2:6443", "https://127.0.0.3:6443", "https://127.0.0.4:6443"],
    },
    {
      name: "subsets with own ports, https port preferred, IPv6 bracketed",
      subsets: [
        { addresses: [{ ip: "10.0.0.1" }], ports: [{ port: 7000 }] },
        {
          addresses: [{ ip: "fd00::1" }],
          ports: [
            { name: "metrics", port: 9000 },
            { name: "https", port: 6443 },
          ],
        },
      ],
      want: ["https://10.0.0.1:7000", "https://[fd00::1]:6443"],
    },
    { name: "no ports", subsets: [{ addresses: [{ ip: "10.0.0.1" }] }], want: [] },
  ];
  for (const c of cases)
    assert.deepEqual(serversFromEndpoints(endpoints(c.subsets)), c.want, c.name);
});

/** A TCP server answering every write with its name; remembers its open sockets. */
async function echo(name: string): Promise<{ server: Server; url: string; open: Set<Socket> }> {
  const open = new Set<Socket>();
  const server = createServer((s) => {
    open.add(s);
    s.on("close", () => open.delete(s));
    s.on("error", () => {});
    s.on("data", () => s.write(name));
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  return { server, open, url: `https://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

/** Opens a connection through url, sends one byte and resolves to the reply and the socket. */
function ask(url: string): Promise<{ reply: string; socket: Socket }> {
  const { host, port } = upstreamOf(url);
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port }, () => socket.write("?"));
    socket.once("data", (d) => resolve({ reply: d.toString(), socket }));
    socket.once("error", reject);
    socket.once("close", () => resolve({ reply: "", socket }));
  });
}

async function until(what: string, fn: () => boolean): Promise<void> {
  for (let i = 0; i < 3000 && !fn(); i++) await new Promise((r) => setTimeout(r, 10));
  assert.ok(fn(), `${what} never happened`);
}

let t: TestServer;
let client: RestClient;
const echoes: Awaited<ReturnType<typeof echo>>[] = [];

before(async () => {
  t = await startTestServer({ services: false } as never);
  client = new RestClient({ server: t.server.url });
  for (const n of ["first", "joined-later"]) echoes.push(await echo(n));
});

after(async () => {
  client.close();
  await t.close();
  for (const e of echoes) {
    for (const s of e.open) s.destroy();
    e.server.close();
  }
});

test("the balancer follows default/kubernetes: added servers used, removed ones dropped", async () => {
  const [first, later] = echoes as [(typeof echoes)[0], (typeof echoes)[0]];
  const fallback = "https://127.0.0.1:1"; // the join URL, no longer serving
  const lb = new ApiServerLoadBalancer([fallback]);
  const refresher = new ApiServerListRefresher({ client, lb, fallback, clock: t.clock });
  const hosts = () => lb.order().map((u) => `https://${u.host}:${u.port}`);
  const subset = (url: string) => {
    const { host, port } = upstreamOf(url);
    return { addresses: [{ ip: host }], ports: [{ name: "https", port }] };
  };
  try {
    const url = await lb.listen();
    refresher.start();
    await client.create(endpointsRef, "default", endpoints([subset(first.url)]));
    await until("first listed", () => hosts().includes(first.url));
    assert.deepEqual(hosts(), [first.url, fallback]);
    const held = await ask(url);
    assert.equal(held.reply, "first");

    // A server joined after the agent started.
    const cur = await client.get<KObject>(endpointsRef, "default", "kubernetes");
    await client.update(endpointsRef, {
      ...cur,
      subsets: [subset(first.url), subset(later.url)],
    } as KObject);
    await until("joined-later listed", () => hosts().includes(later.url));
    assert.equal(hosts().length, 3);

    // The first server is removed: its proxied connection is closed, new ones go to the other.
    const cur2 = await client.get<KObject>(endpointsRef, "default", "kubernetes");
    await client.update(endpointsRef, { ...cur2, subsets: [subset(later.url)] } as KObject);
    await until("first dropped", () => !hosts().includes(first.url));
    await until("held connection closed", () => held.socket.destroyed || held.socket.closed);
    assert.deepEqual(hosts(), [later.url, fallback]);
    const next = await ask(url);
    assert.equal(next.reply, "joined-later");
    next.socket.destroy();

    // Endpoints with no servers keep the last known list.
    const cur3 = await client.get<KObject>(endpointsRef, "default", "kubernetes");
    await client.update(endpointsRef, { ...cur3, subsets: [] } as KObject);
    const rv = (await client.get<KObject>(endpointsRef, "default", "kubernetes")).metadata
      ?.resourceVersion;
    assert.ok(rv);
    assert.deepEqual(hosts(), [later.url, fallback]);
  } finally {
    await refresher.stop();
    await lb.close();
  }
});
