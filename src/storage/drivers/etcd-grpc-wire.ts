/**
 * gRPC's wire format over HTTP/2 as the etcd client reads it: length-prefixed
 * uncompressed messages in DATA frames, and the call's status in the
 * grpc-status / grpc-message headers or trailers.
 */
import type { IncomingHttpHeaders } from "node:http2";

/** gRPC status codes by number (for error messages as grpc-js formats them). */
const STATUS_NAMES = [
  "OK",
  "CANCELLED",
  "UNKNOWN",
  "INVALID_ARGUMENT",
  "DEADLINE_EXCEEDED",
  "NOT_FOUND",
  "ALREADY_EXISTS",
  "PERMISSION_DENIED",
  "RESOURCE_EXHAUSTED",
  "FAILED_PRECONDITION",
  "ABORTED",
  "OUT_OF_RANGE",
  "UNIMPLEMENTED",
  "INTERNAL",
  "UNAVAILABLE",
  "DATA_LOSS",
  "UNAUTHENTICATED",
];

/** A failed call: message "<code> <NAME>: <details>" (grpc-js's form). */
export class GrpcError extends Error {
  constructor(
    readonly code: number,
    details: string,
  ) {
    super(`${code} ${STATUS_NAMES[code] ?? "UNKNOWN"}: ${details}`);
  }
}

/** Parses gRPC length-prefixed messages out of a byte stream. */
export class FrameParser {
  #buffered: Buffer[] = [];
  #bytes = 0;

  /** Adds a chunk; returns the complete messages it finished (possibly none). */
  push(chunk: Buffer): Buffer[] {
    this.#buffered.push(chunk);
    this.#bytes += chunk.length;
    const out: Buffer[] = [];
    for (;;) {
      if (this.#bytes < 5) return out;
      let head = this.#buffered[0]!;
      if (head.length < 5) {
        head = Buffer.concat(this.#buffered);
        this.#buffered = [head];
      }
      if (head[0] !== 0) throw new GrpcError(13, "compressed gRPC message not supported");
      const len = head.readUInt32BE(1);
      if (this.#bytes < 5 + len) return out;
      if (head.length < 5 + len) {
        head = Buffer.concat(this.#buffered);
        this.#buffered = [head];
      }
      out.push(head.subarray(5, 5 + len));
      const rest = head.subarray(5 + len);
      this.#bytes -= 5 + len;
      if (rest.length > 0) this.#buffered[0] = rest;
      else this.#buffered.shift();
    }
  }

  /** Bytes of an incomplete message left over. */
  get leftover(): number {
    return this.#bytes;
  }
}

/**
 * The one message of a unary response body, as the chunks it arrived in
 * (not joined: a large list would be copied once more for nothing; see
 * ChunkCursor); undefined unless the body is exactly one uncompressed message.
 */
export function grpcMessage(chunks: Buffer[]): Buffer[] | undefined {
  let total = 0;
  for (const c of chunks) total += c.length;
  if (total < 5) return undefined;
  const head = chunks[0]!.length >= 5 ? chunks[0]! : Buffer.concat(chunks).subarray(0, 5);
  if (head[0] !== 0 || head.readUInt32BE(1) !== total - 5) return undefined;
  const out: Buffer[] = [];
  let skip = 5;
  for (const c of chunks) {
    if (skip >= c.length) {
      skip -= c.length;
      continue;
    }
    out.push(skip > 0 ? c.subarray(skip) : c);
    skip = 0;
  }
  return out;
}

/** The call's gRPC status from headers (trailers-only responses) or trailers; undefined when absent. */
export function statusOf(headers: IncomingHttpHeaders): GrpcError | null | undefined {
  const raw = headers["grpc-status"];
  if (raw === undefined) return undefined;
  const code = Number(raw);
  if (code === 0) return null;
  const message = headers["grpc-message"];
  let details = typeof message === "string" ? message : "";
  try {
    details = decodeURIComponent(details);
  } catch {
    // Not percent-encoded as the spec asks: keep it as sent.
  }
  return new GrpcError(code, details);
}
