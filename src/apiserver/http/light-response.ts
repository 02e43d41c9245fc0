/**
 * The response side of the lean HTTP path: the part of ServerResponse the
 * handlers use (statusCode, set/get/removeHeader, writeHead, write, end,
 * flushHeaders, headersSent, writableEnded, destroyed, "drain"/"finish"/
 * "close"). As Node does, writeHead only records the head; it goes out with
 * the first body bytes, so a whole reply is one socket write. The body is
 * framed by Content-Length when it is known before the head is built (a set
 * header, or end(data) without writeHead), else chunked. end() calls
 * this.writeHead when no head was written, so a wrapper installed on the
 * instance (the audit filter's) sees every head.
 */
import { EventEmitter } from "node:events";
import { STATUS_CODES } from "node:http";
import type { Socket } from "node:net";
import type { LightRequest } from "./light-request.ts";

/** Where a response goes: its connection. */
export interface ResponseSink {
  readonly socket: Socket;
  /** Writes to the socket; false when its buffer is full ("drain" follows). */
  send(data: string | Buffer): boolean;
  /** The response is complete; `close` ends the connection after it. */
  done(close: boolean): void;
  /** Seconds of the keep-alive timeout, announced in Keep-Alive. */
  readonly keepAliveSeconds: number;
}

type HeaderValue = string | number | readonly string[];
type Callback = (err?: Error | null) => void;

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
/** What Node refuses in a header value. */
const INVALID_VALUE = /[^\t\x20-\x7e\x80-\xff]/;
const NON_ASCII = /[^\x00-\x7f]/;

let dateSecond = 0;
let dateText = "";
/** The Date header's value, rebuilt once a second. */
function httpDate(): string {
  const now = Date.now();
  const second = Math.floor(now / 1000);
  if (second !== dateSecond) {
    dateSecond = second;
    dateText = new Date(now).toUTCString();
  }
  return dateText;
}

function invalidHeader(code: string, message: string): TypeError {
  return Object.assign(new TypeError(message), { code });
}

export class LightResponse extends EventEmitter {
  statusCode = 200;
  statusMessage = "";
  sendDate = true;
  headersSent = false;
  writableEnded = false;
  finished = false;
  destroyed = false;
  readonly req: LightRequest;
  private readonly sink: ResponseSink;
  private readonly keepAlive: boolean;
  /** Lower-cased name → [name as given, value]. */
  private headers?: Map<string, [string, HeaderValue]>;
  /** The head, built by writeHead and not yet sent. */
  private head = "";
  private chunked = false;
  private hasBody = true;
  private close = false;
  /** The byte length end() is about to send, when it builds the head itself. */
  private knownLength = -1;
  private waitingDrain = false;

  constructor(sink: ResponseSink, req: LightRequest, keepAlive: boolean) {
    super();
    this.sink = sink;
    this.req = req;
    this.keepAlive = keepAlive;
  }

  get socket(): Socket {
    return this.sink.socket;
  }

  get connection(): Socket {
    return this.sink.socket;
  }

  get writable(): boolean {
    return !this.writableEnded && !this.destroyed;
  }

  get writableFinished(): boolean {
    return this.finished;
  }

  setHeader(name: string, value: HeaderValue): this {
    if (this.headersSent) {
      throw invalidHeader(
        "ERR_HTTP_HEADERS_SENT",
        "Cannot set headers after they are sent to the client",
      );
    }
    checkHeader(name, value);
    (this.headers ??= new Map()).set(name.toLowerCase(), [name, value]);
    return this;
  }

  appendHeader(name: string, value: HeaderValue): this {
    const old = this.getHeader(name);
    if (old === undefined) return this.setHeader(name, value);
    const list = (Array.isArray(old) ? old : [String(old)]) as string[];
    return this.setHeader(name, [...list, ...(Array.isArray(value) ? value : [String(value)])]);
  }

  getHeader(name: string): HeaderValue | undefined {
    return this.headers?.get(name.toLowerCase())?.[1];
  }

  getHeaders(): Record<string, HeaderValue> {
    const out: Record<string, HeaderValue> = {};
    for (const [key, [, value]] of this.headers ?? []) out[key] = value;
    return out;
  }

  getHeaderNames(): string[] {
    return [...(this.headers?.keys() ?? [])];
  }

  hasHeader(name: string): boolean {
    return this.headers?.has(name.toLowerCase()) ?? false;
  }

  removeHeader(name: string): void {
    if (this.headersSent) {
      throw invalidHeader(
        "ERR_HTTP_HEADERS_SENT",
        "Cannot remove headers after they are sent to the client",
      );
    }
    this.headers?.delete(name.toLowerCase());
  }

  /** Records the status and headers; they are sent with the first body bytes. */
  writeHead(
    code: number,
    reason?: string | Record<string, HeaderValue> | readonly string[],
    headers?: Record<string, HeaderValue> | readonly string[],
  ): this {
    if (this.headersSent) {
      throw invalidHeader(
        "ERR_HTTP_HEADERS_SENT",
        "Cannot write headers after they are sent to the client",
      );
    }
    if (typeof reason === "string") this.statusMessage = reason;
    else headers = reason;
    if (!Number.isInteger(code) || code < 100 || code > 999) {
      throw Object.assign(new RangeError(`Invalid status code: ${code}`), {
        code: "ERR_HTTP_INVALID_STATUS_CODE",
      });
    }
    this.statusCode = code;
    if (Array.isArray(headers)) {
      for (let i = 0; i + 1 < headers.length; i += 2) this.setHeader(headers[i]!, headers[i + 1]!);
    } else if (headers) {
      for (const name in headers) {
        const value = (headers as Record<string, HeaderValue>)[name];
        if (value !== undefined) this.setHeader(name, value);
      }
    }
    this.head = this.buildHead(code);
    this.headersSent = true;
    return this;
  }

  /** Sends the head now (a watch's first bytes). */
  flushHeaders(): void {
    if (!this.headersSent) this.writeHead(this.statusCode);
    if (this.head !== "" && !this.destroyed) this.out(this.takeHead());
  }

  write(chunk: string | Uint8Array, encoding?: BufferEncoding | Callback, cb?: Callback): boolean {
    const done = typeof encoding === "function" ? encoding : cb;
    if (this.writableEnded || this.destroyed) {
      done?.(new Error("write after end"));
      return false;
    }
    if (!this.headersSent) this.writeHead(this.statusCode);
    const ok = this.out(this.takeHead(), this.frame(chunk));
    if (done) process.nextTick(done);
    return ok;
  }

  end(
    chunk?: string | Uint8Array | Callback,
    encoding?: BufferEncoding | Callback,
    cb?: Callback,
  ): this {
    if (typeof chunk === "function") {
      cb = chunk;
      chunk = undefined;
    } else if (typeof encoding === "function") cb = encoding;
    if (this.writableEnded) return this;
    if (!this.headersSent) {
      if (chunk !== undefined && !this.hasHeader("content-length")) {
        this.knownLength = typeof chunk === "string" ? Buffer.byteLength(chunk) : chunk.length;
      }
      this.writeHead(this.statusCode);
    }
    this.writableEnded = true;
    if (!this.destroyed) {
      const body = chunk === undefined || chunk.length === 0 ? [] : this.frame(chunk);
      if (this.chunked) body.push("0\r\n\r\n");
      this.out(this.takeHead(), body);
      this.finished = true;
      this.sink.done(this.close || !this.keepAlive);
    }
    if (cb) process.nextTick(cb);
    if (this.listenerCount("finish") > 0 || this.listenerCount("close") > 0) {
      process.nextTick(() => {
        this.emit("finish");
        this.emit("close");
      });
    }
    return this;
  }

  destroy(err?: Error): this {
    if (this.destroyed) return this;
    this.destroyed = true;
    this.sink.socket.destroy(err);
    return this;
  }

  /** The connection closed before the response was complete. */
  aborted(): void {
    if (this.destroyed && this.listenerCount("close") === 0) return;
    this.destroyed = true;
    this.emit("close");
  }

  private takeHead(): string {
    const head = this.head;
    this.head = "";
    return head;
  }

  /** A body chunk as it goes on the wire, in parts (none when the response has no body). */
  private frame(chunk: string | Uint8Array): (string | Buffer)[] {
    if (!this.hasBody) return [];
    const data =
      typeof chunk === "string" ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length);
    if (!this.chunked) return [data];
    const size = typeof data === "string" ? Buffer.byteLength(data) : data.length;
    if (size === 0) return [];
    return [`${size.toString(16)}\r\n`, data, "\r\n"];
  }

  /**
   * Writes a head (maybe "") and the body's parts as one socket write: one
   * string when all are strings, else the bytes copied once (a 1 MiB list
   * chunk is not copied per framing part).
   */
  private out(head: string, body: (string | Buffer)[] = []): boolean {
    const data = joined(head, body);
    if (data.length === 0) return true;
    const ok = this.sink.send(data);
    if (!ok && !this.waitingDrain) {
      this.waitingDrain = true;
      this.sink.socket.once("drain", () => {
        this.waitingDrain = false;
        this.emit("drain");
      });
    }
    return ok;
  }

  private buildHead(code: number): string {
    const method = this.req.method;
    this.hasBody = method !== "HEAD" && code !== 204 && code !== 304 && code >= 200;
    let head = `HTTP/1.1 ${code} ${this.statusMessage || STATUS_CODES[code] || "unknown"}\r\n`;
    let framed = false;
    let connectionSet = false;
    let dateSet = false;
    for (const [key, [name, value]] of this.headers ?? []) {
      if (key === "content-length") framed = true;
      else if (key === "transfer-encoding") {
        framed = true;
        // As Node's ServerResponse: a handler that says chunked gets its body chunk-framed.
        if (this.hasBody && /\bchunked\b/i.test(String(value))) this.chunked = true;
      } else if (key === "date") dateSet = true;
      else if (key === "connection") {
        connectionSet = true;
        if (/\bclose\b/i.test(String(value))) this.close = true;
      }
      if (Array.isArray(value)) for (const v of value) head += `${name}: ${v}\r\n`;
      else head += `${name}: ${value as string | number}\r\n`;
    }
    if (this.sendDate && !dateSet) head += `Date: ${httpDate()}\r\n`;
    if (!connectionSet) {
      head += this.keepAlive
        ? `Connection: keep-alive\r\nKeep-Alive: timeout=${this.sink.keepAliveSeconds}\r\n`
        : "Connection: close\r\n";
    }
    if (!framed && this.hasBody) {
      if (this.knownLength >= 0) head += `Content-Length: ${this.knownLength}\r\n`;
      else {
        this.chunked = true;
        head += "Transfer-Encoding: chunked\r\n";
      }
    }
    return `${head}\r\n`;
  }
}

function checkHeader(name: string, value: HeaderValue): void {
  if (!TOKEN.test(name)) {
    throw invalidHeader(
      "ERR_INVALID_HTTP_TOKEN",
      `Header name must be a valid HTTP token ["${name}"]`,
    );
  }
  if (value === undefined) {
    throw invalidHeader(
      "ERR_HTTP_INVALID_HEADER_VALUE",
      `Invalid value "undefined" for header "${name}"`,
    );
  }
  const values = Array.isArray(value) ? value : [value];
  for (const v of values) {
    if (INVALID_VALUE.test(String(v))) {
      throw invalidHeader("ERR_INVALID_CHAR", `Invalid character in header content ["${name}"]`);
    }
  }
}

/** A head's latin1 bytes and a body's parts (strings as UTF-8) as one write. */
function joined(head: string, body: (string | Buffer)[]): string | Buffer {
  const latin1 = head !== "" && NON_ASCII.test(head);
  if (!latin1 && body.every((p) => typeof p === "string")) return head + body.join("");
  if (head === "" && body.length === 1) return body[0];
  const parts: Buffer[] = head === "" ? [] : [Buffer.from(head, "latin1")];
  for (const p of body) parts.push(typeof p === "string" ? Buffer.from(p) : p);
  return Buffer.concat(parts);
}
