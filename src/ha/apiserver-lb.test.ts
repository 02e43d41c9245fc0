import { test } from "node:test";
import assert from "node:assert/strict";
import { connect, createServer, type AddressInfo, type Server } from "node:net";
import { ApiServerLoadBalancer, upstreamOf } from "./apiserver-lb.ts";

/** A TCP server answering every line with its name. */
async function echo(name: string): Promise<{ server: Server; url: string }> {
  const server = createServer((s) => s.on("data", () => s.write(name)));
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  return { server, url: `https://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

async function ask(url: string): Promise<string> {
  const { host, port } = upstreamOf(url);
  return new Promise((resolve, reject) => {
    const s = connect({ host, port }, () => s.write("?"));
    s.once("data", (d) => {
      resolve(d.toString());
      s.destroy();
    });
    s.once("error", reject);
    s.once("close", () => resolve(""));
  });
}

test("load balancer sticks to a live server and fails over on connection errors", async () => {
  const a = await echo("a");
  const b = await echo("b");
  // Port 1: nothing listens there (a port just released could be taken by anything).
  const dead = { url: "https://127.0.0.1:1" };
  const lb = new ApiServerLoadBalancer([dead.url, a.url, b.url, a.url]);
  try {
    assert.equal(lb.order().length, 3);
    const url = await lb.listen();
    assert.equal(await ask(url), "a");
    assert.equal(lb.order()[0]!.port, upstreamOf(a.url).port);
    assert.equal(await ask(url), "a");
    await new Promise<void>((r) => a.server.close(() => r()));
    assert.equal(await ask(url), "b");
    assert.equal(await ask(url), "b");
    lb.setServers([dead.url]);
    assert.equal(await ask(url), "");
  } finally {
    await lb.close();
    a.server.close();
    b.server.close();
  }
});

test("setServers reports changes of the listed servers or the fallback, keeps the preferred one", () => {
  const u = (n: number) => `https://127.0.0.${n}:6443`;
  const lb = new ApiServerLoadBalancer([u(2), u(3), u(4)]);
  const order = () => lb.order().map((x) => x.host);
  const steps: { servers: string[]; fallback?: string; changed: boolean; order: string[] }[] = [
    { servers: [u(2), u(3), u(4)], changed: false, order: ["127.0.0.2", "127.0.0.3", "127.0.0.4"] },
    // Same order of tries, but 127.0.0.2 is now only the fallback: a change.
    {
      servers: [u(3), u(4)],
      fallback: u(2),
      changed: true,
      order: ["127.0.0.3", "127.0.0.4", "127.0.0.2"],
    },
    {
      servers: [u(3), u(4)],
      fallback: u(2),
      changed: false,
      order: ["127.0.0.3", "127.0.0.4", "127.0.0.2"],
    },
    { servers: [], fallback: u(5), changed: false, order: ["127.0.0.3", "127.0.0.4", "127.0.0.2"] },
    { servers: [u(4), u(2)], fallback: u(2), changed: true, order: ["127.0.0.4", "127.0.0.2"] },
  ];
  for (const [i, s] of steps.entries()) {
    assert.equal(lb.setServers(s.servers, s.fallback), s.changed, `step ${i}`);
    assert.deepEqual(order(), s.order, `step ${i}`);
  }
});

test("a fallback that answered while listed servers did not is tried first afterwards", async () => {
  const live = await echo("fallback");
  // Port 1: nothing listens there (a port just released could be taken by anything).
  const dead = { url: "https://127.0.0.1:1" };
  const lb = new ApiServerLoadBalancer([live.url]);
  try {
    lb.setServers([dead.url], live.url);
    assert.deepEqual(
      lb.order().map((u) => u.port),
      [upstreamOf(dead.url).port, upstreamOf(live.url).port],
    );
    const url = await lb.listen();
    assert.equal(await ask(url), "fallback");
    assert.equal(lb.order()[0]!.port, upstreamOf(live.url).port);
    // Listed again as a regular server: no longer a fallback.
    lb.setServers([live.url, dead.url], live.url);
    assert.deepEqual(
      lb.order().map((u) => u.port),
      [upstreamOf(live.url).port, upstreamOf(dead.url).port],
    );
  } finally {
    await lb.close();
    live.server.close();
  }
});
