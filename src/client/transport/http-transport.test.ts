import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import http from "node:http";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { HttpTransport, type TransportOptions } from "./http-transport.ts";
import { formatHeaders } from "./request-head.ts";

interface Served {
  opts: TransportOptions;
  /** Connections the server accepted. */
  connections: () => number;
  server: http.Server | net.Server;
  close: () => Promise<void>;
}

/** A node:http server on port 0 or a temp Unix socket. */
async function serve(handler: http.RequestListener, unix = false): Promise<Served> {
  const server = http.createServer(handler);
  let n = 0;
  server.on("connection", () => n++);
  let dir: string | undefined;
  let opts: TransportOptions;
  if (unix) {
    dir = mkdtempSync(join(tmpdir(), "k8ts-transport-"));
    const path = join(dir, "s.sock");
    await new Promise<void>((r) => server.listen(path, r));
    opts = { socketPath: path };
  } else {
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    opts = { host: "127.0.0.1", port: (server.address() as net.AddressInfo).port };
  }
  return {
    opts,
    connections: () => n,
    server,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
      if (dir) rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A raw TCP server: each connection's data goes to onData with its socket. */
async function serveRaw(onData: (s: net.Socket, data: string, nth: number) => void) {
  let n = 0;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((s) => {
    const nth = ++n;
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
    s.on("data", (d) => onData(s, d.toString("latin1"), nth));
    s.on("error", () => {});
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return {
    opts: { host: "127.0.0.1", port: (server.address() as net.AddressInfo).port },
    connections: () => n,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

async function eventually(check: () => boolean, limitMs = 30_000): Promise<void> {
  const until = Date.now() + limitMs;
  while (!check()) {
    if (Date.now() > until) throw new Error("condition not met");
    await new Promise((r) => setTimeout(r, 5));
  }
}

const big = "x".repeat(3 * 1024 * 1024 + 17);

test("answers: content-length, chunked, errors and large bodies, over TCP and a Unix socket", async (t) => {
  for (const unix of [false, true]) {
    const srv = await serve((req, res) => {
      let body = "";
      req.on("data", (d) => (body += d));
      req.on("end", () => {
        const echo = JSON.stringify({
          method: req.method,
          url: req.url,
          body,
          host: req.headers.host,
          type: req.headers["content-type"],
        });
        if (req.url === "/chunked") {
          res.writeHead(200);
          res.write("part1-");
          res.write("part2-€");
          res.end("-end");
        } else if (req.url === "/big") res.end(big);
        else if (req.url === "/bigchunked") {
          res.writeHead(200);
          for (let i = 0; i < big.length; i += 65_000) res.write(big.slice(i, i + 65_000));
          res.end();
        } else if (req.url === "/missing") {
          res.writeHead(404, { "Content-Type": "application/json" });
          res.end('{"kind":"Status","code":404}');
        } else if (req.url === "/boom") {
          res.writeHead(503, { "Retry-After": "1" });
          res.end("unavailable");
        } else res.end(echo);
      });
    }, unix);
    const tr = new HttpTransport(srv.opts);
    const cases: {
      name: string;
      path: string;
      method?: string;
      body?: string;
      check: (s: number, h: Record<string, string>, b: string) => void;
    }[] = [
      {
        name: "GET with Content-Length",
        path: "/echo?a=b",
        check: (s, _h, b) => {
          assert.equal(s, 200);
          const e = JSON.parse(b);
          assert.equal(e.url, "/echo?a=b");
          assert.equal(e.host, unix ? "localhost" : `127.0.0.1:${srv.opts.port}`);
        },
      },
      {
        name: "PATCH body arrives whole with its type",
        path: "/p",
        method: "PATCH",
        body: '{"data":{"k":"ü€"}}',
        check: (s, _h, b) => {
          const e = JSON.parse(b);
          assert.equal(e.body, '{"data":{"k":"ü€"}}');
          assert.equal(e.type, "application/merge-patch+json");
        },
      },
      {
        name: "chunked",
        path: "/chunked",
        check: (s, _h, b) => assert.equal(b, "part1-part2-€-end"),
      },
      {
        name: "large Content-Length body",
        path: "/big",
        check: (_s, _h, b) => assert.equal(b, big),
      },
      {
        name: "large chunked body",
        path: "/bigchunked",
        check: (_s, _h, b) => assert.equal(b, big),
      },
      {
        name: "404 body",
        path: "/missing",
        check: (s, h, b) => {
          assert.equal(s, 404);
          assert.equal(h["content-type"], "application/json");
          assert.equal(JSON.parse(b).code, 404);
        },
      },
      {
        name: "503 body and headers",
        path: "/boom",
        check: (s, h, b) => {
          assert.equal(s, 503);
          assert.equal(h["retry-after"], "1");
          assert.equal(b, "unavailable");
        },
      },
    ];
    try {
      for (const c of cases) {
        await t.test(`${unix ? "unix" : "tcp"}: ${c.name}`, async () => {
          const res = await tr.request({
            method: c.method ?? "GET",
            path: c.path,
            body: c.body,
            headers: c.body
              ? formatHeaders({ "Content-Type": "application/merge-patch+json" })
              : "",
          });
          c.check(res.status, res.headers, res.body.toString());
        });
      }
      // Every request above went one after the other over one kept-alive connection.
      assert.equal(srv.connections(), 1);
    } finally {
      tr.close();
      await srv.close();
    }
  }
});

test("a response split in many packets, byte by byte", async () => {
  const answer =
    "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2;x=y\r\nde\r\n0\r\n\r\n";
  const srv = await serveRaw(async (s) => {
    s.setNoDelay(true);
    for (const ch of answer) {
      s.write(ch);
      await new Promise((r) => setImmediate(r));
    }
  });
  const tr = new HttpTransport(srv.opts);
  try {
    for (let i = 0; i < 2; i++) {
      const res = await tr.request({ method: "GET", path: "/" });
      assert.equal(res.body.toString(), "abcde");
    }
    assert.equal(srv.connections(), 1);
  } finally {
    tr.close();
    await srv.close();
  }
});

test("idle connections the server closed are not reused; a stale one is retried for GET only", async (t) => {
  await t.test("server closes idle sockets between requests", async () => {
    const srv = await serve((_req, res) => res.end("ok"));
    const tr = new HttpTransport(srv.opts);
    try {
      assert.equal((await tr.request({ method: "GET", path: "/" })).body.toString(), "ok");
      (srv.server as http.Server).closeIdleConnections();
      await eventually(() => tr.sockets === 0);
      assert.equal(
        (await tr.request({ method: "POST", path: "/", body: "{}" })).body.toString(),
        "ok",
      );
      assert.equal(srv.connections(), 2);
    } finally {
      tr.close();
      await srv.close();
    }
  });
  // The keep-alive race: the second request on a connection meets the server closing it.
  for (const c of [
    { method: "GET", ok: true, connections: 2 },
    { method: "POST", ok: false, connections: 1 },
  ]) {
    await t.test(`${c.method} on a connection closed under it`, async () => {
      let requests = 0;
      const srv = await serveRaw((s, _data, nth) => {
        requests++;
        if (nth === 1 && requests === 2) s.destroy();
        else s.write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
      });
      const tr = new HttpTransport(srv.opts);
      try {
        await tr.request({
          method: c.method,
          path: "/",
          body: c.method === "POST" ? "{}" : undefined,
        });
        const second = tr.request({
          method: c.method,
          path: "/",
          body: c.method === "POST" ? "{}" : undefined,
        });
        if (c.ok) assert.equal((await second).body.toString(), "ok");
        else await assert.rejects(second, { code: "ECONNRESET", message: "socket hang up" });
        assert.equal(srv.connections(), c.connections);
      } finally {
        tr.close();
        await srv.close();
      }
    });
  }
});

test("an idle connection older than its idle limit is replaced", async () => {
  const srv = await serve((_req, res) => res.end("ok"));
  // Node's server announces Keep-Alive: timeout=5; maxIdleMs bounds it (see http-transport-idle.test.ts).
  const tr = new HttpTransport({ ...srv.opts, idleTimeoutMs: 0, maxIdleMs: 0 });
  try {
    await tr.request({ method: "GET", path: "/" });
    await tr.request({ method: "GET", path: "/" });
    assert.equal(srv.connections(), 2);
  } finally {
    tr.close();
    await srv.close();
  }
});

test("watch streams: events as they come, abort and close free the socket, an ended stream's socket is reused", async (t) => {
  const open = new Set<http.ServerResponse>();
  const srv = await serve((req, res) => {
    res.writeHead(200, { "Content-Type": "application/json" });
    const ev = (i: number) => JSON.stringify({ type: "ADDED", object: { i } }) + "\n";
    res.write(ev(1));
    if (req.url === "/short") return res.end(ev(2));
    open.add(res);
    res.on("close", () => open.delete(res));
  });
  const tr = new HttpTransport(srv.opts);
  try {
    await t.test("a stream read to its end leaves its connection for reuse", async () => {
      const s = await tr.stream({ method: "GET", path: "/short" });
      assert.equal(s.status, 200);
      assert.equal((await s.readAll()).toString().trim().split("\n").length, 2);
      assert.equal((await tr.request({ method: "GET", path: "/short" })).status, 200);
      assert.equal(srv.connections(), 1);
    });
    await t.test("abort ends the stream and closes its connection", async () => {
      const ac = new AbortController();
      const s = await tr.stream({ method: "GET", path: "/long", signal: ac.signal });
      const seen: string[] = [];
      await assert.rejects(
        (async () => {
          for await (const chunk of s) {
            seen.push(chunk.toString());
            const res = [...open][0];
            if (seen.length === 1) res?.write('{"type":"MODIFIED"}\n');
            else ac.abort();
          }
        })(),
        { name: "AbortError", code: "ABORT_ERR" },
      );
      assert.equal(seen.length, 2);
      await eventually(() => open.size === 0);
    });
    await t.test("breaking out of the stream closes its connection", async () => {
      const s = await tr.stream({ method: "GET", path: "/long" });
      for await (const _ of s) break;
      await eventually(() => open.size === 0);
    });
    await t.test("the server ending the connection mid-stream fails the reader", async () => {
      const s = await tr.stream({ method: "GET", path: "/long" });
      await eventually(() => open.size === 1);
      [...open][0]!.socket!.destroy();
      await assert.rejects(s.readAll(), { code: "ECONNRESET" });
    });
    await eventually(() => tr.sockets <= 1);
  } finally {
    tr.close();
    await srv.close();
  }
});

test("a streamed body larger than the read-ahead limit pauses reading, then ends and frees its connection", async () => {
  let finished: Promise<void> = Promise.resolve();
  const srv = await serve((req, res) => {
    const n = Number(req.url!.slice(1));
    finished = new Promise((r) => res.on("finish", () => r()));
    res.end(n ? Buffer.alloc(n, 0x61) : "next");
  });
  const tr = new HttpTransport(srv.opts);
  try {
    // Just over the limit, handed whole to the kernel before the reader starts:
    // the last packet both crosses the limit and ends the body; the reader then
    // drops the stream unread, or reads it.
    // Three times the limit: reading pauses and resumes while the reader drains.
    for (const [n, waitAll, read] of [
      [1024 * 1024 + 1, true, false],
      [1024 * 1024 + 1, true, true],
      [3 * 1024 * 1024, false, true],
    ] as const) {
      const s = await tr.stream({ method: "GET", path: `/${n}` });
      if (waitAll) await finished;
      if (read) assert.equal((await s.readAll()).length, n);
      else s.close();
      assert.equal((await tr.request({ method: "GET", path: "/0" })).body.toString(), "next");
    }
    assert.ok(srv.connections() <= 2);
  } finally {
    tr.close();
    await srv.close();
  }
});

test("max sockets: requests beyond the limit wait for a free connection", async () => {
  let inFlight = 0;
  let peak = 0;
  const srv = await serve((_req, res) => {
    peak = Math.max(peak, ++inFlight);
    setImmediate(() => {
      inFlight--;
      res.end("ok");
    });
  });
  const tr = new HttpTransport({ ...srv.opts, maxSockets: 2 });
  try {
    const all = await Promise.all(
      Array.from({ length: 20 }, () => tr.request({ method: "GET", path: "/" })),
    );
    assert.equal(all.filter((r) => r.body.toString() === "ok").length, 20);
    assert.equal(srv.connections(), 2);
    assert.ok(peak <= 2);
  } finally {
    tr.close();
    await srv.close();
  }
});

test("failures: refused, missing socket, timeout, abort before the answer", async (t) => {
  await t.test("connection refused", async () => {
    // Port 1: nothing listens there (a port just released could be taken by anything).
    const tr = new HttpTransport({ host: "127.0.0.1", port: 1 });
    await assert.rejects(tr.request({ method: "GET", path: "/" }), { code: "ECONNREFUSED" });
    assert.equal(tr.sockets, 0);
  });
  await t.test("missing Unix socket", async () => {
    const tr = new HttpTransport({ socketPath: join(tmpdir(), `k8ts-none-${process.pid}.sock`) });
    await assert.rejects(tr.request({ method: "GET", path: "/" }), { code: "ENOENT" });
  });
  const hung = new Set<http.ServerResponse>();
  const srv = await serve((_req, res) => {
    hung.add(res);
    res.on("close", () => hung.delete(res));
  });
  try {
    await t.test("no answer within the timeout", async () => {
      const tr = new HttpTransport(srv.opts);
      await assert.rejects(tr.request({ method: "GET", path: "/", timeoutMs: 20 }), {
        code: "ETIMEDOUT",
      });
      await eventually(() => tr.sockets === 0 && hung.size === 0);
    });
    await t.test("abort while waiting for the answer, and an already aborted signal", async () => {
      const tr = new HttpTransport(srv.opts);
      const ac = new AbortController();
      const pending = tr.request({ method: "GET", path: "/", signal: ac.signal });
      await eventually(() => hung.size === 1);
      ac.abort();
      await assert.rejects(pending, { name: "AbortError" });
      await eventually(() => tr.sockets === 0 && hung.size === 0);
      await assert.rejects(tr.request({ method: "GET", path: "/", signal: ac.signal }), {
        name: "AbortError",
      });
      assert.equal(tr.sockets, 0);
    });
    await t.test("abort of a request waiting for a socket", async () => {
      const tr = new HttpTransport({ ...srv.opts, maxSockets: 1 });
      const first = tr.request({ method: "GET", path: "/", timeoutMs: 60_000 });
      const ac = new AbortController();
      const second = tr.request({ method: "GET", path: "/", signal: ac.signal });
      ac.abort();
      await assert.rejects(second, { name: "AbortError" });
      tr.close();
      await assert.rejects(first, { code: "ECONNRESET" });
    });
  } finally {
    await srv.close();
  }
});

test("header lines and paths are checked", () => {
  assert.equal(formatHeaders({ A: "1", B: undefined, "X-Y": "z" }), "A: 1\r\nX-Y: z\r\n");
  assert.throws(() => formatHeaders({ A: "1\r\nInjected: yes" }), TypeError);
  assert.throws(() => formatHeaders({ "Bad Name": "1" }), TypeError);
  const tr = new HttpTransport({ host: "127.0.0.1", port: 1 });
  return assert.rejects(tr.request({ method: "GET", path: "/a b" }), TypeError);
});
