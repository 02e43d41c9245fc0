/**
 * The protobuf messages of etcd's v3 API that the etcd driver sends and
 * receives (etcdserverpb and mvccpb, field numbers from etcd's rpc.proto and
 * kv.proto), encoded and decoded by hand: requests are written straight into
 * one gRPC-framed buffer, and responses decode key-values straight into the
 * Backend's KeyValue (UTF-8 strings, revisions as numbers) with no
 * intermediate objects. Fields the driver does not read are skipped.
 */
import type { KeyValue, WatchEvent } from "../backend.ts";

// ---------------------------------------------------------------- encoding

/**
 * A field's value: varint (number, bigint, boolean, or Always: a varint written even when 0,
 * as a set oneof member is), bytes (Buffer, string as UTF-8) or a message.
 */
type FieldValue = number | bigint | boolean | string | Buffer | Always | Message | undefined;
/**
 * A message as [field number, value] pairs. Scalar defaults (0, false, "", empty bytes) are
 * left out; a message value is always written, even empty (a set oneof member).
 */
export type Message = Array<[number, FieldValue]>;

/** A varint field written even at 0. */
class Always {
  constructor(readonly n: number) {}
}

function varintSize(n: number): number {
  let size = 1;
  while (n >= 0x80) {
    n = Math.floor(n / 128);
    size++;
  }
  return size;
}

function isDefault(v: FieldValue): boolean {
  if (v === undefined || v === 0 || v === false || v === 0n) return true;
  return (typeof v === "string" || Buffer.isBuffer(v)) && v.length === 0;
}

/** Encoded size of one field's value (without its tag). */
function valueSize(v: FieldValue): number {
  if (typeof v === "number") return varintSize(v);
  if (v instanceof Always) return varintSize(v.n);
  if (typeof v === "boolean") return 1;
  if (typeof v === "bigint") return bigVarintBytes(v).length;
  const len =
    typeof v === "string"
      ? Buffer.byteLength(v, "utf8")
      : Buffer.isBuffer(v)
        ? v.length
        : messageSize(v as Message);
  return varintSize(len) + len;
}

function messageSize(m: Message): number {
  let size = 0;
  for (const [field, v] of m) {
    if (isDefault(v)) continue;
    size += varintSize(field << 3) + valueSize(v);
  }
  return size;
}

function writeVarint(buf: Buffer, pos: number, n: number): number {
  while (n >= 0x80) {
    buf[pos++] = (n % 128) | 0x80;
    n = Math.floor(n / 128);
  }
  buf[pos++] = n;
  return pos;
}

/** A non-negative or negative int64 as its varint bytes (two's complement, 10 bytes when negative). */
function bigVarintBytes(v: bigint): number[] {
  let n = BigInt.asUintN(64, v);
  const out: number[] = [];
  while (n >= 0x80n) {
    out.push(Number(n & 0x7fn) | 0x80);
    n >>= 7n;
  }
  out.push(Number(n));
  return out;
}

function writeMessage(buf: Buffer, pos: number, m: Message): number {
  for (const [field, v] of m) {
    if (isDefault(v)) continue;
    const wire =
      typeof v === "number" ||
      typeof v === "boolean" ||
      typeof v === "bigint" ||
      v instanceof Always
        ? 0
        : 2;
    pos = writeVarint(buf, pos, (field << 3) | wire);
    if (typeof v === "number") pos = writeVarint(buf, pos, v);
    else if (v instanceof Always) pos = writeVarint(buf, pos, v.n);
    else if (typeof v === "boolean") buf[pos++] = 1;
    else if (typeof v === "bigint") for (const b of bigVarintBytes(v)) buf[pos++] = b;
    else if (typeof v === "string") {
      pos = writeVarint(buf, pos, Buffer.byteLength(v, "utf8"));
      pos += buf.write(v, pos, "utf8");
    } else if (Buffer.isBuffer(v)) {
      pos = writeVarint(buf, pos, v.length);
      pos += v.copy(buf, pos);
    } else {
      pos = writeVarint(buf, pos, messageSize(v as Message));
      pos = writeMessage(buf, pos, v as Message);
    }
  }
  return pos;
}

/** The message as a gRPC length-prefixed frame (uncompressed). */
export function grpcFrame(m: Message): Buffer {
  const size = messageSize(m);
  const buf = Buffer.allocUnsafe(5 + size);
  buf[0] = 0;
  buf.writeUInt32BE(size, 1);
  const end = writeMessage(buf, 5, m);
  if (end !== buf.length) throw new Error(`protobuf encoding wrote ${end} of ${buf.length} bytes`);
  return buf;
}

// ---------------------------------------------------------------- requests

export interface RangeRequest {
  key: Buffer | string;
  rangeEnd?: Buffer;
  limit?: number;
  revision?: number;
  countOnly?: boolean;
}

export function rangeRequest(r: RangeRequest): Message {
  return [
    [1, r.key],
    [2, r.rangeEnd],
    [3, r.limit],
    [4, r.revision],
    [10, r.countOnly],
  ];
}

/** Compare targets and results (rpc.proto's Compare enums). */
export const CompareTarget = { Version: 0, Create: 1, Mod: 2, Value: 3, Lease: 4 } as const;
export const CompareResult = { Equal: 0, Greater: 1, Less: 2, NotEqual: 3 } as const;

export interface Compare {
  key: Buffer | string;
  target: number;
  result: number;
  /** The compared number (version, create_revision or mod_revision per target). */
  value: number;
}

function compare(c: Compare): Message {
  // target_union: version = 4, create_revision = 5, mod_revision = 6; a set oneof
  // member is written even at 0.
  const field = c.target === CompareTarget.Version ? 4 : c.target === CompareTarget.Create ? 5 : 6;
  return [
    [1, c.result],
    [2, c.target],
    [3, c.key],
    [field, new Always(c.value)],
  ];
}

export type RequestOp =
  | { put: { key: Buffer | string; value: Buffer | string; lease?: bigint; prevKv?: boolean } }
  | { range: RangeRequest }
  | { deleteRange: { key: Buffer | string; prevKv?: boolean } };

function requestOp(op: RequestOp): Message {
  if ("put" in op) {
    const p = op.put;
    return [
      [
        2,
        [
          [1, p.key],
          [2, p.value],
          [3, p.lease],
          [4, p.prevKv],
        ],
      ],
    ];
  }
  if ("range" in op) return [[1, rangeRequest(op.range)]];
  return [
    [
      3,
      [
        [1, op.deleteRange.key],
        [3, op.deleteRange.prevKv],
      ],
    ],
  ];
}

export interface TxnRequest {
  compare: Compare[];
  success: RequestOp[];
  failure: RequestOp[];
}

export function txnRequest(t: TxnRequest): Message {
  const m: Message = [];
  for (const c of t.compare) m.push([1, compare(c)]);
  for (const op of t.success) m.push([2, requestOp(op)]);
  for (const op of t.failure) m.push([3, requestOp(op)]);
  return m;
}

export function compactionRequest(revision: number, physical: boolean): Message {
  return [
    [1, revision],
    [2, physical],
  ];
}

export function leaseGrantRequest(ttlSeconds: number): Message {
  return [[1, ttlSeconds]];
}

export interface WatchCreate {
  key: Buffer;
  rangeEnd: Buffer;
  startRevision: number;
  prevKv: boolean;
  watchId: number;
}

/** A WatchRequest: create, cancel or progress (exactly one). */
export type WatchRequest =
  { create: WatchCreate } | { cancel: { watchId: number } } | { progress: true };

export function watchRequest(r: WatchRequest): Message {
  if ("create" in r) {
    const c = r.create;
    return [
      [
        1,
        [
          [1, c.key],
          [2, c.rangeEnd],
          [3, c.startRevision],
          [6, c.prevKv],
          [7, c.watchId],
        ],
      ],
    ];
  }
  if ("cancel" in r) return [[2, [[1, r.cancel.watchId]]]];
  // An empty WatchProgressRequest is still a set oneof member (length 0).
  return [[3, []]];
}

// ---------------------------------------------------------------- decoding

/** A cursor over a protobuf-encoded range of a buffer. */
class Reader {
  pos: number;
  constructor(
    readonly buf: Buffer,
    start: number,
    readonly end: number,
  ) {
    this.pos = start;
  }

  more(): boolean {
    return this.pos < this.end;
  }

  /** A varint up to 2^53 exactly; larger ones (and negative int64) through int64(). */
  varint(): number {
    const buf = this.buf;
    let b = buf[this.pos++]!;
    if (b < 0x80) return b;
    let n = b & 0x7f;
    let mul = 128;
    for (let i = 1; i < 10; i++) {
      if (this.pos >= this.end) throw new Error("truncated varint");
      b = buf[this.pos++]!;
      n += (b & 0x7f) * mul;
      if (b < 0x80) return n;
      mul *= 128;
    }
    throw new Error("varint longer than 10 bytes");
  }

  /** An int64 as a number (two's complement: a 10-byte varint is negative). */
  int64(): number {
    const start = this.pos;
    const n = this.varint();
    if (this.pos - start < 10) return n;
    return Number(BigInt.asIntN(64, this.bigVarintAt(start)));
  }

  /** An int64 as a decimal string, exact (lease IDs exceed 2^53). */
  int64String(): string {
    const start = this.pos;
    this.varint();
    return BigInt.asIntN(64, this.bigVarintAt(start)).toString();
  }

  bigVarintAt(start: number): bigint {
    let n = 0n;
    let shift = 0n;
    for (let p = start; p < this.pos; p++) {
      n |= BigInt(this.buf[p]! & 0x7f) << shift;
      shift += 7n;
    }
    return n;
  }

  /** The end of a length-delimited field starting here (pos moves to its content). */
  delimited(): number {
    const len = this.varint();
    const end = this.pos + len;
    if (end > this.end) throw new Error("truncated length-delimited field");
    return end;
  }

  string(): string {
    const end = this.delimited();
    const s = this.buf.toString("utf8", this.pos, end);
    this.pos = end;
    return s;
  }

  skip(wire: number): void {
    if (wire === 0) this.varint();
    else if (wire === 2) this.pos = this.delimited();
    else if (wire === 1) this.pos += 8;
    else if (wire === 5) this.pos += 4;
    else throw new Error(`unsupported protobuf wire type ${wire}`);
    if (this.pos > this.end) throw new Error("truncated field");
  }
}

/** mvccpb.KeyValue; version goes to the caller's list when one is given. */
function keyValue(r: Reader, end: number, versions?: number[]): KeyValue {
  let key = "";
  let value = "";
  let createRevision = 0;
  let modRevision = 0;
  let version = 0;
  const buf = r.buf;
  while (r.pos < end) {
    const tag = r.varint();
    switch (tag) {
      case (1 << 3) | 2: {
        const e = r.delimited();
        key = buf.toString("utf8", r.pos, e);
        r.pos = e;
        break;
      }
      case (2 << 3) | 0:
        createRevision = r.int64();
        break;
      case (3 << 3) | 0:
        modRevision = r.int64();
        break;
      case (4 << 3) | 0:
        version = r.int64();
        break;
      case (5 << 3) | 2: {
        const e = r.delimited();
        value = buf.toString("utf8", r.pos, e);
        r.pos = e;
        break;
      }
      default:
        r.skip(tag & 7);
    }
  }
  versions?.push(version);
  return { key, value, createRevision, modRevision };
}

/** ResponseHeader: only the store revision is read. */
function headerRevision(r: Reader, end: number): number {
  let revision = 0;
  while (r.pos < end) {
    const tag = r.varint();
    if (tag === ((3 << 3) | 0)) revision = r.int64();
    else r.skip(tag & 7);
  }
  return revision;
}

export interface RangeResponse {
  revision: number;
  kvs: KeyValue[];
  /** Each kv's version (number of writes since its creation), in kvs' order. */
  versions: number[];
  more: boolean;
  count: number;
}

function rangeResponse(r: Reader, end: number): RangeResponse {
  const res: RangeResponse = { revision: 0, kvs: [], versions: [], more: false, count: 0 };
  while (r.pos < end) {
    const tag = r.varint();
    switch (tag) {
      case (1 << 3) | 2:
        res.revision = headerRevision(r, r.delimited());
        break;
      case (2 << 3) | 2:
        res.kvs.push(keyValue(r, r.delimited(), res.versions));
        break;
      case (3 << 3) | 0:
        res.more = r.varint() !== 0;
        break;
      case (4 << 3) | 0:
        res.count = r.int64();
        break;
      default:
        r.skip(tag & 7);
    }
  }
  return res;
}

export function decodeRangeResponse(buf: Buffer): RangeResponse {
  return rangeResponse(new Reader(buf, 0, buf.length), buf.length);
}

/**
 * A RangeResponse that arrived in several chunks, decoded without joining
 * them: each top-level field is read in place when it lies within one chunk
 * and copied only when it straddles two (a list of thousands of objects is
 * megabytes; joining it cost a copy and fresh memory per list).
 */
export function decodeRangeChunks(chunks: Buffer[]): RangeResponse {
  if (chunks.length === 1) return decodeRangeResponse(chunks[0]!);
  const c = new ChunkCursor(chunks);
  const res: RangeResponse = { revision: 0, kvs: [], versions: [], more: false, count: 0 };
  while (c.remaining > 0) {
    const tag = c.varint();
    const wire = tag & 7;
    if (wire === 0) {
      const n = c.varint();
      if (tag === ((3 << 3) | 0)) res.more = n !== 0;
      else if (tag === ((4 << 3) | 0)) res.count = n;
      continue;
    }
    if (wire !== 2) throw new Error(`unexpected wire type ${wire} in RangeResponse`);
    const field = c.take(c.varint());
    const r = new Reader(field, 0, field.length);
    if (tag === ((1 << 3) | 2)) res.revision = headerRevision(r, field.length);
    else if (tag === ((2 << 3) | 2)) res.kvs.push(keyValue(r, field.length, res.versions));
  }
  return res;
}

/** Reads bytes across a list of chunks as one stream, without joining them. */
export class ChunkCursor {
  readonly #chunks: Buffer[];
  #i = 0;
  #off = 0;
  /** Bytes not read yet. */
  remaining: number;

  constructor(chunks: Buffer[]) {
    this.#chunks = chunks;
    this.remaining = chunks.reduce((n, b) => n + b.length, 0);
  }

  byte(): number {
    if (this.remaining <= 0) throw new Error("truncated message");
    let chunk = this.#chunks[this.#i]!;
    while (this.#off >= chunk.length) {
      chunk = this.#chunks[++this.#i]!;
      this.#off = 0;
    }
    this.remaining--;
    return chunk[this.#off++]!;
  }

  /** A varint up to 2^53 (int64 fields here are non-negative). */
  varint(): number {
    let n = 0;
    let mul = 1;
    for (let i = 0; i < 10; i++) {
      const b = this.byte();
      n += (b & 0x7f) * mul;
      if (b < 0x80) return n;
      mul *= 128;
    }
    throw new Error("varint longer than 10 bytes");
  }

  /** The next n bytes: a view when they lie in one chunk, else a copy. */
  take(n: number): Buffer {
    if (n > this.remaining) throw new Error("truncated length-delimited field");
    let chunk = this.#chunks[this.#i]!;
    while (this.#off >= chunk.length && n > 0) {
      chunk = this.#chunks[++this.#i]!;
      this.#off = 0;
    }
    this.remaining -= n;
    if (this.#off + n <= chunk.length) {
      const view = chunk.subarray(this.#off, this.#off + n);
      this.#off += n;
      return view;
    }
    const out = Buffer.allocUnsafe(n);
    let written = 0;
    while (written < n) {
      chunk = this.#chunks[this.#i]!;
      const part = Math.min(n - written, chunk.length - this.#off);
      chunk.copy(out, written, this.#off, this.#off + part);
      written += part;
      this.#off += part;
      if (this.#off >= chunk.length && written < n) {
        this.#i++;
        this.#off = 0;
      }
    }
    return out;
  }
}

/** One ResponseOp of a Txn: which kind it was and what the driver reads of it. */
export interface ResponseOp {
  range?: RangeResponse;
  /** A put's previous key-value (when asked with prevKv and the key existed); null when absent. */
  put?: { prevKv: KeyValue | null };
  deleteRange?: { deleted: number; prevKvs: KeyValue[] };
}

function responseOp(r: Reader, end: number): ResponseOp {
  const op: ResponseOp = {};
  while (r.pos < end) {
    const tag = r.varint();
    if (tag === ((1 << 3) | 2)) op.range = rangeResponse(r, r.delimited());
    else if (tag === ((2 << 3) | 2)) {
      const e = r.delimited();
      let prevKv: KeyValue | null = null;
      while (r.pos < e) {
        const t = r.varint();
        if (t === ((2 << 3) | 2)) prevKv = keyValue(r, r.delimited());
        else r.skip(t & 7);
      }
      op.put = { prevKv };
    } else if (tag === ((3 << 3) | 2)) {
      const e = r.delimited();
      const del = { deleted: 0, prevKvs: [] as KeyValue[] };
      while (r.pos < e) {
        const t = r.varint();
        if (t === ((2 << 3) | 0)) del.deleted = r.int64();
        else if (t === ((3 << 3) | 2)) del.prevKvs.push(keyValue(r, r.delimited()));
        else r.skip(t & 7);
      }
      op.deleteRange = del;
    } else r.skip(tag & 7);
  }
  return op;
}

export interface TxnResponse {
  revision: number;
  succeeded: boolean;
  responses: ResponseOp[];
}

export function decodeTxnResponse(buf: Buffer): TxnResponse {
  const r = new Reader(buf, 0, buf.length);
  const res: TxnResponse = { revision: 0, succeeded: false, responses: [] };
  while (r.more()) {
    const tag = r.varint();
    if (tag === ((1 << 3) | 2)) res.revision = headerRevision(r, r.delimited());
    else if (tag === ((2 << 3) | 0)) res.succeeded = r.varint() !== 0;
    else if (tag === ((3 << 3) | 2)) res.responses.push(responseOp(r, r.delimited()));
    else r.skip(tag & 7);
  }
  return res;
}

/** Any response whose field 1 is a ResponseHeader: its store revision. */
export function decodeHeaderRevision(buf: Buffer): number {
  const r = new Reader(buf, 0, buf.length);
  let revision = 0;
  while (r.more()) {
    const tag = r.varint();
    if (tag === ((1 << 3) | 2)) revision = headerRevision(r, r.delimited());
    else r.skip(tag & 7);
  }
  return revision;
}

export interface LeaseGrantResponse {
  /** The lease ID as a decimal string (int64; exceeds 2^53). */
  id: string;
  ttlSeconds: number;
  error: string;
}

export function decodeLeaseGrantResponse(buf: Buffer): LeaseGrantResponse {
  const r = new Reader(buf, 0, buf.length);
  const res: LeaseGrantResponse = { id: "0", ttlSeconds: 0, error: "" };
  while (r.more()) {
    const tag = r.varint();
    if (tag === ((2 << 3) | 0)) res.id = r.int64String();
    else if (tag === ((3 << 3) | 0)) res.ttlSeconds = r.int64();
    else if (tag === ((4 << 3) | 2)) res.error = r.string();
    else r.skip(tag & 7);
  }
  return res;
}

/** StatusResponse: the member's version. */
export function decodeStatusVersion(buf: Buffer): string {
  const r = new Reader(buf, 0, buf.length);
  let version = "";
  while (r.more()) {
    const tag = r.varint();
    if (tag === ((2 << 3) | 2)) version = r.string();
    else r.skip(tag & 7);
  }
  return version;
}

export interface WatchResponse {
  /** The header's store revision; 0 when the response had no header. */
  revision: number;
  hasHeader: boolean;
  watchId: number;
  created: boolean;
  canceled: boolean;
  compactRevision: number;
  cancelReason: string;
  fragment: boolean;
  /** The events as the Backend delivers them (DELETE: key and revision only). */
  events: WatchEvent[];
}

function event(r: Reader, end: number): WatchEvent {
  let type = 0;
  let kv: KeyValue | undefined;
  let prevKv: KeyValue | undefined;
  while (r.pos < end) {
    const tag = r.varint();
    if (tag === ((1 << 3) | 0)) type = r.varint();
    else if (tag === ((2 << 3) | 2)) kv = keyValue(r, r.delimited());
    else if (tag === ((3 << 3) | 2)) prevKv = keyValue(r, r.delimited());
    else r.skip(tag & 7);
  }
  kv ??= { key: "", value: "", createRevision: 0, modRevision: 0 };
  const ev: WatchEvent =
    type === 1
      ? {
          type: "DELETE",
          kv: { key: kv.key, value: "", createRevision: 0, modRevision: kv.modRevision },
        }
      : { type: "PUT", kv };
  if (prevKv) ev.prevKv = prevKv;
  return ev;
}

export function decodeWatchResponse(buf: Buffer): WatchResponse {
  const r = new Reader(buf, 0, buf.length);
  const res: WatchResponse = {
    revision: 0,
    hasHeader: false,
    watchId: 0,
    created: false,
    canceled: false,
    compactRevision: 0,
    cancelReason: "",
    fragment: false,
    events: [],
  };
  while (r.more()) {
    const tag = r.varint();
    switch (tag) {
      case (1 << 3) | 2:
        res.hasHeader = true;
        res.revision = headerRevision(r, r.delimited());
        break;
      case (2 << 3) | 0:
        res.watchId = r.int64();
        break;
      case (3 << 3) | 0:
        res.created = r.varint() !== 0;
        break;
      case (4 << 3) | 0:
        res.canceled = r.varint() !== 0;
        break;
      case (5 << 3) | 0:
        res.compactRevision = r.int64();
        break;
      case (6 << 3) | 2:
        res.cancelReason = r.string();
        break;
      case (7 << 3) | 0:
        res.fragment = r.varint() !== 0;
        break;
      case (11 << 3) | 2:
        res.events.push(event(r, r.delimited()));
        break;
      default:
        r.skip(tag & 7);
    }
  }
  return res;
}
