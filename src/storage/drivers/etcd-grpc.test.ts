import assert from "node:assert/strict";
import { once } from "node:events";
import {
  constants,
  createServer,
  type Http2Server,
  type Http2Session,
  type ServerHttp2Stream,
} from "node:http2";
import { createServer as createTcpServer, type AddressInfo, type Socket } from "node:net";
import { test } from "node:test";
import { GrpcChannel } from "./etcd-grpc.ts";
import { FrameParser, GrpcError } from "./etcd-grpc-wire.ts";

/** A gRPC length-prefixed frame of payload. */
function frame(payload: Buffer | string): Buffer {
  const body = Buffer.from(payload);
  const out = Buffer.alloc(5 + body.length);
  out.writeUInt32BE(body.length, 1);
  body.copy(out, 5);
  return out;
}

const join = (chunks: Buffer[]) => Buffer.concat(chunks).toString();

type Handler = (stream: ServerHttp2Stream, request: Buffer, session: Http2Session) => void;

/** A plain-HTTP/2 gRPC server on a free loopback port; `handle` answers each call. */
async function grpcServer(
  handle: Handler,
): Promise<{ url: string; server: Http2Server; calls: () => number }> {
  let calls = 0;
  const server = createServer();
  server.on("stream", (stream, _headers) => {
    calls++;
    const chunks: Buffer[] = [];
    stream.on("data", (c: Buffer) => chunks.push(c));
    stream.on("end", () => handle(stream, Buffer.concat(chunks).subarray(5), stream.session!));
    stream.on("error", () => {});
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, server, calls: () => calls };
}

/** Answers the request's payload reversed, with status OK. */
const reverse: Handler = (stream, request) => {
  stream.respond({ ":status": 200, "content-type": "application/grpc" }, { waitForTrailers: true });
  stream.on("wantTrailers", () => stream.sendTrailers({ "grpc-status": "0" }));
  stream.end(frame(Buffer.from(request).reverse()));
};

async function closeServer(server: Http2Server): Promise<void> {
  const closed = once(server, "close");
  server.close();
  // Sessions the client still holds would keep close() waiting.
  for (const s of sessions.get(server) ?? []) s.destroy();
  await closed;
}

const sessions = new WeakMap<Http2Server, Set<Http2Session>>();
function trackSessions(server: Http2Server): void {
  const set = new Set<Http2Session>();
  sessions.set(server, set);
  server.on("session", (s: Http2Session) => {
    set.add(s);
    s.on("close", () => set.delete(s));
  });
}

test("FrameParser: a message split at every byte, and two in one chunk", () => {
  const two = Buffer.concat([frame("hello"), frame("world!")]);
  for (let cut = 0; cut <= two.length; cut++) {
    const p = new FrameParser();
    const out = [...p.push(two.subarray(0, cut)), ...p.push(two.subarray(cut))];
    assert.deepEqual(
      out.map((b) => b.toString()),
      ["hello", "world!"],
      `cut at ${cut}`,
    );
    assert.equal(p.leftover, 0);
  }
  const bytes = new FrameParser();
  const got: string[] = [];
  for (const b of two) got.push(...bytes.push(Buffer.from([b])).map((m) => m.toString()));
  assert.deepEqual(got, ["hello", "world!"]);
});

test("FrameParser refuses a compressed message", () => {
  const compressed = frame("x");
  compressed[0] = 1;
  assert.throws(() => new FrameParser().push(compressed), /compressed/);
});

test("a unary call answers the response message; a trailers-only error is a GrpcError", async () => {
  const s = await grpcServer((stream, request) => {
    if (request.toString() !== "missing") return reverse(stream, request, stream.session!);
    stream.respond(
      {
        ":status": 200,
        "content-type": "application/grpc",
        "grpc-status": "5",
        "grpc-message": "key%20not%20found",
      },
      { endStream: true },
    );
  });
  trackSessions(s.server);
  const ch = new GrpcChannel([s.url]);
  try {
    assert.equal(join(await ch.unary("/x.Y/Z", frame("abc"), 5000)), "cba");
    await assert.rejects(ch.unary("/x.Y/Z", frame("missing"), 5000), (err) => {
      assert.ok(err instanceof GrpcError);
      assert.equal(err.code, 5);
      assert.equal(err.message, "5 NOT_FOUND: key not found");
      return true;
    });
  } finally {
    ch.close();
    await closeServer(s.server);
  }
});

test("with one endpoint, a read whose connection dropped is retried on a new connection", async () => {
  let dropped = 0;
  const s = await grpcServer((stream, request, session) => {
    if (dropped++ < 2) session.destroy();
    else reverse(stream, request, session);
  });
  trackSessions(s.server);
  const ch = new GrpcChannel([s.url]);
  try {
    const out = await ch.unary("/x.Y/Range", frame("read"), 10_000, { idempotent: true });
    assert.equal(join(out), "daer");
    assert.equal(s.calls(), 3);
  } finally {
    ch.close();
    await closeServer(s.server);
  }
});

test("a write whose connection dropped after sending is not retried (it may have been applied)", async () => {
  const s = await grpcServer((_stream, _request, session) => session.destroy());
  trackSessions(s.server);
  const ch = new GrpcChannel([s.url]);
  try {
    await assert.rejects(ch.unary("/x.Y/Txn", frame("write"), 10_000), (err) => {
      assert.ok(err instanceof GrpcError);
      assert.equal(err.code, 14);
      return true;
    });
    assert.equal(s.calls(), 1);
  } finally {
    ch.close();
    await closeServer(s.server);
  }
});

test("a write refused by the server (REFUSED_STREAM: not processed) is retried", async () => {
  let refused = 0;
  const s = await grpcServer((stream, request, session) => {
    if (refused++ === 0) stream.close(constants.NGHTTP2_REFUSED_STREAM);
    else reverse(stream, request, session);
  });
  trackSessions(s.server);
  const ch = new GrpcChannel([s.url]);
  try {
    assert.equal(join(await ch.unary("/x.Y/Txn", frame("put"), 10_000)), "tup");
    assert.equal(s.calls(), 2);
  } finally {
    ch.close();
    await closeServer(s.server);
  }
});

/** A TCP listener that accepts connections and never sends a byte (a hung member). */
async function silentServer(): Promise<{ port: number; close: () => void }> {
  const sockets = new Set<Socket>();
  const silent = createTcpServer((socket) => {
    sockets.add(socket);
    socket.on("error", () => {});
    socket.resume();
  });
  silent.listen(0, "127.0.0.1");
  await once(silent, "listening");
  const close = () => {
    for (const socket of sockets) socket.destroy();
    silent.close();
  };
  return { port: (silent.address() as AddressInfo).port, close };
}

test("a write whose TLS handshake never completes goes to the next endpoint", async () => {
  const silent = await silentServer();
  const good = await grpcServer(reverse);
  trackSessions(good.server);
  const ch = new GrpcChannel([`https://127.0.0.1:${silent.port}`, good.url], undefined, {
    intervalMs: 100,
    timeoutMs: 200,
  });
  try {
    assert.equal(join(await ch.unary("/x.Y/Txn", frame("tls"), 20_000)), "slt");
    assert.equal(good.calls(), 1);
  } finally {
    ch.close();
    silent.close();
    await closeServer(good.server);
  }
});

test("a member that stops answering is dropped by keepalive and the read goes to the next endpoint", async () => {
  // The first endpoint accepts connections and never sends a byte: no
  // settings, no answers, no ping acks (a hung or partitioned member).
  const silent = await silentServer();
  const silentUrl = `http://127.0.0.1:${silent.port}`;
  const good = await grpcServer(reverse);
  trackSessions(good.server);
  const ch = new GrpcChannel([silentUrl, good.url], undefined, {
    intervalMs: 100,
    timeoutMs: 200,
  });
  try {
    const out = await ch.unary("/x.Y/Range", frame("ok?"), 20_000, { idempotent: true });
    assert.equal(join(out), "?ko");
    assert.equal(good.calls(), 1);
    // The session moved: the next call goes straight to the good endpoint.
    assert.equal(join(await ch.unary("/x.Y/Range", frame("ab"), 20_000)), "ba");
    assert.equal(good.calls(), 2);
  } finally {
    ch.close();
    silent.close();
    await closeServer(good.server);
  }
});

test("a call past its deadline fails with DEADLINE_EXCEEDED; close() fails pending calls", async () => {
  const held: ServerHttp2Stream[] = [];
  const s = await grpcServer((stream, request, session) => {
    if (request.toString() === "hold") held.push(stream);
    else reverse(stream, request, session);
  });
  trackSessions(s.server);
  const ch = new GrpcChannel([s.url]);
  try {
    await assert.rejects(ch.unary("/x.Y/Z", frame("hold"), 300), (err) => {
      assert.ok(err instanceof GrpcError);
      assert.equal(err.code, 4);
      return true;
    });
    // The session answers pings: it is kept, and serves the next call.
    assert.equal(join(await ch.unary("/x.Y/Z", frame("xy"), 5000)), "yx");
    const pending = ch.unary("/x.Y/Z", frame("hold"), 60_000);
    while (held.length < 2) await new Promise((r) => setTimeout(r, 20));
    ch.close();
    await assert.rejects(pending, (err) => err instanceof GrpcError && err.code === 1);
  } finally {
    ch.close();
    await closeServer(s.server);
  }
});
