import assert from "node:assert/strict";
import { test } from "node:test";
import { ResponseParser, type ResponseHead } from "./response-parser.ts";

interface Parsed {
  heads: ResponseHead[];
  body: string;
  complete: number;
}

/** Feeds `raw` in pieces cut at `cuts`; returns what the handler saw. */
function parse(raw: Buffer, cuts: number[], noBody = false): Parsed {
  const p = new ResponseParser();
  const out: Parsed = { heads: [], body: "", complete: 0 };
  const parts: Buffer[] = [];
  p.start(
    {
      onHead: (h) => out.heads.push(h),
      onBody: (c) => parts.push(Buffer.from(c)),
      onComplete: () => out.complete++,
    },
    noBody,
  );
  let from = 0;
  for (const at of [...cuts, raw.length]) {
    p.feed(raw.subarray(from, at));
    from = at;
  }
  if (out.complete === 0) p.eof();
  out.body = Buffer.concat(parts).toString();
  return out;
}

const cases: {
  name: string;
  raw: string;
  noBody?: boolean;
  status: number;
  body: string;
  keepAlive: boolean;
  headers?: Record<string, string>;
}[] = [
  {
    name: "Content-Length",
    raw: 'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 12\r\n\r\n{"a":"€1"}',
    status: 200,
    body: '{"a":"€1"}',
    keepAlive: true,
    headers: { "content-type": "application/json", "content-length": "12" },
  },
  {
    name: "chunked with extensions and trailers",
    raw: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;ext=1\r\nhello\r\nA\r\n, world!!!\r\n0\r\nX-Trailer: t\r\n\r\n",
    status: 200,
    body: "hello, world!!!",
    keepAlive: true,
  },
  {
    name: "204 has no body",
    raw: "HTTP/1.1 204 No Content\r\nX-A: 1\r\n\r\n",
    status: 204,
    body: "",
    keepAlive: true,
  },
  {
    name: "HEAD answer has no body despite Content-Length",
    raw: "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n",
    noBody: true,
    status: 200,
    body: "",
    keepAlive: true,
  },
  {
    name: "interim 100 Continue is skipped",
    raw: "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\nok",
    status: 201,
    body: "ok",
    keepAlive: true,
  },
  {
    name: "Connection: close and repeated headers",
    raw: "HTTP/1.1 500 Internal Server Error\r\nConnection: close\r\nWarning: a\r\nwarning:  b \r\nContent-Length: 3\r\n\r\nbad",
    status: 500,
    body: "bad",
    keepAlive: false,
    headers: { connection: "close", warning: "a, b", "content-length": "3" },
  },
  {
    name: "no length: body until close",
    raw: "HTTP/1.1 200 OK\r\n\r\nall the rest",
    status: 200,
    body: "all the rest",
    keepAlive: false,
  },
  {
    name: "HTTP/1.0 without keep-alive",
    raw: "HTTP/1.0 404 Not Found\r\nContent-Length: 0\r\n\r\n",
    status: 404,
    body: "",
    keepAlive: false,
  },
];

test("responses parse the same whole and split at every byte", async (t) => {
  for (const c of cases) {
    await t.test(c.name, () => {
      const raw = Buffer.from(c.raw, "utf8");
      for (let cut = 0; cut <= raw.length; cut++) {
        const got = parse(raw, cut === 0 ? [] : [cut], c.noBody);
        assert.equal(got.complete, 1, `cut ${cut}`);
        assert.equal(got.heads.length, 1);
        assert.equal(got.heads[0]!.status, c.status);
        assert.equal(got.heads[0]!.keepAlive, c.keepAlive);
        if (c.headers) assert.deepEqual(got.heads[0]!.headers, c.headers);
        assert.equal(got.body, c.body, `cut ${cut}`);
      }
      // One byte per packet.
      const bytes = Array.from({ length: raw.length - 1 }, (_, i) => i + 1);
      assert.equal(parse(raw, bytes, c.noBody).body, c.body);
    });
  }
});

test("malformed responses are refused", async (t) => {
  for (const [name, raw] of [
    ["bad status line", "HTTP/2 200 OK\r\n\r\n"],
    ["header without colon", "HTTP/1.1 200 OK\r\nNoColon\r\n\r\n"],
    ["bad chunk size", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"],
    ["missing CRLF after chunk", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nab"],
    ["conflicting lengths", "HTTP/1.1 200 OK\r\nContent-Length: 1, 2\r\n\r\n"],
    ["bytes after the response", "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nab"],
  ]) {
    await t.test(name!, () => {
      assert.throws(() => parse(Buffer.from(raw!), []), { code: "HPE_INVALID_RESPONSE" });
    });
  }
});

test("eof completes only a close-delimited body", () => {
  const p = new ResponseParser();
  let done = 0;
  const h = { onHead: () => {}, onBody: () => {}, onComplete: () => done++ };
  p.start(h);
  p.feed(Buffer.from("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nab"));
  assert.equal(p.eof(), false);
  assert.equal(done, 0);
  p.start(h);
  p.feed(Buffer.from("HTTP/1.1 200 OK\r\n\r\nab"));
  assert.equal(p.eof(), true);
  assert.equal(done, 1);
  assert.equal(p.busy, false);
});
