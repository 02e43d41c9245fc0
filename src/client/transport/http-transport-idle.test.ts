import assert from "node:assert/strict";
import http from "node:http";
import net from "node:net";
import { test } from "node:test";
import { HttpTransport } from "./http-transport.ts";
import { keepAliveTimeoutMs } from "./keep-alive.ts";

test("keepAliveTimeoutMs reads timeout=N seconds", () => {
  const cases: [string | undefined, number | undefined][] = [
    [undefined, undefined],
    ["timeout=65", 65_000],
    ["timeout=5, max=1000", 5000],
    ["max=10, timeout=2", 2000],
    ["Timeout = 7", 7000],
    ["max=10", undefined],
    ["xtimeout=9", undefined],
  ];
  for (const [header, ms] of cases) assert.equal(keepAliveTimeoutMs(header), ms, String(header));
});

/**
 * A server answering every request, with `Keep-Alive: timeout=N` when
 * keepAliveS is set (Node's server sends its keepAliveTimeout so) or none
 * (a raw server without the header).
 */
async function serve(keepAliveS: number | undefined) {
  let connections = 0;
  const sockets = new Set<net.Socket>();
  const track = (s: net.Socket) => {
    connections++;
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  };
  let server: net.Server;
  if (keepAliveS === undefined) {
    server = net.createServer((s) => {
      track(s);
      s.on("error", () => {});
      s.on("data", () => s.write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"));
    });
  } else {
    const h = http.createServer((req, res) => {
      req.resume();
      req.on("end", () => res.end("ok"));
    });
    h.keepAliveTimeout = keepAliveS * 1000;
    h.on("connection", track);
    server = h;
  }
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return {
    port: (server.address() as net.AddressInfo).port,
    connections: () => connections,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

test("idle connections are reused while the server keeps them (fake clock)", async (t) => {
  const cases: {
    name: string;
    keepAliveS: number | undefined;
    maxIdleMs?: number;
    /** Idle gaps before each request after the first, ms. */
    gaps: number[];
    connections: number;
  }[] = [
    {
      name: "server keeps 65 s: requests 10-60 s apart share one connection",
      keepAliveS: 65,
      gaps: [10_000, 30_000, 60_000, 63_900],
      connections: 1,
    },
    {
      name: "server keeps 65 s: idle 64 s is too close to its timeout",
      keepAliveS: 65,
      gaps: [64_000],
      connections: 2,
    },
    {
      name: "server keeps 5 s (Node's default): 3.9 s reused, 4 s not",
      keepAliveS: 5,
      gaps: [3_900, 4_000],
      connections: 2,
    },
    {
      name: "no Keep-Alive header: idleTimeoutMs (4 s)",
      keepAliveS: undefined,
      gaps: [3_999, 4_000, 100],
      connections: 2,
    },
    {
      name: "announced timeout beyond maxIdleMs",
      keepAliveS: 600,
      maxIdleMs: 20_000,
      gaps: [19_000, 20_000],
      connections: 2,
    },
  ];
  for (const c of cases) {
    await t.test(c.name, async () => {
      const srv = await serve(c.keepAliveS);
      let now = 1_000_000;
      const tr = new HttpTransport({
        host: "127.0.0.1",
        port: srv.port,
        maxIdleMs: c.maxIdleMs,
        now: () => now,
      });
      try {
        const put = async () => {
          const res = await tr.request({ method: "PUT", path: "/x", body: '{"a":1}' });
          assert.equal(res.body.toString(), "ok");
        };
        await put();
        for (const gap of c.gaps) {
          now += gap;
          await put();
        }
        assert.equal(srv.connections(), c.connections);
        assert.equal(tr.sockets, 1);
      } finally {
        tr.close();
        await srv.close();
      }
    });
  }
});

test("a burst's connections stay for the next burst", async () => {
  const srv = await serve(65);
  let now = 0;
  const tr = new HttpTransport({ host: "127.0.0.1", port: srv.port, now: () => now });
  try {
    const burst = () =>
      Promise.all(Array.from({ length: 8 }, () => tr.request({ method: "GET", path: "/" })));
    await burst();
    const opened = srv.connections();
    assert.ok(opened >= 2 && opened <= 8, `opened ${opened}`);
    for (let i = 0; i < 5; i++) {
      now += 6_000; // beyond the 4 s default, well within the server's 65 s
      await burst();
    }
    assert.equal(srv.connections(), opened);
  } finally {
    tr.close();
    await srv.close();
  }
});
