import assert from "node:assert/strict";
import { once } from "node:events";
import {
  connect,
  constants,
  createServer,
  type Http2Server,
  type Http2Session,
  type ServerHttp2Stream,
} from "node:http2";
import { createServer as createTcpServer, type AddressInfo, type Socket } from "node:net";
import { test } from "node:test";
import { setTimeout as delay } from "node:timers/promises";
import { FakeClock, realClock, type Clock } from "../../client/clock.ts";
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

/**
 * A TCP listener that accepts connections and never sends a byte (a hung
 * member); it counts the connections and the HTTP/2 HEADERS frames sent to it.
 */
async function silentServer(): Promise<{
  port: number;
  accepted: () => number;
  headers: () => number;
  close: () => void;
}> {
  const sockets = new Set<Socket>();
  let headers = 0;
  const silent = createTcpServer((socket) => {
    sockets.add(socket);
    socket.on("error", () => {});
    // Past the 24-byte client preface, frames: 3 bytes length, 1 byte type (1 = HEADERS), 5 more.
    let bytes = Buffer.alloc(0);
    let at = 24;
    socket.on("data", (chunk: Buffer) => {
      bytes = Buffer.concat([bytes, chunk]);
      while (bytes.length >= at + 9) {
        if (bytes[at + 3] === 1) headers++;
        at += 9 + bytes.readUIntBE(at, 3);
      }
    });
  });
  silent.listen(0, "127.0.0.1");
  await once(silent, "listening");
  const close = () => {
    for (const socket of sockets) socket.destroy();
    silent.close();
  };
  return {
    port: (silent.address() as AddressInfo).port,
    accepted: () => sockets.size,
    headers: () => headers,
    close,
  };
}

/** Waits until cond() holds, checking every 10 ms of real time. */
async function until(cond: () => boolean): Promise<void> {
  while (!cond()) await delay(10);
}

test("a write whose TLS handshake never completes goes to the next endpoint at the connect timeout", async () => {
  const silent = await silentServer();
  const good = await grpcServer(reverse);
  trackSessions(good.server);
  // Time moves only when the test says (the keepalive, 30 s, is not reached).
  const clock = new FakeClock();
  const ch = new GrpcChannel([`https://127.0.0.1:${silent.port}`, good.url], undefined, {
    connectTimeoutMs: 5000,
    clock,
  });
  try {
    const write = ch.unary("/x.Y/Txn", frame("tls"), 20_000);
    await until(() => silent.accepted() > 0);
    clock.advance(5000);
    assert.equal(join(await write), "slt");
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
  // On a fake clock the good session's pings can never time out under load.
  const clock = new FakeClock();
  const ch = new GrpcChannel([silentUrl, good.url], undefined, {
    intervalMs: 1000,
    timeoutMs: 2000,
    clock,
  });
  try {
    const read = ch.unary("/x.Y/Range", frame("ok?"), 20_000, { idempotent: true });
    // The call reached the silent member over a connected session.
    await until(() => silent.headers() > 0);
    clock.advance(1000); // the keepalive ping
    clock.advance(2000); // no ack
    assert.equal(join(await read), "?ko");
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

test("a session is replaced after its stream quota; a stream open on it goes on", async () => {
  let sessionsSeen = 0;
  const held: ServerHttp2Stream[] = [];
  // The watch's stream ends only when the test closes it.
  const s = await grpcServer((stream, request, session) => {
    if (!stream.destroyed) reverse(stream, request, session);
  });
  s.server.on("session", () => sessionsSeen++);
  s.server.prependListener("stream", (stream, headers) => {
    if (headers[":path"] === "/x.Y/Watch") held.push(stream);
  });
  trackSessions(s.server);
  const ch = new GrpcChannel([s.url], undefined, { maxStreamsPerSession: 3 });
  try {
    const watch = ch.stream("/x.Y/Watch");
    const messages: string[] = [];
    watch.on("data", (m: Buffer) => messages.push(m.toString()));
    watch.on("error", () => {});
    for (const word of ["ab", "cd", "ef", "gh", "ij", "kl"]) {
      assert.equal(
        join(await ch.unary("/x.Y/Range", frame(word), 10_000)),
        [...word].reverse().join(""),
      );
    }
    // 3 streams a session: the watch and 2 calls, 3 calls, 1 call.
    assert.equal(sessionsSeen, 3);
    await until(() => held.length === 1);
    held[0]!.respond({ ":status": 200, "content-type": "application/grpc" });
    held[0]!.write(frame("still here"));
    await until(() => messages.length === 1);
    assert.deepEqual(messages, ["still here"]);
    watch.cancel();
  } finally {
    ch.close();
    await closeServer(s.server);
  }
});

test("a write that finds its session out of stream ids is retried on a new session", async () => {
  let sessionsSeen = 0;
  const held: ServerHttp2Stream[] = [];
  const s = await grpcServer((stream, request, session) => {
    if (request.toString() === "hold") held.push(stream);
    else reverse(stream, request, session);
  });
  s.server.on("session", () => sessionsSeen++);
  trackSessions(s.server);
  // Node's native session answers "no stream id available" past 2^30 streams;
  // simulated here on the one session the channel has open.
  const proto = await nativeSessionPrototype(s.url);
  const original = proto.request;
  const exhausted = new WeakSet<object>();
  let exhaustNext = false;
  proto.request = function (this: object, ...args: unknown[]) {
    if (exhaustNext) {
      exhaustNext = false;
      exhausted.add(this);
    }
    if (exhausted.has(this)) return NGHTTP2_ERR_STREAM_ID_NOT_AVAILABLE;
    return original.apply(this, args);
  };
  const ch = new GrpcChannel([s.url]);
  try {
    assert.equal(join(await ch.unary("/x.Y/Txn", frame("ab"), 10_000)), "ba");
    const open = ch.unary("/x.Y/Txn", frame("hold"), 10_000);
    open.catch(() => {}); // awaited below, unless an assertion fails first
    await until(() => held.length === 1);
    const before = sessionsSeen;
    exhaustNext = true;
    assert.equal(join(await ch.unary("/x.Y/Txn", frame("cd"), 10_000)), "dc");
    assert.equal(sessionsSeen, before + 1);
    // The call open on the exhausted session finishes there.
    reverse(held[0]!, Buffer.from("hold"), held[0]!.session!);
    assert.equal(join(await open), "dloh");
    assert.equal(join(await ch.unary("/x.Y/Txn", frame("ef"), 10_000)), "fe");
    assert.equal(sessionsSeen, before + 1);
  } finally {
    proto.request = original;
    ch.close();
    await closeServer(s.server);
  }
});

/** nghttp2's answer to a new stream past the last stream id. */
const NGHTTP2_ERR_STREAM_ID_NOT_AVAILABLE = -509;

/** The prototype of Node's native HTTP/2 session handle (what makes streams). */
async function nativeSessionPrototype(url: string): Promise<{ request: Function }> {
  const session = connect(url);
  session.on("error", () => {});
  await once(session, "connect");
  const kHandle = Object.getOwnPropertySymbols(session).find((k) => k.description === "kHandle");
  const handle = (session as unknown as Record<symbol, object>)[kHandle!]!;
  session.destroy();
  return Object.getPrototypeOf(handle);
}

test("retries back off with jitter", async () => {
  let refused = 0;
  const s = await grpcServer((stream, request, session) => {
    if (refused++ < 6) stream.close(constants.NGHTTP2_REFUSED_STREAM);
    else reverse(stream, request, session);
  });
  trackSessions(s.server);
  // The real clock, recording the waits below the deadline sweep's second.
  const waits: number[] = [];
  const clock: Clock = {
    now: () => realClock.now(),
    after: (ms, fn) => {
      if (ms < 1000) waits.push(ms);
      return realClock.after(ms, fn);
    },
  };
  const ch = new GrpcChannel([s.url], undefined, { clock });
  try {
    assert.equal(join(await ch.unary("/x.Y/Txn", frame("put"), 60_000)), "tup");
    const nominal = [25, 50, 100, 200, 400, 500];
    assert.equal(waits.length, nominal.length);
    waits.forEach((w, i) => {
      assert.ok(w >= nominal[i]! * 0.8 && w <= nominal[i]! * 1.2, `wait ${i}: ${w}`);
    });
    assert.ok(
      waits.some((w, i) => w !== nominal[i]),
      "every wait was exactly the nominal one",
    );
  } finally {
    ch.close();
    await closeServer(s.server);
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
