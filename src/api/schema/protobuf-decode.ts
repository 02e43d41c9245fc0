/**
 * Decodes one protobuf message into the JSON form the JSON API carries,
 * driven by the schema table. Follows what Go's decoding then JSON encoding
 * would produce: proto2 optional fields (absent stays absent), zero scalars
 * dropped unless the field keeps them (pointer/required), repeated fields
 * packed or not, map entries (key 1, value 2), and the special types.
 */
import { formatDuration, formatTime } from "./go-formats.ts";
import { messagePlan, type FieldPlan, type MessagePlan } from "./protobuf-plan.ts";
import { decodeUnion, decodeUnionMapEntry, type UnionDecodeIo } from "./protobuf-union.ts";
import { ProtoReader, WIRE_BYTES, WIRE_FIXED64, WIRE_VARINT, WireError } from "./protobuf-wire.ts";
import type { SchemaRegistry, TypeRef } from "./schema-registry.ts";

/** A message that does not match its schema; `path` is the JSON path of the field. */
export class ProtobufDecodeError extends Error {
  readonly path: string;
  constructor(path: string, message: string) {
    super(path ? `${path}: ${message}` : message);
    this.name = "ProtobufDecodeError";
    this.path = path;
  }
}

export interface DecodeOptions {
  /** What to do with field numbers the schema does not know (default "error"). */
  unknownFields?: "error" | "ignore";
  /** Decodes a nested `k8s\0` envelope found inside a RawExtension. */
  decodeEmbedded?: (raw: Uint8Array) => unknown;
}

type Json = Record<string, unknown>;

const utf8Decoder = new TextDecoder("utf-8", { fatal: true });

/** Seconds of 0001-01-01T00:00:00Z and 9999-12-31T23:59:59Z, the range Go's JSON time accepts. */
const MIN_TIME_SECONDS = -62135596800;
const MAX_TIME_SECONDS = 253402300799;

/** Deepest message nesting accepted; deeper bodies are rejected instead of exhausting the stack. */
const MAX_DEPTH = 100;

/** Decodes `bytes` as a message of `typeName` (a full schema type name). */
export function decodeMessage(
  registry: SchemaRegistry,
  typeName: string,
  bytes: Uint8Array,
  opts: DecodeOptions = {},
): Json {
  const ctx: Ctx = { registry, opts, depth: 0 };
  try {
    return decodeInto({}, ctx, messagePlan(registry, typeName), new ProtoReader(bytes), "");
  } catch (err) {
    if (err instanceof WireError) throw new ProtobufDecodeError("", err.message);
    throw err;
  }
}

interface Ctx {
  registry: SchemaRegistry;
  opts: DecodeOptions;
  /** Current message nesting. */
  depth: number;
}

function decodeInto(out: Json, ctx: Ctx, plan: MessagePlan, r: ProtoReader, path: string): Json {
  if (++ctx.depth > MAX_DEPTH)
    throw new ProtobufDecodeError(path, `messages nest deeper than ${MAX_DEPTH}`);
  try {
    return decodeFields(out, ctx, plan, r, path);
  } finally {
    ctx.depth--;
  }
}

function decodeFields(out: Json, ctx: Ctx, plan: MessagePlan, r: ProtoReader, path: string): Json {
  while (!r.done) {
    const [num, wt] = r.tag();
    const field = plan.byNumber.get(num);
    if (field === undefined) {
      const sub = plan.inline.get(num);
      if (sub !== undefined) {
        expectWire(wt, WIRE_BYTES, path, `inline field ${num}`);
        decodeInto(out, ctx, sub, r.message(), path);
        continue;
      }
      if (ctx.opts.unknownFields === "ignore") {
        r.skipField(wt);
        continue;
      }
      throw new ProtobufDecodeError(
        path,
        `unknown field number ${num} (wire type ${wt}) in ${plan.typeName}`,
      );
    }
    const fpath = path ? `${path}.${field.name}` : field.name;
    decodeField(out, ctx, field, wt, r, fpath);
  }
  return out;
}

function decodeField(
  out: Json,
  ctx: Ctx,
  field: FieldPlan,
  wt: number,
  r: ProtoReader,
  path: string,
): void {
  const { type, union } = field;
  if (union !== undefined) {
    expectWire(wt, WIRE_BYTES, path, union.kind);
    const io = unionIo(ctx, union.schemaType);
    if (type.kind === "map") {
      const map = (out[field.name] as Json | undefined) ?? {};
      out[field.name] = map;
      decodeUnionMapEntry(map, union.kind, r.message(), path, io);
      return;
    }
    const value = decodeUnion(union.kind, r.message(), path, io);
    if (value === undefined) delete out[field.name];
    else out[field.name] = value;
    return;
  }
  if (type.kind === "list") {
    const list = (out[field.name] as unknown[] | undefined) ?? [];
    out[field.name] = list;
    if (field.wrapped) {
      expectWire(wt, WIRE_BYTES, path, "wrapped list");
      list.push(...decodeWrapped(ctx, type.of, r.message(), path));
    } else {
      decodeRepeated(list, ctx, type.of, wt, r, path);
    }
    return;
  }
  if (type.kind === "map") {
    expectWire(wt, WIRE_BYTES, path, "map entry");
    const map = (out[field.name] as Json | undefined) ?? {};
    out[field.name] = map;
    decodeMapEntry(map, ctx, type.of, field.wrapped, r.message(), path);
    return;
  }
  const value = decodeSingle(ctx, type, wt, r, path);
  if (value === undefined || (!field.keepZero && isZero(type, value))) delete out[field.name];
  else out[field.name] = value;
}

/** One element of a repeated field, or all of them when packed. */
function decodeRepeated(
  list: unknown[],
  ctx: Ctx,
  of: TypeRef,
  wt: number,
  r: ProtoReader,
  path: string,
): void {
  if (wt === WIRE_BYTES && isPackable(of)) {
    const packed = r.message();
    while (!packed.done)
      list.push(decodeSingle(ctx, of, packable(of), packed, `${path}[${list.length}]`));
    return;
  }
  const value = decodeSingle(ctx, of, wt, r, `${path}[${list.length}]`);
  list.push(value === undefined ? null : value);
}

function decodeWrapped(ctx: Ctx, of: TypeRef, r: ProtoReader, path: string): unknown[] {
  const items: unknown[] = [];
  while (!r.done) {
    const [num, wt] = r.tag();
    if (num !== 1)
      throw new ProtobufDecodeError(path, `unknown field number ${num} in wrapped list`);
    decodeRepeated(items, ctx, of, wt, r, path);
  }
  return items;
}

function decodeMapEntry(
  map: Json,
  ctx: Ctx,
  of: TypeRef,
  wrapped: boolean,
  r: ProtoReader,
  path: string,
): void {
  let key = "";
  let value: unknown;
  let sawValue = false;
  while (!r.done) {
    const [num, wt] = r.tag();
    if (num === 1) {
      expectWire(wt, WIRE_BYTES, path, "map key");
      key = r.string();
    } else if (num === 2) {
      sawValue = true;
      const vpath = `${path}[${JSON.stringify(key)}]`;
      if (of.kind === "list" && wrapped) {
        expectWire(wt, WIRE_BYTES, vpath, "wrapped list");
        value = decodeWrapped(ctx, of.of, r.message(), vpath);
      } else {
        value = decodeSingle(ctx, of, wt, r, vpath);
      }
    } else {
      throw new ProtobufDecodeError(path, `unknown field number ${num} in map entry`);
    }
  }
  map[key] = sawValue && value !== undefined ? value : zeroValue(of);
}

/** How union messages (apiextensions' JSONSchemaPropsOr*) reach the schema decoder. */
function unionIo(ctx: Ctx, schemaType: string): UnionDecodeIo<ProtobufDecodeError> {
  return {
    decodeSchema: (r, path) => decodeInto({}, ctx, messagePlan(ctx.registry, schemaType), r, path),
    error: (path, message) => new ProtobufDecodeError(path, message),
  };
}

/** Decodes one non-repeated value; undefined means "absent in JSON" (e.g. a zero Time). */
function decodeSingle(ctx: Ctx, type: TypeRef, wt: number, r: ProtoReader, path: string): unknown {
  switch (type.kind) {
    case "scalar":
      switch (type.name) {
        case "string":
          expectWire(wt, WIRE_BYTES, path, "string");
          return r.string();
        case "bytes":
          expectWire(wt, WIRE_BYTES, path, "bytes");
          return Buffer.from(r.bytes()).toString("base64");
        case "bool":
          expectWire(wt, WIRE_VARINT, path, "bool");
          return r.bool();
        case "int32":
          expectWire(wt, WIRE_VARINT, path, "int32");
          return r.int32();
        case "int64":
          expectWire(wt, WIRE_VARINT, path, "int64");
          return r.int64();
        case "double":
          expectWire(wt, WIRE_FIXED64, path, "double");
          return r.double();
      }
      break;
    case "special":
      expectWire(wt, WIRE_BYTES, path, type.name);
      return decodeSpecial(ctx, type.name, r.message(), path);
    case "ref":
      expectWire(wt, WIRE_BYTES, path, "message");
      return decodeInto({}, ctx, messagePlan(ctx.registry, type.name), r.message(), path);
    case "list":
    case "map":
      throw new ProtobufDecodeError(path, "nested list or map types are not supported");
  }
  throw new ProtobufDecodeError(path, "unsupported type");
}

function decodeSpecial(ctx: Ctx, name: string, r: ProtoReader, path: string): unknown {
  const fields = readSmallMessage(r, path, name);
  switch (name) {
    case "Time":
    case "MicroTime": {
      if (fields.size === 0) return undefined; // Go's zero time: null in JSON
      const seconds = asNumber(fields.get(1));
      const nanos = asNumber(fields.get(2));
      if (
        seconds < MIN_TIME_SECONDS ||
        seconds > MAX_TIME_SECONDS ||
        nanos < 0 ||
        nanos > 999_999_999
      ) {
        throw new ProtobufDecodeError(
          path,
          `${name} ${seconds}s ${nanos}ns is outside years 0001-9999`,
        );
      }
      return formatTime(seconds, nanos, name === "MicroTime");
    }
    case "Duration":
      return formatDuration(asBigInt(fields.get(1)));
    case "Quantity": {
      const s = fields.get(1);
      return s instanceof Uint8Array ? utf8(s, path) : "0";
    }
    case "IntOrString": {
      if (asNumber(fields.get(1)) === 1) {
        const s = fields.get(3);
        return s instanceof Uint8Array ? utf8(s, path) : "";
      }
      return Number(BigInt.asIntN(32, asBigInt(fields.get(2))));
    }
    case "RawExtension":
    case "JSON": {
      const raw = fields.get(1);
      if (!(raw instanceof Uint8Array) || raw.length === 0) return undefined;
      if (
        raw[0] === 0x6b &&
        raw[1] === 0x38 &&
        raw[2] === 0x73 &&
        raw[3] === 0 &&
        ctx.opts.decodeEmbedded
      ) {
        return ctx.opts.decodeEmbedded(raw);
      }
      try {
        return JSON.parse(utf8(raw, path));
      } catch {
        throw new ProtobufDecodeError(path, `${name} does not hold valid JSON`);
      }
    }
  }
  throw new ProtobufDecodeError(path, `unsupported special type ${name}`);
}

/** Reads a flat message of varint and bytes fields (the special types' shape). */
function readSmallMessage(
  r: ProtoReader,
  path: string,
  what: string,
): Map<number, bigint | Uint8Array> {
  const out = new Map<number, bigint | Uint8Array>();
  while (!r.done) {
    const [num, wt] = r.tag();
    if (num > 4) throw new ProtobufDecodeError(path, `unknown field number ${num} in ${what}`);
    if (wt === WIRE_VARINT) out.set(num, r.uint64());
    else if (wt === WIRE_BYTES) out.set(num, r.bytes());
    else throw new ProtobufDecodeError(path, `unexpected wire type ${wt} in ${what}`);
  }
  return out;
}

function asBigInt(v: bigint | Uint8Array | undefined): bigint {
  return typeof v === "bigint" ? BigInt.asIntN(64, v) : 0n;
}

function asNumber(v: bigint | Uint8Array | undefined): number {
  return Number(asBigInt(v));
}

function utf8(b: Uint8Array, path: string): string {
  try {
    return utf8Decoder.decode(b);
  } catch {
    throw new ProtobufDecodeError(path, "string is not valid UTF-8");
  }
}

function expectWire(got: number, want: number, path: string, what: string): void {
  if (got !== want)
    throw new ProtobufDecodeError(path, `wire type ${got} does not fit ${what} (want ${want})`);
}

function isPackable(t: TypeRef): boolean {
  return (
    t.kind === "scalar" &&
    (t.name === "bool" || t.name === "int32" || t.name === "int64" || t.name === "double")
  );
}

function packable(t: TypeRef): number {
  return t.kind === "scalar" && t.name === "double" ? WIRE_FIXED64 : WIRE_VARINT;
}

/**
 * Zero scalars are what Go's omitempty drops. IntOrString is a struct in Go, so
 * its zero (0) is kept, as Go's JSON keeps it: `maxUnavailable: 0` must survive,
 * and a Service's unset targetPort arrives as 0, as it does from Go JSON clients.
 */
function isZero(type: TypeRef, value: unknown): boolean {
  return type.kind === "scalar" && (value === "" || value === 0 || value === false);
}

function zeroValue(type: TypeRef): unknown {
  if (type.kind === "scalar") {
    if (type.name === "string" || type.name === "bytes") return "";
    return type.name === "bool" ? false : 0;
  }
  if (type.kind === "list") return [];
  if (type.kind === "special" && type.name === "Quantity") return "0";
  return type.kind === "special" ? null : {};
}
