import assert from "node:assert/strict";
import type { IncomingMessage, ServerResponse } from "node:http";
import { connect, type AddressInfo, type Socket } from "node:net";
import { after, before, describe, it } from "node:test";
import { readBody } from "../request-body.ts";
import { createApiListener } from "./api-listener.ts";
import type { LeanListener } from "./lean-server.ts";
import { LightRequest } from "./light-request.ts";

/** Echoes what the handler saw; `/stream` answers in three writes. */
async function echo(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const body = await readBody(req);
  if (req.url === "/stream") {
    res.writeHead(200, { "Content-Type": "text/plain" });
    res.write("a");
    res.write("bb");
    res.end("ccc");
    return;
  }
  const text = JSON.stringify({
    lean: req instanceof LightRequest,
    method: req.method,
    url: req.url,
    body: body.toString(),
    accept: req.headers.accept,
    distinct: req.headersDistinct["x-many"],
  });
  res.setHeader("X-Test", ["one", "two"]);
  res.writeHead(201, {
    "Content-Type": "application/json",
    "Content-Length": Buffer.byteLength(text),
  });
  res.end(text);
}

/** Sends raw bytes and reads until the server closes or `until` matches the text read. */
function exchange(port: number, data: string, until?: (text: string) => boolean): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket: Socket = connect(port, "127.0.0.1");
    let text = "";
    socket.on("data", (c) => {
      text += c.toString("latin1");
      if (until?.(text)) {
        socket.destroy();
        resolve(text);
      }
    });
    socket.on("close", () => resolve(text));
    socket.on("error", reject);
    socket.write(data);
  });
}

/** The number of complete responses in `text` with the given status line. */
function count(text: string, status: string): number {
  return text.split(`HTTP/1.1 ${status}`).length - 1;
}

describe("lean HTTP listener", () => {
  let listener: LeanListener;
  let port: number;
  before(async () => {
    listener = createApiListener({ onRequest: (req, res) => void echo(req, res), lean: true });
    await new Promise<void>((resolve) => listener.server.listen(0, "127.0.0.1", resolve));
    port = (listener.server.address() as AddressInfo).port;
  });
  after(async () => {
    listener.closeAllConnections();
    await new Promise((resolve) => listener.server.close(resolve));
  });

  it("serves keep-alive requests and pipelined ones in order", async () => {
    const head = (path: string, extra = "") => `GET ${path} HTTP/1.1\r\nHost: x${extra}\r\n\r\n`;
    const text = await exchange(
      port,
      head("/one") +
        head("/two", "\r\nAccept: \t a \t\r\nAccept:b") +
        head("/three", "\r\nConnection: close"),
    );
    assert.equal(count(text, "201 Created"), 3);
    const one = text.indexOf('"url":"/one"');
    const two = text.indexOf('"url":"/two"');
    const three = text.indexOf('"url":"/three"');
    assert.ok(one > 0 && two > one && three > two, text);
    assert.match(text, /"url":"\/two","body":"","accept":"a, b"/);
    assert.match(text, /X-Test: one\r\nX-Test: two\r\n/);
    assert.match(text, /Connection: keep-alive\r\n/);
    assert.match(text, /Connection: close\r\n/);
    assert.match(text, /"lean":true/);
  });

  it("reads Content-Length bodies, also split across packets", async () => {
    const socket = connect(port, "127.0.0.1");
    let text = "";
    const done = new Promise<void>((resolve) => {
      socket.on("data", (c) => {
        text += c.toString();
        if (text.includes("}")) resolve();
      });
    });
    socket.write("POST /body HTTP/1.1\r\nHost: x\r\nContent-Le");
    await new Promise((r) => setTimeout(r, 20));
    socket.write("ngth: 11\r\nX-Many: 1\r\nX-Many: 2\r\n\r\nhello");
    await new Promise((r) => setTimeout(r, 20));
    socket.write(" world");
    await done;
    socket.destroy();
    assert.match(text, /"body":"hello world"/);
    assert.match(text, /"distinct":\["1","2"\]/);
  });

  it("answers HEAD without a body and chunks streamed answers", async () => {
    const text = await exchange(
      port,
      "HEAD /h HTTP/1.1\r\nHost: x\r\n\r\nGET /stream HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    );
    const [headAnswer, streamAnswer] = text.split(/(?=HTTP\/1\.1 200)/);
    assert.match(headAnswer!, /^HTTP\/1\.1 201 Created\r\n[^]*\r\n\r\n$/);
    assert.match(streamAnswer!, /Transfer-Encoding: chunked\r\n/);
    assert.ok(
      streamAnswer!.endsWith("\r\n\r\n1\r\na\r\n2\r\nbb\r\n3\r\nccc\r\n0\r\n\r\n"),
      streamAnswer,
    );
  });

  it("hands unusual requests to Node's server: chunked bodies, HTTP/1.0", async () => {
    const chunked = await exchange(
      port,
      "POST /c HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
    );
    assert.match(chunked, /"lean":false/);
    assert.match(chunked, /"body":"hello"/);
    const old = await exchange(port, "GET /old HTTP/1.0\r\n\r\n");
    assert.match(old, /"lean":false/);
  });

  it("keeps serving a connection handed over between requests", async () => {
    const text = await exchange(
      port,
      "GET /a HTTP/1.1\r\nHost: x\r\n\r\n" +
        "GET /b?watch=true HTTP/1.1\r\nHost: x\r\n\r\n" +
        "GET /c HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    );
    assert.equal(count(text, "201 Created"), 3, text);
    assert.match(text, /"lean":true,"method":"GET","url":"\/a"/);
    assert.match(text, /"lean":false,"method":"GET","url":"\/b\?watch=true"/);
    assert.match(text, /"lean":false,"method":"GET","url":"\/c"/);
  });

  it("answers malformed heads with 400 and closes", async () => {
    for (const bad of [
      "GET /x HTTP/1.1\r\nHost: x\r\nBad Header: v\r\n\r\n",
      "GET /x HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
      "NONSENSE\r\n\r\n",
    ]) {
      const text = await exchange(port, bad);
      assert.match(text, /^HTTP\/1\.1 400 Bad Request\r\n/, JSON.stringify(bad));
    }
  });

  it("answers a request cut short by the client's half-close with 400", async () => {
    const text = await new Promise<string>((resolve) => {
      const socket = connect(port, "127.0.0.1");
      let t = "";
      socket.on("data", (c) => (t += c.toString()));
      socket.on("close", () => resolve(t));
      socket.end("POST /p HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc");
    });
    assert.match(text, /^HTTP\/1\.1 400 Bad Request\r\n/);
  });
});
