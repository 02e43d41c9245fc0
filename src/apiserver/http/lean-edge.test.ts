/**
 * The lean path's edges: connections handed to Node's server, answers framed
 * by the handler, clients that pipeline without reading, unusual heads.
 */
import assert from "node:assert/strict";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { connect, type AddressInfo, type Socket } from "node:net";
import { afterEach, describe, it } from "node:test";
import { createApiListener, servedByNode } from "./api-listener.ts";
import { createLeanListener, type LeanListener } from "./lean-server.ts";
import { LightRequest } from "./light-request.ts";
import { parseRequestHead } from "./request-head.ts";

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

/**
 * What a test opened, closed after it whether it passed or not: a failed
 * assertion must not leave a listener or socket keeping the file's process
 * alive (the back-pressure test, failing on the old code, hung the file).
 */
const opened = { listeners: [] as LeanListener[], sockets: [] as Socket[] };

/** A lean API listener serving `onRequest` (or `listener`, built by the test) on a free port. */
async function listen(
  served: Handler | LeanListener,
): Promise<{ listener: LeanListener; port: number }> {
  const listener =
    typeof served === "function" ? createApiListener({ onRequest: served, lean: true }) : served;
  opened.listeners.push(listener);
  await new Promise<void>((resolve) => listener.server.listen(0, "127.0.0.1", resolve));
  return { listener, port: (listener.server.address() as AddressInfo).port };
}

async function stop(listener: LeanListener): Promise<void> {
  const closed = new Promise((resolve) => listener.server.close(resolve));
  listener.closeAllConnections();
  await closed;
}

/** Resolves with `what` once `promise` settles, or with "pending" after `ms` (a failure bound). */
function within<T>(promise: Promise<T>, ms: number): Promise<T | "pending"> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<"pending">((r) => (timer = setTimeout(() => r("pending"), ms)));
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

/** A client socket and everything it has read. */
function client(port: number): { socket: Socket; text: () => string; closed: Promise<void> } {
  const socket = connect(port, "127.0.0.1");
  opened.sockets.push(socket);
  let text = "";
  socket.on("data", (c) => (text += c.toString("latin1")));
  socket.on("error", () => undefined);
  const closed = new Promise<void>((r) => socket.on("close", () => r()));
  return { socket, text: () => text, closed };
}

async function until(cond: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 2000 && !cond(); i++) await new Promise((r) => setTimeout(r, 10));
  assert.ok(cond(), what);
}

describe("lean HTTP listener edges", () => {
  afterEach(async () => {
    for (const socket of opened.sockets.splice(0)) socket.destroy();
    for (const listener of opened.listeners.splice(0)) {
      assert.notEqual(await within(stop(listener), 20_000), "pending", "the listener closed");
    }
  });

  it("closes connections handed to Node's server (a watch) with the listener", async () => {
    const { listener, port } = await listen((req, res) => {
      res.writeHead(200, { "Content-Type": "application/json" });
      res.write(JSON.stringify({ lean: req instanceof LightRequest }) + "\n");
    });
    const c = client(port);
    c.socket.write("GET /api/v1/pods?watch=true HTTP/1.1\r\nHost: x\r\n\r\n");
    await until(() => c.text().includes('{"lean":false}'), "the watch is served by Node");
    assert.equal(await within(stop(listener), 20_000), undefined, "close() finished");
    assert.equal(await within(c.closed, 20_000), undefined, "the watch connection was closed");
  });

  it("chunk-frames an answer whose handler set Transfer-Encoding: chunked", async () => {
    const { port } = await listen((req, res) => {
      res.writeHead(200, { "Content-Type": "text/plain", "Transfer-Encoding": "chunked" });
      res.write(req instanceof LightRequest ? "lean" : "node");
      res.end("!");
    });
    const c = client(port);
    c.socket.write("GET /x HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    assert.equal(await within(c.closed, 20_000), undefined, "the connection was closed");
    assert.match(c.text(), /Transfer-Encoding: chunked\r\n/);
    assert.ok(c.text().endsWith("\r\n\r\n4\r\nlean\r\n1\r\n!\r\n0\r\n\r\n"), c.text());
  });

  it("hands percent-encoded watches to Node's server", () => {
    const served = (target: string) => {
      const head = Buffer.from(`GET ${target} HTTP/1.1\r\nHost: x\r\n\r\n`, "latin1");
      return servedByNode(parseRequestHead(head, head.length - 4)!);
    };
    assert.equal(served("/api/v1/pods?%77atch=true"), true);
    assert.equal(served("/api/v1/pods?limit=1&w%61tch=1"), true);
    assert.equal(served("/api/v1/%77atch/pods"), true);
    assert.equal(served("/api/v1/namespaces/a/pods/p/%6Cog"), true);
    assert.equal(served("/api/v1/pods?watch=true"), true);
    assert.equal(served("/api/v1/pods?label%53elector=a%3Db"), false);
    assert.equal(served("/api/v1/pods/%zz"), false);
  });

  it("reads no pipelined request while the client has not read the answers", async () => {
    const body = "x".repeat(64 * 1024);
    let whileBlocked = 0;
    let serverSide: Socket | undefined;
    const { port } = await listen((req, res) => {
      serverSide = req.socket;
      if (req.socket.writableNeedDrain) whileBlocked++;
      res.writeHead(200, { "Content-Length": body.length });
      res.end(body);
    });
    const requests = 400;
    const c = client(port);
    c.socket.pause();
    const head = "GET /big HTTP/1.1\r\nHost: x\r\n\r\n";
    c.socket.write(
      head.repeat(requests - 1) + head.replace("\r\n\r\n", "\r\nConnection: close\r\n\r\n"),
    );
    // 26 MB of answers, more than the kernel's socket buffers hold: the server's writes block.
    let blockedPolls = 0;
    await until(() => {
      blockedPolls = serverSide?.writableNeedDrain ? blockedPolls + 1 : 0;
      return blockedPolls >= 5;
    }, "the server's socket stays blocked on the unread answers");
    c.socket.resume();
    assert.equal(await within(c.closed, 60_000), undefined, "all answers were read");
    assert.equal(c.text().split("HTTP/1.1 200 OK").length - 1, requests);
    assert.equal(
      whileBlocked,
      0,
      `requests dispatched while the answers were unread: ${whileBlocked}`,
    );
  });

  it("reads headers named like Object.prototype's members as any other", () => {
    const text = "GET /x HTTP/1.1\r\nHost: x\r\nConstructor: abc\r\nToString: t\r\n\r\n";
    const head = parseRequestHead(Buffer.from(text, "latin1"), text.length - 4)!;
    assert.equal(head.headers.constructor, "abc");
    assert.equal(head.headers.tostring, "t");
    const proto = "GET /x HTTP/1.1\r\nHost: x\r\n__proto__: p\r\n\r\n";
    assert.equal(parseRequestHead(Buffer.from(proto, "latin1"), proto.length - 4), undefined);
  });

  it("answers a head over 16 KiB and a bare-LF head as Node's server does", async () => {
    const { port } = await listen((req, res) => res.end("served"));
    const big = client(port);
    big.socket.write(`GET /x HTTP/1.1\r\nHost: x\r\nX-Big: ${"a".repeat(17_000)}\r\n\r\n`);
    const lf = client(port);
    lf.socket.write("GET /x HTTP/1.1\nHost: x\nConnection: close\n\n");
    await until(() => big.text().startsWith("HTTP/1.1 431 "), `431 for a big head: ${big.text()}`);
    await until(() => lf.text().startsWith("HTTP/1.1 "), "a bare-LF head is answered");
  });

  it("answers 408 to a head left unfinished, on the lean path and after a hand-off", async () => {
    // Short timeouts (the API server's are 66 s); Node's server checks its connections every
    // 100 ms, the lean listener every 2 s. /node requests are handed to Node's server. Both
    // check timeouts in the timers phase, before the poll phase reads what waits in the socket,
    // so a head whose first part was read before a stall of the test process longer than the
    // timeout is answered 408 (load 30+ stalls it for 100s of ms): 2 s, not 500 ms, keeps the
    // complete heads clear of that.
    const HEAD_TIMEOUT_MS = 2_000;
    const fallback = createServer(
      { connectionsCheckingInterval: 100, requestTimeout: 0 },
      (_, res) => res.end("node"),
    );
    fallback.headersTimeout = HEAD_TIMEOUT_MS;
    fallback.keepAliveTimeout = 60_000; // only the head timeout may close the connection
    const onRequest = (_: unknown, res: { end(text: string): void }) => res.end("lean");
    const listener = createLeanListener({
      onRequest,
      fallback,
      handOff: (head) => head.url === "/node",
      maxBodyBytes: 1024,
      keepAliveTimeoutMs: 60_000,
      headersTimeoutMs: HEAD_TIMEOUT_MS,
    });
    const { port } = await listen(listener);
    const lean = client(port);
    lean.socket.write("GET /lean HTTP/1.1\r\nHost: x\r\n\r\nGET /lean HTTP/1.1\r\nHo");
    const handedOff = client(port);
    handedOff.socket.write("GET /node HTTP/1.1\r\nHost: x\r\n\r\n");
    await until(() => handedOff.text().endsWith("node"), "Node's server answered");
    // A keep-alive connection of Node's server: its next head never ends.
    handedOff.socket.write("GET /node HTTP/1.1\r\nHo");
    for (const [c, name] of [
      [lean, "lean"],
      [handedOff, "handed-off"],
    ] as const) {
      assert.equal(await within(c.closed, 60_000), undefined, `the ${name} connection was closed`);
      const answers = c.text().split("HTTP/1.1 ");
      assert.equal(answers.length, 3, c.text());
      assert.match(answers[2]!, /^408 /, `${name}: ${c.text()}`);
    }
  });
});
