import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import {
  dataFrame,
  FLAG_FIN,
  FrameReader,
  goAwayFrame,
  HeaderCompressor,
  pingFrame,
  rstStreamFrame,
  synReplyFrame,
  synStreamFrame,
} from "./spdy-frames.ts";
import { spdyDictionary } from "./spdy-dictionary.ts";
import { streamsFor } from "./remote-command.ts";

test("the SPDY/3 dictionary is the 1423-byte wire constant", () => {
  const d = spdyDictionary();
  assert.equal(d.length, 1423);
  assert.equal(
    createHash("sha256").update(d).digest("hex"),
    "51d27341373f923f3cd88e1eb7162aeaa3723d7585ff2399201dc06498407f02",
  );
});

test("frames round-trip through FrameReader, header blocks sharing one zlib context", () => {
  const c = new HeaderCompressor();
  const bytes = Buffer.concat([
    synStreamFrame(c, 1, { streamtype: "error" }),
    synStreamFrame(c, 3, { StreamType: "stdout", port: "8080" }),
    synReplyFrame(c, 3, {}),
    dataFrame(3, Buffer.from("hello")),
    dataFrame(1, Buffer.alloc(0), FLAG_FIN),
    pingFrame(7),
    rstStreamFrame(5, 5),
    goAwayFrame(3),
  ]);
  const reader = new FrameReader();
  // Fed one byte at a time: partial frames must wait for the rest.
  const frames = [...bytes].flatMap((b) => reader.push(Buffer.from([b])));
  assert.deepEqual(frames, [
    { kind: "syn_stream", streamId: 1, flags: 0, headers: { streamtype: "error" } },
    { kind: "syn_stream", streamId: 3, flags: 0, headers: { streamtype: "stdout", port: "8080" } },
    { kind: "syn_reply", streamId: 3, flags: 0, headers: {} },
    { kind: "data", streamId: 3, flags: 0, data: Buffer.from("hello") },
    { kind: "data", streamId: 1, flags: FLAG_FIN, data: Buffer.alloc(0) },
    { kind: "ping", id: 7 },
    { kind: "rst_stream", streamId: 5, status: 5 },
    { kind: "goaway", lastStreamId: 3, status: 0 },
  ]);
});

test("streamsFor opens the streams kubectl's v4 executor opens", () => {
  const cases: [Parameters<typeof streamsFor>[0], string[]][] = [
    [{ stdin: false, stdout: true, stderr: true, tty: false }, ["error", "stdout", "stderr"]],
    [
      { stdin: true, stdout: true, stderr: true, tty: false },
      ["error", "stdin", "stdout", "stderr"],
    ],
    [
      { stdin: true, stdout: true, stderr: true, tty: true },
      ["error", "stdin", "stdout", "resize"],
    ],
    [{ stdin: false, stdout: false, stderr: false, tty: false }, ["error"]],
  ];
  for (const [o, want] of cases) assert.deepEqual(streamsFor(o), want);
});

test("header blocks are a zlib stream any inflater reads with the SPDY dictionary", async () => {
  const zlib = await import("node:zlib");
  const c = new HeaderCompressor();
  const a = c.compress({ streamtype: "error" });
  const b = c.compress({ streamtype: "stdin" });
  const inflated = zlib.inflateSync(Buffer.concat([a, b]), {
    dictionary: spdyDictionary(),
    finishFlush: zlib.constants.Z_SYNC_FLUSH,
  });
  assert.equal(inflated.length, 2 * (4 + 4 + 10 + 4 + 5));
  assert.match(inflated.toString("latin1"), /streamtype.*error.*streamtype.*stdin/s);
  // A block produced by a real deflater (as Go's spdystream sends) decodes too.
  const d = zlib.deflateSync(Buffer.from([0, 0, 0, 1, 0, 0, 0, 1, 120, 0, 0, 0, 1, 121]), {
    dictionary: spdyDictionary(),
    finishFlush: zlib.constants.Z_SYNC_FLUSH,
  });
  const reader = new FrameReader();
  const body = Buffer.concat([Buffer.from([0, 0, 0, 9]), d]);
  const frame = Buffer.concat([Buffer.from([0x80, 3, 0, 2, 0, 0, 0, body.length]), body]);
  assert.deepEqual(reader.push(frame), [
    { kind: "syn_reply", streamId: 9, flags: 0, headers: { x: "y" } },
  ]);
});
