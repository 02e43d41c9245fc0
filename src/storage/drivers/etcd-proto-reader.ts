/**
 * Cursors over protobuf-encoded bytes for the etcd driver's response decoders
 * (etcd-proto-responses.ts): Reader over one buffer, ChunkCursor over a
 * response that arrived in several chunks.
 */

/** A cursor over a protobuf-encoded range of a buffer. */
export class Reader {
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

  skipField(wire: number): void {
    if (wire === 0) this.varint();
    else if (wire === 2) this.pos = this.delimited();
    else if (wire === 1) this.pos += 8;
    else if (wire === 5) this.pos += 4;
    else throw new Error(`unsupported protobuf wire type ${wire}`);
    if (this.pos > this.end) throw new Error("truncated field");
  }
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
