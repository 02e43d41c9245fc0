import { test } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:net";
import { freePorts } from "../util/free-ports.ts";
import { ServiceHealthServer } from "./service-health-server.ts";

/**
 * A loopback address of this run's own: ports chosen here and bound later, or
 * closed and then expected to refuse, can be taken in between only by a
 * wildcard listener on that very port, not by anything on 127.0.0.1.
 */
const HOST = `127.${1 + Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 256)}.${1 + Math.floor(Math.random() * 250)}`;

async function get(port: number, path = "/") {
  const res = await fetch(`http://${HOST}:${port}${path}`);
  return { status: res.status, headers: res.headers, body: await res.text() };
}

test("health check ports answer 200 with local endpoints, 503 without, and close when unwanted", async () => {
  let healthy = true;
  const warnings: string[] = [];
  const hs = new ServiceHealthServer({
    host: HOST,
    proxyHealthy: () => healthy,
    log: { warn: (m: string) => warnings.push(m) } as never,
  });
  // Three distinct ports (one call holds every probe until all are chosen); a
  // port released by the server is not then taken by this test's next choice.
  const [p1, p2, p3] = (await freePorts(3, HOST)) as [number, number, number];
  try {
    await hs.syncServices(
      new Map([
        ["default/web", p1],
        ["shop/cart", p2],
      ]),
    );
    hs.syncEndpoints(new Map([["default/web", 2]]));
    const cases: {
      port: number;
      proxy: boolean;
      status: number;
      local: number;
      ns: string;
      name: string;
    }[] = [
      { port: p1, proxy: true, status: 200, local: 2, ns: "default", name: "web" },
      { port: p2, proxy: true, status: 503, local: 0, ns: "shop", name: "cart" },
      { port: p1, proxy: false, status: 503, local: 2, ns: "default", name: "web" },
    ];
    for (const c of cases) {
      healthy = c.proxy;
      const r = await get(c.port, "/any/path");
      assert.equal(r.status, c.status, JSON.stringify(c));
      assert.equal(r.headers.get("content-type"), "application/json");
      assert.equal(r.headers.get("x-content-type-options"), "nosniff");
      assert.deepEqual(JSON.parse(r.body), {
        service: { namespace: c.ns, name: c.name },
        localEndpoints: c.local,
        serviceProxyHealthy: c.proxy,
      });
    }
    healthy = true;
    // Counts not named drop to 0.
    hs.syncEndpoints(new Map([["shop/cart", 1]]));
    assert.equal((await get(p1)).status, 503);
    assert.equal((await get(p2)).status, 200);
    // A service no longer wanted closes its port; a port change reopens.
    await hs.syncServices(new Map([["shop/cart", p3]]));
    assert.deepEqual([...hs.ports()], [["shop/cart", p3]]);
    await assert.rejects(get(p1));
    await assert.rejects(get(p2));
    assert.equal((await get(p3)).status, 503, "a reopened port starts with 0 endpoints");
  } finally {
    await hs.close();
  }
  assert.deepEqual([...hs.ports()], []);
  assert.deepEqual(warnings, []);
});

test("a port that cannot be bound is logged and retried on the next sync", async () => {
  const blocker = createServer();
  await new Promise<void>((r) => blocker.listen(0, HOST, () => r()));
  const port = (blocker.address() as { port: number }).port;
  const warnings: string[] = [];
  const hs = new ServiceHealthServer({
    host: HOST,
    proxyHealthy: () => true,
    log: { warn: (m: string) => warnings.push(m) } as never,
  });
  try {
    await hs.syncServices(new Map([["default/web", port]]));
    assert.deepEqual(warnings, ["failed to start service health check"]);
    assert.equal(hs.ports().size, 0);
    await new Promise((r) => blocker.close(r));
    await hs.syncServices(new Map([["default/web", port]]));
    hs.syncEndpoints(new Map([["default/web", 1]]));
    assert.equal((await get(port)).status, 200);
  } finally {
    await hs.close();
  }
});
