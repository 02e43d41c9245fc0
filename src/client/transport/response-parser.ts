/**
 * An incremental HTTP/1.1 response parser: bytes in, head / body chunks /
 * completion out. It accepts input split at any byte (a head, a chunk-size
 * line or a chunk's CRLF across packets) and frames bodies by RFC 9112 §6.3:
 * no body for HEAD requests and 1xx/204/304 answers, chunked when the last
 * transfer coding is chunked, else Content-Length, else until the
 * connection closes. Interim 1xx answers are skipped.
 *
 * Contract: start() before each response; feed() the bytes as they come;
 * eof() when the connection ends. The handler's onComplete runs last in the
 * feed() call that completes the response, after every onBody.
 */
import { parseError } from "./errors.ts";

/** Status and headers of a response; header names are lower-case, repeated ones joined with ", ". */
export interface ResponseHead {
  status: number;
  headers: Record<string, string>;
  /** Whether the connection may carry another request after this response. */
  keepAlive: boolean;
}

/** Receives what the parser finds. */
export interface ResponseHandler {
  onHead(head: ResponseHead): void;
  onBody(chunk: Buffer): void;
  onComplete(): void;
}

const enum State {
  Idle,
  Head,
  Fixed,
  UntilClose,
  ChunkSize,
  ChunkData,
  ChunkEnd,
  Trailer,
}

/** Largest response head (and chunk-size or trailer line) accepted. */
const MAX_HEAD_BYTES = 64 * 1024;
const CR = 0x0d;
const LF = 0x0a;
const HEAD_END = Buffer.from("\r\n\r\n", "latin1");

export class ResponseParser {
  private state = State.Idle;
  private handler?: ResponseHandler;
  private noBody = false;
  /** Unconsumed bytes of a head or line split across packets. */
  private pending?: Buffer;
  /** Bytes left in a fixed body or the current chunk. */
  private remaining = 0;
  /** Whether any byte of the current response arrived. */
  sawBytes = false;

  /** Expects a new response; `noBody` for answers to HEAD requests. */
  start(handler: ResponseHandler, noBody = false): void {
    this.handler = handler;
    this.noBody = noBody;
    this.state = State.Head;
    this.pending = undefined;
    this.sawBytes = false;
  }

  /** Whether a response is expected or in progress. */
  get busy(): boolean {
    return this.state !== State.Idle;
  }

  /** Consumes bytes; throws a TransportError on malformed input or bytes beyond the response. */
  feed(input: Buffer): void {
    if (input.length === 0) return;
    if (this.state === State.Idle) throw parseError("data after the end of the response");
    this.sawBytes = true;
    let buf = input;
    if (this.pending) {
      buf = Buffer.concat([this.pending, input]);
      this.pending = undefined;
    }
    let i = 0;
    let done = false;
    while (i < buf.length && !done) {
      switch (this.state) {
        case State.Head: {
          const end = buf.indexOf(HEAD_END, i);
          if (end < 0) return this.keep(buf, i);
          const head = parseHead(buf.toString("latin1", i, end));
          i = end + 4;
          if (head.status < 200) break; // interim answer: the real one follows
          this.handler!.onHead(head);
          done = this.frameBody(head);
          break;
        }
        case State.Fixed:
        case State.ChunkData: {
          const n = Math.min(this.remaining, buf.length - i);
          this.handler!.onBody(i === 0 && n === buf.length ? buf : buf.subarray(i, i + n));
          i += n;
          this.remaining -= n;
          if (this.remaining === 0) {
            if (this.state === State.Fixed) done = true;
            else this.state = State.ChunkEnd;
          }
          break;
        }
        case State.UntilClose:
          this.handler!.onBody(i === 0 ? buf : buf.subarray(i));
          i = buf.length;
          break;
        case State.ChunkSize: {
          const nl = buf.indexOf(LF, i);
          if (nl < 0) return this.keep(buf, i);
          const line = buf.toString("latin1", i, nl > i && buf[nl - 1] === CR ? nl - 1 : nl);
          i = nl + 1;
          const semi = line.indexOf(";");
          const hex = (semi < 0 ? line : line.slice(0, semi)).trim();
          if (!/^[0-9a-fA-F]{1,12}$/.test(hex)) throw parseError(`invalid chunk size "${hex}"`);
          this.remaining = parseInt(hex, 16);
          this.state = this.remaining === 0 ? State.Trailer : State.ChunkData;
          break;
        }
        case State.ChunkEnd: {
          // The CRLF after chunk data; each byte may come in its own packet.
          const b = buf[i]!;
          if (b === LF) this.state = State.ChunkSize;
          else if (b !== CR) throw parseError("missing CRLF after chunk data");
          i++;
          break;
        }
        case State.Trailer: {
          const nl = buf.indexOf(LF, i);
          if (nl < 0) return this.keep(buf, i);
          const empty = nl === i || (nl === i + 1 && buf[i] === CR);
          i = nl + 1;
          if (empty) done = true;
          break;
        }
        default:
          throw parseError("unexpected state");
      }
    }
    if (!done) return;
    if (i < buf.length) throw parseError("data after the end of the response");
    this.finish();
  }

  /**
   * The connection ended: completes a body delimited by the close and returns
   * true; returns false when a response was expected or cut short.
   */
  eof(): boolean {
    if (this.state !== State.UntilClose) return this.state === State.Idle;
    this.finish();
    return true;
  }

  private finish(): void {
    const h = this.handler!;
    this.state = State.Idle;
    this.handler = undefined;
    h.onComplete();
  }

  private keep(buf: Buffer, from: number): void {
    if (buf.length - from > MAX_HEAD_BYTES) throw parseError("header or line too long");
    this.pending = Buffer.from(buf.subarray(from));
  }

  /** Chooses the body framing after a head; returns true when there is no body. */
  private frameBody(head: ResponseHead): boolean {
    if (this.noBody || head.status === 204 || head.status === 304) return true;
    const te = head.headers["transfer-encoding"];
    if (te !== undefined) {
      if (!/(?:^|,)\s*chunked\s*$/i.test(te)) {
        head.keepAlive = false;
        this.state = State.UntilClose;
        return false;
      }
      this.state = State.ChunkSize;
      return false;
    }
    const cl = head.headers["content-length"];
    if (cl !== undefined) {
      const values = cl.split(",").map((v) => v.trim());
      if (!values.every((v) => /^\d{1,15}$/.test(v) && v === values[0]))
        throw parseError(`invalid Content-Length "${cl}"`);
      this.remaining = Number(values[0]);
      this.state = State.Fixed;
      return this.remaining === 0;
    }
    head.keepAlive = false;
    this.state = State.UntilClose;
    return false;
  }
}

/** Parses a status line and header lines (the head without its final CRLFCRLF). */
export function parseHead(text: string): ResponseHead {
  const lines = text.split("\r\n");
  const statusLine = lines[0]!;
  const m = /^HTTP\/1\.([01]) (\d{3})(?: .*)?$/.exec(statusLine);
  if (!m) throw parseError(`invalid status line "${statusLine.slice(0, 100)}"`);
  const headers: Record<string, string> = {};
  for (let k = 1; k < lines.length; k++) {
    const line = lines[k]!;
    const colon = line.indexOf(":");
    if (colon <= 0) throw parseError(`invalid header line "${line.slice(0, 100)}"`);
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    const prior = headers[name];
    headers[name] = prior === undefined ? value : `${prior}, ${value}`;
  }
  const conn = headers.connection?.toLowerCase();
  const keepAlive =
    m[1] === "1" ? !conn?.includes("close") : conn !== undefined && conn.includes("keep-alive");
  return { status: Number(m[2]), headers, keepAlive };
}
