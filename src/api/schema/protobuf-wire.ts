/**
 * Protocol buffers wire format: a bounds-checked reader and a growable
 * writer. Only the pieces Kubernetes messages use: varints, 64-bit fixed
 * (double), length-delimited fields; groups are rejected.
 *
 * Errors are `WireError`s; callers turn them into API errors.
 */

export const WIRE_VARINT = 0;
export const WIRE_FIXED64 = 1;
export const WIRE_BYTES = 2;
export const WIRE_FIXED32 = 5;

/** A malformed or truncated buffer. */
export class WireError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "WireError";
  }
}

const TWO_32 = 4294967296;
const utf8Decoder = new TextDecoder("utf-8", { fatal: true });

/** Sequential reader over one message (a sub-range of a buffer). */
export class ProtoReader {
  readonly #buf: Uint8Array;
  #pos: number;
  readonly #end: number;

  constructor(buf: Uint8Array, start = 0, end = buf.length) {
    this.#buf = buf;
    this.#pos = start;
    this.#end = end;
  }

  get done(): boolean {
    return this.#pos >= this.#end;
  }

  /** Reads a field key; returns [field number, wire type]. */
  tag(): [number, number] {
    const k = this.#small();
    if (k > 0xffffffff) throw new WireError("field key too large");
    const num = Math.floor(k / 8);
    if (num === 0) throw new WireError("field number 0 is invalid");
    return [num, k & 7];
  }

  /**
   * Reads a varint as a Number: up to 7 bytes (49 bits) without BigInt,
   * longer ones through uint64; the value must fit 2^53.
   */
  #small(): number {
    const start = this.#pos;
    let result = 0;
    let scale = 1;
    for (let i = start; i < this.#end && i < start + 7; i++) {
      const b = this.#buf[i]!;
      result += (b & 0x7f) * scale;
      if ((b & 0x80) === 0) {
        this.#pos = i + 1;
        return result;
      }
      scale *= 128;
    }
    const big = this.uint64();
    if (big > BigInt(Number.MAX_SAFE_INTEGER)) throw new WireError("varint too large");
    return Number(big);
  }

  /** Reads a signed varint; small non-negative values (the common case) avoid BigInt. */
  #signed(bits: 32 | 64): number {
    const start = this.#pos;
    let result = 0;
    let scale = 1;
    for (let i = start; i < this.#end && i < start + 7; i++) {
      const b = this.#buf[i]!;
      result += (b & 0x7f) * scale;
      if ((b & 0x80) === 0) {
        this.#pos = i + 1;
        return bits === 32 ? result | 0 : result;
      }
      scale *= 128;
    }
    this.#pos = start;
    const big = this.uint64();
    return Number(bits === 32 ? BigInt.asIntN(32, big) : BigInt.asIntN(64, big));
  }

  /** Reads a varint as an unsigned 64-bit BigInt. */
  uint64(): bigint {
    let lo = 0;
    let hi = 0;
    for (let i = 0; i < 10; i++) {
      if (this.#pos >= this.#end) throw new WireError("truncated varint");
      const b = this.#buf[this.#pos++]!;
      if (i < 4) lo += (b & 0x7f) * 2 ** (7 * i);
      else if (i === 4) {
        lo += (b & 0x0f) * 2 ** 28;
        hi += (b & 0x70) >> 4;
      } else {
        hi += (b & 0x7f) * 2 ** (7 * i - 32);
      }
      if ((b & 0x80) === 0) return (BigInt(hi % TWO_32) << 32n) | BigInt(lo);
    }
    throw new WireError("varint longer than 10 bytes");
  }

  /** A varint read as a signed 64-bit integer (two's complement), as a Number. */
  int64(): number {
    return this.#signed(64);
  }

  /** A varint read as a signed 32-bit integer (upper bits ignored, as protobuf does). */
  int32(): number {
    return this.#signed(32);
  }

  bool(): boolean {
    return this.#signed(64) !== 0;
  }

  double(): number {
    if (this.#pos + 8 > this.#end) throw new WireError("truncated fixed64");
    const view = new DataView(this.#buf.buffer, this.#buf.byteOffset + this.#pos, 8);
    this.#pos += 8;
    return view.getFloat64(0, true);
  }

  /** The payload of a length-delimited field, as a view into the buffer. */
  bytes(): Uint8Array {
    const len = this.#small();
    if (len > this.#end - this.#pos)
      throw new WireError("length-delimited field overruns its message");
    const start = this.#pos;
    this.#pos += len;
    return this.#buf.subarray(start, this.#pos);
  }

  /** A length-delimited field as a reader over its payload. */
  message(): ProtoReader {
    const b = this.bytes();
    return new ProtoReader(b);
  }

  string(): string {
    try {
      return utf8Decoder.decode(this.bytes());
    } catch {
      throw new WireError("string field is not valid UTF-8");
    }
  }

  /** Skips one value of the given wire type. */
  skipField(wireType: number): void {
    switch (wireType) {
      case WIRE_VARINT:
        this.uint64();
        return;
      case WIRE_FIXED64:
        this.#advance(8);
        return;
      case WIRE_BYTES:
        this.bytes();
        return;
      case WIRE_FIXED32:
        this.#advance(4);
        return;
      default:
        throw new WireError(`unsupported wire type ${wireType}`);
    }
  }

  #advance(n: number): void {
    if (this.#pos + n > this.#end) throw new WireError("truncated field");
    this.#pos += n;
  }
}

/**
 * Appends protobuf-encoded fields to a growable buffer. A writer is used
 * once: `finish()` hands out a view of its buffer.
 */
export class ProtoWriter {
  #buf: Buffer = Buffer.allocUnsafe(64);
  #len = 0;

  #ensure(n: number): void {
    if (this.#len + n <= this.#buf.length) return;
    let size = this.#buf.length * 2;
    while (size < this.#len + n) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.#buf.copy(next, 0, 0, this.#len);
    this.#buf = next;
  }

  /** Writes a raw varint of an unsigned value (a non-negative safe integer or any BigInt, taken mod 2^64). */
  varint(value: number | bigint): this {
    this.#ensure(10);
    if (typeof value === "number" && value >= 0 && value <= Number.MAX_SAFE_INTEGER) {
      let v = value;
      while (v >= 0x80) {
        this.#buf[this.#len++] = (v % 0x80) | 0x80;
        v = Math.floor(v / 0x80);
      }
      this.#buf[this.#len++] = v;
      return this;
    }
    let v = BigInt.asUintN(64, BigInt(value));
    while (v >= 0x80n) {
      this.#buf[this.#len++] = Number(v & 0x7fn) | 0x80;
      v >>= 7n;
    }
    this.#buf[this.#len++] = Number(v);
    return this;
  }

  tag(num: number, wireType: number): this {
    return this.varint(num * 8 + wireType);
  }

  /** A varint field holding a signed integer (negative values take 10 bytes). */
  intField(num: number, value: number | bigint): this {
    return this.tag(num, WIRE_VARINT).varint(value);
  }

  boolField(num: number, value: boolean): this {
    return this.tag(num, WIRE_VARINT).varint(value ? 1 : 0);
  }

  doubleField(num: number, value: number): this {
    this.tag(num, WIRE_FIXED64);
    this.#ensure(8);
    this.#buf.writeDoubleLE(value, this.#len);
    this.#len += 8;
    return this;
  }

  bytesField(num: number, value: Uint8Array): this {
    this.tag(num, WIRE_BYTES).varint(value.length);
    this.#ensure(value.length);
    this.#buf.set(value, this.#len);
    this.#len += value.length;
    return this;
  }

  stringField(num: number, value: string): this {
    const n = value.length;
    let ascii = true;
    for (let i = 0; i < n; i++) {
      if (value.charCodeAt(i) >= 0x80) {
        ascii = false;
        break;
      }
    }
    const size = ascii ? n : Buffer.byteLength(value, "utf8");
    this.tag(num, WIRE_BYTES).varint(size);
    this.#ensure(size);
    if (ascii) for (let i = 0; i < n; i++) this.#buf[this.#len + i] = value.charCodeAt(i);
    else this.#buf.write(value, this.#len, size, "utf8");
    this.#len += size;
    return this;
  }

  /** The bytes written so far (a view of the writer's buffer; do not write after). */
  finish(): Uint8Array {
    return new Uint8Array(this.#buf.buffer, this.#buf.byteOffset, this.#len);
  }
}
