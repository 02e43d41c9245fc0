/**
 * A lean HTTP/1.1 client: a pool of kept-alive connections to one server
 * (TCP, TLS or a Unix socket), at most `maxSockets` at once, later requests
 * waiting for a free one. Each request leaves in one socket write (head and
 * body together) and its answer is parsed in JS (ResponseParser). Answers
 * come back whole (request()) or as a stream (stream(), for watches: the
 * stream holds its connection until it ends or is closed).
 *
 * Failures: socket errors pass through as Node gives them (ECONNREFUSED,
 * ENOENT, certificate errors); a connection closed before or during an
 * answer fails with code ECONNRESET; an aborted signal with an AbortError
 * (code ABORT_ERR); a timeout with ETIMEDOUT. An idempotent request (GET,
 * HEAD, OPTIONS) that found a reused connection closed by the server before
 * any byte of the answer (the keep-alive race) is sent again on another
 * connection. An idle connection is reused while the server keeps it: up
 * to a second before the timeout its answers announce (`Keep-Alive:
 * timeout=N`, as Node's agent reads it; at most `maxIdleMs`), else up to
 * `idleTimeoutMs` (Node's server closes idle connections after 5 s by
 * default). Idle sockets do not keep the process alive.
 */
import net from "node:net";
import tls from "node:tls";
import type { ResponseHead } from "./response-parser.ts";
import { BodyStream } from "./body-stream.ts";
import { Connection, type ConnectionOwner, type ExchangeHandler } from "./connection.ts";
import { abortError, timeoutError } from "./errors.ts";
import { requestHead } from "./request-head.ts";

export interface TransportOptions {
  /** Plain HTTP over this Unix socket (host and port are then ignored). */
  socketPath?: string;
  host?: string;
  port?: number;
  /** TLS to host:port; absent: plain HTTP. */
  tls?: {
    secureContext: tls.SecureContext;
    rejectUnauthorized: boolean;
    /** SNI and certificate name; default: host unless it is an IP address. */
    servername?: string;
  };
  /** The Host header (default: host[:port], "localhost" over a Unix socket). */
  authority?: string;
  /** Connections at once, streams included (default 64). */
  maxSockets?: number;
  /**
   * An idle connection older than this is closed instead of reused, unless
   * the server announced its own idle timeout (default 4000).
   */
  idleTimeoutMs?: number;
  /** Upper bound on idle reuse whatever the server announces (default 90,000, Go's IdleConnTimeout). */
  maxIdleMs?: number;
  /** Monotonic milliseconds (default performance.now; tests pass a fake clock). */
  now?: () => number;
}

export interface TransportRequest {
  method: string;
  /** Path and query, already escaped. */
  path: string;
  /** Extra header lines, each "Name: value\r\n" (see formatHeaders). */
  headers?: string;
  body?: string | Buffer;
  signal?: AbortSignal;
  /** Whole answer (request) or head (stream) within this time, else ETIMEDOUT. */
  timeoutMs?: number;
}

/** A whole answer. */
export interface TransportResponse {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

const IDEMPOTENT = new Set(["GET", "HEAD", "OPTIONS"]);
/** Sends of one idempotent request on reused connections closed under it. */
const MAX_STALE_RETRIES = 3;
/** How long before the server's announced idle timeout a connection stops being reused. */
const KEEP_ALIVE_MARGIN_MS = 1000;

export class HttpTransport implements ConnectionOwner {
  private readonly all = new Set<Connection>();
  /** Free connections, most recently used last, with the time they became free. */
  private readonly idle: { conn: Connection; since: number }[] = [];
  private readonly waiting: Exchange[] = [];
  private readonly maxSockets: number;
  private readonly idleTimeoutMs: number;
  private readonly maxIdleMs: number;
  private readonly now: () => number;
  private readonly authority: string;
  private session?: Buffer;

  constructor(private readonly opts: TransportOptions) {
    this.maxSockets = opts.maxSockets ?? 64;
    this.idleTimeoutMs = opts.idleTimeoutMs ?? 4000;
    this.maxIdleMs = opts.maxIdleMs ?? 90_000;
    this.now = opts.now ?? (() => performance.now());
    this.authority =
      opts.authority ??
      (opts.socketPath ? "localhost" : `${opts.host ?? "localhost"}:${opts.port ?? 80}`);
  }

  /** Sends a request and reads the whole answer. */
  request(req: TransportRequest): Promise<TransportResponse> {
    return new Promise((resolve, reject) => {
      this.start(new Exchange(this, req, false, resolve as Settle, reject));
    });
  }

  /** Sends a request; resolves at the answer's head with a stream of its body. */
  stream(req: TransportRequest): Promise<BodyStream> {
    return new Promise((resolve, reject) => {
      this.start(new Exchange(this, req, true, resolve as Settle, reject));
    });
  }

  /** Connections open now (busy and idle). */
  get sockets(): number {
    return this.all.size;
  }

  /** Closes every connection; running exchanges fail, later ones open new connections. */
  close(): void {
    for (const c of [...this.all]) c.destroy();
    this.idle.length = 0;
  }

  released(conn: Connection): void {
    const next = this.waiting.shift();
    if (next) return this.send(conn, next);
    conn.socket.unref();
    this.idle.push({ conn, since: this.now() });
  }

  /** How long conn may sit idle and still be reused. */
  private idleLimit(conn: Connection): number {
    const announced = conn.serverIdleTimeoutMs;
    if (announced === undefined) return this.idleTimeoutMs;
    return Math.min(announced - KEEP_ALIVE_MARGIN_MS, this.maxIdleMs);
  }

  closed(conn: Connection): void {
    this.all.delete(conn);
    const i = this.idle.findIndex((e) => e.conn === conn);
    if (i >= 0) this.idle.splice(i, 1);
    if (this.waiting.length === 0 || this.all.size >= this.maxSockets) return;
    this.send(this.connect(), this.waiting.shift()!);
  }

  /** Puts an exchange on a connection, or in line for one. */
  dispatch(ex: Exchange): void {
    const now = this.idle.length ? this.now() : 0;
    for (let e = this.idle.pop(); e; e = this.idle.pop()) {
      if (now - e.since < this.idleLimit(e.conn) && e.conn.usable) return this.send(e.conn, ex);
      e.conn.destroy();
    }
    if (this.all.size < this.maxSockets) return this.send(this.connect(), ex);
    this.waiting.push(ex);
  }

  /** Takes an exchange out of the line; false when it was not waiting. */
  unqueue(ex: Exchange): boolean {
    const i = this.waiting.indexOf(ex);
    if (i < 0) return false;
    this.waiting.splice(i, 1);
    return true;
  }

  private start(ex: Exchange): void {
    if (ex.begin()) this.dispatch(ex);
  }

  private send(conn: Connection, ex: Exchange): void {
    ex.conn = conn;
    ex.reused = conn.exchanges > 0;
    conn.send(ex.data, ex, ex.noBody);
  }

  private connect(): Connection {
    const o = this.opts;
    let socket: net.Socket;
    if (o.socketPath) socket = net.connect({ path: o.socketPath });
    else if (o.tls) {
      const host = o.host ?? "localhost";
      const t = tls.connect({
        host,
        port: o.port ?? 443,
        secureContext: o.tls.secureContext,
        rejectUnauthorized: o.tls.rejectUnauthorized,
        servername: o.tls.servername ?? (net.isIP(host) ? undefined : host),
        session: this.session,
      });
      t.on("session", (s: Buffer) => (this.session = s));
      socket = t;
    } else socket = net.connect({ host: o.host ?? "localhost", port: o.port ?? 80 });
    socket.setNoDelay(true);
    if (!o.socketPath) socket.setKeepAlive(true, 1000);
    const conn = new Connection(socket, this);
    this.all.add(conn);
    return conn;
  }

  /** Request bytes: head (with the Host header) and body, one string when the body is one. */
  encode(req: TransportRequest): string | Buffer {
    const head = requestHead(req.method, req.path, this.authority, req.headers, req.body);
    if (req.body === undefined || typeof req.body === "string") return head + (req.body ?? "");
    return Buffer.concat([Buffer.from(head, "latin1"), req.body]);
  }
}

type Settle = (value: TransportResponse | BodyStream) => void;

/** One request through the pool: its retries, timeout, abort and answer. */
class Exchange implements ExchangeHandler {
  conn?: Connection;
  reused = false;
  readonly data: string | Buffer;
  readonly noBody: boolean;
  private head?: ResponseHead;
  private readonly chunks: Buffer[] = [];
  private body?: BodyStream;
  private staleRetries = 0;
  private done = false;
  private timer?: NodeJS.Timeout;
  private readonly onAbort?: () => void;

  constructor(
    private readonly pool: HttpTransport,
    private readonly req: TransportRequest,
    private readonly streaming: boolean,
    private readonly resolve: Settle,
    private readonly reject: (err: Error) => void,
  ) {
    this.data = pool.encode(req);
    this.noBody = req.method === "HEAD";
    if (req.signal) this.onAbort = () => this.giveUp(abortError(req.signal!));
  }

  /** Arms the signal and timer; false when the request is already over. */
  begin(): boolean {
    const signal = this.req.signal;
    if (signal?.aborted) {
      this.done = true;
      this.reject(abortError(signal));
      return false;
    }
    signal?.addEventListener("abort", this.onAbort!, { once: true });
    const ms = this.req.timeoutMs;
    if (ms !== undefined && ms > 0)
      this.timer = setTimeout(() => this.giveUp(timeoutError(ms)), ms);
    return true;
  }

  onHead(head: ResponseHead): void {
    this.head = head;
    if (!this.streaming) return;
    clearTimeout(this.timer);
    const conn = this.conn!;
    this.body = new BodyStream(head, {
      pause: (p) => conn.pause(p),
      cancel: () => {
        this.finish();
        conn.abandon();
      },
    });
    this.resolve(this.body);
  }

  onBody(chunk: Buffer): void {
    if (this.body) this.body.push(chunk);
    else this.chunks.push(chunk);
  }

  onComplete(): void {
    this.finish();
    if (this.body) return this.body.end();
    const h = this.head!;
    const body = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks);
    this.resolve({ status: h.status, headers: h.headers, body });
  }

  onError(err: Error, unanswered: boolean): void {
    if (this.done) return;
    if (
      unanswered &&
      this.reused &&
      IDEMPOTENT.has(this.req.method) &&
      this.staleRetries < MAX_STALE_RETRIES
    ) {
      this.staleRetries++;
      this.conn = undefined;
      return this.pool.dispatch(this);
    }
    this.finish();
    if (this.body) this.body.end(err);
    else this.reject(err);
  }

  /** Abort or timeout: drops the connection (or the place in line) and fails. */
  private giveUp(err: Error): void {
    if (this.done) return;
    this.finish();
    if (!this.pool.unqueue(this)) this.conn?.abandon();
    if (this.body) this.body.end(err);
    else this.reject(err);
  }

  private finish(): void {
    this.done = true;
    clearTimeout(this.timer);
    this.req.signal?.removeEventListener("abort", this.onAbort!);
  }
}
