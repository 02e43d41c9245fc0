/**
 * SPDY/3.1 framing (draft 3.1): the frames a Kubernetes streaming client
 * needs (SYN_STREAM, SYN_REPLY, RST_STREAM, SETTINGS, PING, GOAWAY,
 * HEADERS, WINDOW_UPDATE, DATA) and the header blocks inside them,
 * compressed with one zlib context per direction and the SPDY dictionary,
 * each block ending with a sync flush.
 */
import zlib from "node:zlib";
import { spdyDictionary } from "./spdy-dictionary.ts";

export const SPDY_VERSION = 3;
export const FLAG_FIN = 0x01;

export const enum FrameType {
  SynStream = 1,
  SynReply = 2,
  RstStream = 3,
  Settings = 4,
  Ping = 6,
  GoAway = 7,
  Headers = 8,
  WindowUpdate = 9,
}

export type Headers = Record<string, string>;

export type Frame =
  | { kind: "data"; streamId: number; flags: number; data: Buffer }
  | { kind: "syn_stream"; streamId: number; flags: number; headers: Headers }
  | { kind: "syn_reply"; streamId: number; flags: number; headers: Headers }
  | { kind: "headers"; streamId: number; flags: number; headers: Headers }
  | { kind: "rst_stream"; streamId: number; status: number }
  | { kind: "ping"; id: number }
  | { kind: "goaway"; lastStreamId: number; status: number }
  | { kind: "settings" }
  | { kind: "window_update"; streamId: number; delta: number }
  | { kind: "unknown"; type: number };

/** Adler-32 checksum (zlib's dictionary id). */
export function adler32(buf: Buffer): number {
  let a = 1;
  let b = 0;
  for (const byte of buf) {
    a = (a + byte) % 65521;
    b = (b + a) % 65521;
  }
  return ((b << 16) | a) >>> 0;
}

/**
 * Encodes header name/value pairs (names lowercased) into header blocks of
 * one zlib stream. The blocks are deflate "stored" (uncompressed) blocks
 * followed by the empty stored block a sync flush writes: valid for any
 * zlib reader, byte-aligned, and no compressor state is needed.
 */
export class HeaderCompressor {
  #started = false;

  compress(headers: Headers): Buffer {
    const parts: Buffer[] = [u32(Object.keys(headers).length)];
    for (const [k, v] of Object.entries(headers)) {
      const name = Buffer.from(k.toLowerCase());
      const value = Buffer.from(v);
      parts.push(u32(name.length), name, u32(value.length), value);
    }
    const raw = Buffer.concat(parts);
    const out: Buffer[] = [];
    if (!this.#started) {
      this.#started = true;
      // CMF 0x78 (deflate, 32 KiB window), FLG 0x20 (preset dictionary; 0x7820 % 31 == 0).
      out.push(Buffer.from([0x78, 0x20]), u32(adler32(spdyDictionary())));
    }
    for (let off = 0; off < raw.length; off += 0xffff) {
      const chunk = raw.subarray(off, off + 0xffff);
      const head = Buffer.alloc(5);
      head.writeUInt16LE(chunk.length, 1);
      head.writeUInt16LE(~chunk.length & 0xffff, 3);
      out.push(head, chunk);
    }
    // An empty stored block, as a sync flush ends: readers (Go's flate) hand out
    // a stored block's bytes only when the next block begins.
    out.push(Buffer.from([0x00, 0x00, 0x00, 0xff, 0xff]));
    return Buffer.concat(out);
  }
}

/**
 * Decodes the header blocks of one session, in order. zlib keeps no
 * synchronous streaming state in Node, so the session's compressed bytes
 * are re-inflated as a whole and the new output taken (header blocks are
 * few and small: one per stream).
 */
export class HeaderDecompressor {
  #input: Buffer = Buffer.alloc(0);
  #produced = 0;

  decompress(block: Buffer): Headers {
    this.#input = Buffer.concat([this.#input, block]);
    const all = zlib.inflateSync(this.#input, {
      dictionary: spdyDictionary(),
      finishFlush: zlib.constants.Z_SYNC_FLUSH,
    });
    const raw = all.subarray(this.#produced);
    this.#produced = all.length;
    const out: Headers = {};
    let off = 0;
    const n = raw.readUInt32BE(off);
    off += 4;
    for (let i = 0; i < n; i++) {
      const nl = raw.readUInt32BE(off);
      const name = raw.subarray(off + 4, off + 4 + nl).toString();
      off += 4 + nl;
      const vl = raw.readUInt32BE(off);
      out[name] = raw.subarray(off + 4, off + 4 + vl).toString();
      off += 4 + vl;
    }
    return out;
  }
}

function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n >>> 0);
  return b;
}

function controlFrame(type: FrameType, flags: number, body: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt16BE(0x8000 | SPDY_VERSION, 0);
  head.writeUInt16BE(type, 2);
  head.writeUInt32BE(body.length, 4);
  head[4] = flags;
  return Buffer.concat([head, body]);
}

/** A SYN_STREAM frame (priority 0, no associated stream). */
export function synStreamFrame(
  c: HeaderCompressor,
  streamId: number,
  headers: Headers,
  flags = 0,
): Buffer {
  const fixed = Buffer.alloc(10);
  fixed.writeUInt32BE(streamId & 0x7fffffff, 0);
  return controlFrame(FrameType.SynStream, flags, Buffer.concat([fixed, c.compress(headers)]));
}

/** A SYN_REPLY frame. */
export function synReplyFrame(
  c: HeaderCompressor,
  streamId: number,
  headers: Headers,
  flags = 0,
): Buffer {
  return controlFrame(
    FrameType.SynReply,
    flags,
    Buffer.concat([u32(streamId), c.compress(headers)]),
  );
}

/** A DATA frame (flags: FLAG_FIN ends the sender's half of the stream). */
export function dataFrame(streamId: number, data: Buffer, flags = 0): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(streamId & 0x7fffffff, 0);
  head.writeUInt32BE(data.length, 4);
  head[4] = flags;
  return Buffer.concat([head, data]);
}

export function pingFrame(id: number): Buffer {
  return controlFrame(FrameType.Ping, 0, u32(id));
}

export function rstStreamFrame(streamId: number, status: number): Buffer {
  return controlFrame(FrameType.RstStream, 0, Buffer.concat([u32(streamId), u32(status)]));
}

export function goAwayFrame(lastStreamId: number, status = 0): Buffer {
  return controlFrame(FrameType.GoAway, 0, Buffer.concat([u32(lastStreamId), u32(status)]));
}

/**
 * Splits a byte stream into frames. push() returns the complete frames
 * received so far; partial frames wait for more bytes.
 */
export class FrameReader {
  #buf: Buffer = Buffer.alloc(0);
  readonly #headers = new HeaderDecompressor();

  push(chunk: Buffer): Frame[] {
    this.#buf = this.#buf.length ? Buffer.concat([this.#buf, chunk]) : chunk;
    const frames: Frame[] = [];
    while (this.#buf.length >= 8) {
      const length = this.#buf.readUInt32BE(4) & 0xffffff;
      if (this.#buf.length < 8 + length) break;
      const flags = this.#buf[4];
      const body = this.#buf.subarray(8, 8 + length);
      const control = (this.#buf[0] & 0x80) !== 0;
      const word = this.#buf.readUInt32BE(0);
      this.#buf = this.#buf.subarray(8 + length);
      if (!control) {
        frames.push({ kind: "data", streamId: word & 0x7fffffff, flags, data: Buffer.from(body) });
        continue;
      }
      frames.push(this.#control(word & 0xffff, flags, body));
    }
    return frames;
  }

  #control(type: number, flags: number, body: Buffer): Frame {
    const id = () => body.readUInt32BE(0) & 0x7fffffff;
    switch (type) {
      case FrameType.SynStream:
        return {
          kind: "syn_stream",
          streamId: id(),
          flags,
          headers: this.#headers.decompress(body.subarray(10)),
        };
      case FrameType.SynReply:
        return {
          kind: "syn_reply",
          streamId: id(),
          flags,
          headers: this.#headers.decompress(body.subarray(4)),
        };
      case FrameType.Headers:
        return {
          kind: "headers",
          streamId: id(),
          flags,
          headers: this.#headers.decompress(body.subarray(4)),
        };
      case FrameType.RstStream:
        return { kind: "rst_stream", streamId: id(), status: body.readUInt32BE(4) };
      case FrameType.Ping:
        return { kind: "ping", id: body.readUInt32BE(0) };
      case FrameType.GoAway:
        return {
          kind: "goaway",
          lastStreamId: id(),
          status: body.length >= 8 ? body.readUInt32BE(4) : 0,
        };
      case FrameType.Settings:
        return { kind: "settings" };
      case FrameType.WindowUpdate:
        return { kind: "window_update", streamId: id(), delta: body.readUInt32BE(4) & 0x7fffffff };
      default:
        return { kind: "unknown", type };
    }
  }
}
