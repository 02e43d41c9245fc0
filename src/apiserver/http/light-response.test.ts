import { test } from "node:test";
import assert from "node:assert/strict";
import type { Socket } from "node:net";
import { LightResponse, type ResponseSink } from "./light-response.ts";
import type { LightRequest } from "./light-request.ts";

/** A response whose socket writes are kept, each as the bytes it would send. */
function captured(method = "GET") {
  const writes: Buffer[] = [];
  const sink: ResponseSink = {
    socket: {} as Socket,
    send: (data) => {
      writes.push(typeof data === "string" ? Buffer.from(data) : Buffer.from(data));
      return true;
    },
    done: () => {},
    keepAliveSeconds: 5,
  };
  const res = new LightResponse(sink, { method } as LightRequest, true);
  res.sendDate = false;
  return { res, writes };
}

test("chunked parts go out as one write each: head in latin1, string bodies in UTF-8, bytes as given", () => {
  const { res, writes } = captured();
  res.setHeader("X-Name", "caf\u00e9");
  res.writeHead(200, { "Content-Type": "application/json" });
  const big = Buffer.alloc(1 << 20, "x");
  res.write(Buffer.from("h\u00e9llo"));
  res.write(big);
  res.write("w\u00f6rld");
  res.end();
  assert.equal(writes.length, 4);
  const head = writes[0].toString("latin1");
  assert.match(head, /^HTTP\/1\.1 200 OK\r\n/);
  assert.match(head, /X-Name: caf\u00e9\r\n/);
  assert.ok(writes[0].includes(Buffer.from([0x63, 0x61, 0x66, 0xe9])), "latin1 é");
  assert.match(head, /Transfer-Encoding: chunked\r\n\r\n6\r\nh\u00c3\u00a9llo\r\n$/);
  assert.deepEqual(writes[1], Buffer.concat([Buffer.from("100000\r\n"), big, Buffer.from("\r\n")]));
  assert.deepEqual(writes[2], Buffer.from("6\r\nw\u00f6rld\r\n"));
  assert.equal(writes[3].toString(), "0\r\n\r\n");
});

test("a known length goes out with the head in one write; HEAD sends no body", () => {
  const { res, writes } = captured();
  res.end(Buffer.from("{}"));
  assert.equal(writes.length, 1);
  assert.match(writes[0].toString(), /Content-Length: 2\r\n\r\n\{\}$/);
  const head = captured("HEAD");
  head.res.end("body");
  assert.equal(head.writes.length, 1);
  assert.match(head.writes[0].toString(), /\r\n\r\n$/);
});
