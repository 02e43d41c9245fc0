/**
 * The responses of etcd's v3 API that the etcd driver reads (etcdserverpb and
 * mvccpb, field numbers from etcd's rpc.proto and kv.proto), decoded by hand:
 * key-values go straight into the Backend's KeyValue (UTF-8 strings, revisions
 * as numbers) with no intermediate objects. Fields the driver does not read are
 * skipped by wire type, as protobuf decoders must.
 */
import type { KeyValue, WatchEvent } from "../backend.ts";
import { ChunkCursor, Reader } from "./etcd-proto-reader.ts";

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
        r.skipField(tag & 7);
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
    else r.skipField(tag & 7);
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

/** An empty RangeResponse, filled field by field (rangeVarint, rangeMessage). */
function emptyRange(): RangeResponse {
  return { revision: 0, kvs: [], versions: [], more: false, count: 0 };
}

/** A varint field of a RangeResponse (more, count: counts are never negative); others ignored. */
function rangeVarint(res: RangeResponse, tag: number, n: number): void {
  if (tag === ((3 << 3) | 0)) res.more = n !== 0;
  else if (tag === ((4 << 3) | 0)) res.count = n;
}

/** A length-delimited field of a RangeResponse, its content r.pos..end (header, kvs); others ignored. */
function rangeMessage(res: RangeResponse, tag: number, r: Reader, end: number): void {
  if (tag === ((1 << 3) | 2)) res.revision = headerRevision(r, end);
  else if (tag === ((2 << 3) | 2)) res.kvs.push(keyValue(r, end, res.versions));
}

function rangeResponse(r: Reader, end: number): RangeResponse {
  const res = emptyRange();
  while (r.pos < end) {
    const tag = r.varint();
    const wire = tag & 7;
    if (wire === 0) rangeVarint(res, tag, r.varint());
    else if (wire !== 2) r.skipField(wire);
    else {
      const fieldEnd = r.delimited();
      rangeMessage(res, tag, r, fieldEnd);
      r.pos = fieldEnd;
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
  const res = emptyRange();
  while (c.remaining > 0) {
    const tag = c.varint();
    const wire = tag & 7;
    if (wire === 0) rangeVarint(res, tag, c.varint());
    else if (wire === 1 || wire === 5) c.take(wire === 1 ? 8 : 4);
    else if (wire !== 2) throw new Error(`unsupported protobuf wire type ${wire}`);
    else {
      const field = c.take(c.varint());
      rangeMessage(res, tag, new Reader(field, 0, field.length), field.length);
    }
  }
  return res;
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
        else r.skipField(t & 7);
      }
      op.put = { prevKv };
    } else if (tag === ((3 << 3) | 2)) {
      const e = r.delimited();
      const del = { deleted: 0, prevKvs: [] as KeyValue[] };
      while (r.pos < e) {
        const t = r.varint();
        if (t === ((2 << 3) | 0)) del.deleted = r.int64();
        else if (t === ((3 << 3) | 2)) del.prevKvs.push(keyValue(r, r.delimited()));
        else r.skipField(t & 7);
      }
      op.deleteRange = del;
    } else r.skipField(tag & 7);
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
    else r.skipField(tag & 7);
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
    else r.skipField(tag & 7);
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
    else r.skipField(tag & 7);
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
    else r.skipField(tag & 7);
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
    else r.skipField(tag & 7);
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

/** A WatchResponse with every field at its protobuf default. */
export function emptyWatchResponse(): WatchResponse {
  return {
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
}

export function decodeWatchResponse(buf: Buffer): WatchResponse {
  const r = new Reader(buf, 0, buf.length);
  const res = emptyWatchResponse();
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
        r.skipField(tag & 7);
    }
  }
  return res;
}
