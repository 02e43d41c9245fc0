/**
 * The requests the etcd driver sends, as protobuf messages of etcd's v3 API
 * (etcdserverpb, field numbers from etcd's rpc.proto), written by hand straight
 * into one gRPC-framed buffer. The responses are decoded in
 * etcd-proto-responses.ts.
 */

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

/**
 * The encoded size of m. Records, in the order writeMessage visits them, each
 * string's UTF-8 length and each nested message's size into lens, so writing
 * measures nothing again.
 */
function measure(m: Message, lens: number[]): number {
  let size = 0;
  for (const [field, v] of m) {
    if (isDefault(v)) continue;
    size += varintSize(field << 3);
    if (typeof v === "number") size += varintSize(v);
    else if (v instanceof Always) size += varintSize(v.n);
    else if (typeof v === "boolean") size += 1;
    else if (typeof v === "bigint") size += bigVarintSize(v);
    else {
      let len: number;
      if (typeof v === "string") lens.push((len = Buffer.byteLength(v, "utf8")));
      else if (Buffer.isBuffer(v)) len = v.length;
      else {
        const slot = lens.push(0) - 1;
        lens[slot] = len = measure(v as Message, lens);
      }
      size += varintSize(len) + len;
    }
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

/** Varint bytes of an int64 (two's complement: 10 bytes when negative). */
function bigVarintSize(v: bigint): number {
  let n = BigInt.asUintN(64, v);
  let size = 1;
  while (n >= 0x80n) {
    n >>= 7n;
    size++;
  }
  return size;
}

function writeBigVarint(buf: Buffer, pos: number, v: bigint): number {
  let n = BigInt.asUintN(64, v);
  while (n >= 0x80n) {
    buf[pos++] = Number(n & 0x7fn) | 0x80;
    n >>= 7n;
  }
  buf[pos++] = Number(n);
  return pos;
}

/** Writes m at pos, taking lengths from lens (as measure recorded them) from lens.at on. */
function writeMessage(
  buf: Buffer,
  pos: number,
  m: Message,
  lens: { list: number[]; at: number },
): number {
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
    else if (typeof v === "bigint") pos = writeBigVarint(buf, pos, v);
    else if (typeof v === "string") {
      const len = lens.list[lens.at++]!;
      pos = writeVarint(buf, pos, len);
      pos += buf.write(v, pos, len, "utf8");
    } else if (Buffer.isBuffer(v)) {
      pos = writeVarint(buf, pos, v.length);
      pos += v.copy(buf, pos);
    } else {
      pos = writeVarint(buf, pos, lens.list[lens.at++]!);
      pos = writeMessage(buf, pos, v as Message, lens);
    }
  }
  return pos;
}

/** The message as a gRPC length-prefixed frame (uncompressed). */
export function grpcFrame(m: Message): Buffer {
  const lens: number[] = [];
  const size = measure(m, lens);
  const buf = Buffer.allocUnsafe(5 + size);
  buf[0] = 0;
  buf.writeUInt32BE(size, 1);
  const end = writeMessage(buf, 5, m, { list: lens, at: 0 });
  if (end !== buf.length) throw new Error(`protobuf encoding wrote ${end} of ${buf.length} bytes`);
  return buf;
}

// ---------------------------------------------------------------- requests

export interface RangeRequest {
  key: Buffer | string;
  rangeEnd?: Buffer;
  limit?: number;
  revision?: number;
  /** Keys and revisions without values. */
  keysOnly?: boolean;
  countOnly?: boolean;
}

export function rangeRequest(r: RangeRequest): Message {
  return [
    [1, r.key],
    [2, r.rangeEnd],
    [3, r.limit],
    [4, r.revision],
    [8, r.keysOnly],
    [9, r.countOnly],
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
