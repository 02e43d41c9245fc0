/**
 * One client connection of the lean HTTP path. Requests are read one at a
 * time: the head (request-head.ts), then a Content-Length body, then the
 * request is dispatched and nothing more is parsed until its answer ends, so
 * pipelined requests are answered in order. A head that is not of the common
 * shape, or that `handOff` gives away (upgrades, proxies, watches), passes the
 * connection to Node's HTTP server: the bytes read so far are put back on the
 * socket and the server gets it as a new connection, at a request boundary.
 */
import type { Server } from "node:http";
import type { Socket } from "node:net";
import { LightRequest } from "./light-request.ts";
import { LightResponse, type ResponseSink } from "./light-response.ts";
import { MAX_HEAD_BYTES, parseRequestHead, type RequestHead } from "./request-head.ts";

export type RequestListener = (req: LightRequest, res: LightResponse) => void;

/** What every connection of one listener shares. */
export interface ConnectionOptions {
  onRequest: RequestListener;
  /** Node's server, for the requests this path does not serve. */
  fallback: Server;
  /** Whether Node's server should take the connection from this request on. */
  handOff(head: RequestHead): boolean;
  /** Larger bodies go to Node's server (which answers 413). */
  maxBodyBytes: number;
  keepAliveTimeoutMs: number;
  headersTimeoutMs: number;
}

const enum State {
  /** Between requests. */
  Idle,
  /** Reading a head or a body. */
  Reading,
  /** A request is being answered. */
  Busy,
  /** Closed or handed to Node. */
  Gone,
}

const HEAD_END = Buffer.from("\r\n\r\n", "latin1");
const BARE_LF_END = Buffer.from("\n\n", "latin1");
const BAD_REQUEST = "HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n";
const TIMEOUT = "HTTP/1.1 408 Request Timeout\r\nConnection: close\r\n\r\n";
/** Unread bytes kept while a request is answered before the socket is paused. */
const PAUSE_BYTES = 256 * 1024;

export class LeanConnection implements ResponseSink {
  readonly socket: Socket;
  readonly keepAliveSeconds: number;
  private readonly opts: ConnectionOptions;
  private readonly forget: (conn: LeanConnection) => void;
  private state = State.Idle;
  /** When the current state began (ms). */
  private since = Date.now();
  private chunks: Buffer[] = [];
  private buffered = 0;
  /** Bytes of chunks[0] already searched for the head's end. */
  private searched = 0;
  private head?: RequestHead;
  private req?: LightRequest;
  private res?: LightResponse;
  private clientEnded = false;
  private paused = false;
  /** Waiting for the client to read an answer before parsing the next request. */
  private draining = false;
  private readonly onData = (chunk: Buffer) => this.received(chunk);
  private readonly onEnd = () => this.ended();
  private readonly onClose = () => this.closed();
  private readonly onError = () => this.socket.destroy();
  private readonly onDrain = () => {
    this.draining = false;
    if (this.state === State.Idle) this.resume();
  };

  constructor(socket: Socket, opts: ConnectionOptions, forget: (conn: LeanConnection) => void) {
    this.socket = socket;
    this.opts = opts;
    this.forget = forget;
    this.keepAliveSeconds = Math.floor(opts.keepAliveTimeoutMs / 1000);
    socket.setNoDelay(true);
    socket.on("data", this.onData);
    socket.on("end", this.onEnd);
    socket.on("close", this.onClose);
    socket.on("error", this.onError);
  }

  send(data: string | Buffer): boolean {
    if (this.state === State.Gone) return true;
    return this.socket.write(data);
  }

  done(close: boolean): void {
    if (this.state !== State.Busy) return;
    this.req = undefined;
    this.res = undefined;
    this.state = State.Idle;
    this.since = Date.now();
    if (close || this.clientEnded) {
      this.state = State.Gone;
      this.release();
      this.socket.end();
      return;
    }
    // As Node's server: while the client has not read the answers, read no more requests.
    if (this.socket.writableNeedDrain) {
      this.draining = true;
      if (!this.paused) {
        this.paused = true;
        this.socket.pause();
      }
      this.socket.once("drain", this.onDrain);
      return;
    }
    this.resume();
  }

  private resume(): void {
    if (this.paused) {
      this.paused = false;
      this.socket.resume();
    }
    // Pipelined requests: parsed after the answer's caller returns.
    if (this.buffered > 0) process.nextTick(() => this.parse());
  }

  /** Closes the connection if it has waited too long for a head or the next request. */
  checkTimeouts(now: number): void {
    if (
      this.state === State.Idle &&
      !this.draining &&
      now - this.since > this.opts.keepAliveTimeoutMs
    ) {
      this.socket.destroy();
    } else if (
      this.state === State.Reading &&
      this.head === undefined &&
      now - this.since > this.opts.headersTimeoutMs
    ) {
      this.fail(TIMEOUT);
    }
  }

  destroy(): void {
    this.socket.destroy();
  }

  private received(chunk: Buffer): void {
    if (this.state === State.Gone) return;
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    if (this.state === State.Busy || this.draining) {
      if (this.buffered > PAUSE_BYTES && !this.paused) {
        this.paused = true;
        this.socket.pause();
      }
      return;
    }
    if (this.state === State.Idle) {
      this.state = State.Reading;
      this.since = Date.now();
    }
    this.parse();
  }

  /** Reads the next request from what is buffered and dispatches it. */
  private parse(): void {
    if (this.state === State.Busy || this.state === State.Gone || this.draining) return;
    if (this.buffered === 0) return;
    if (this.state === State.Idle) {
      this.state = State.Reading;
      this.since = Date.now();
    }
    let head = this.head;
    if (head === undefined) {
      const buf = this.flatten();
      const end = buf.indexOf(HEAD_END, Math.max(0, this.searched - 3));
      if (end < 0) {
        this.searched = buf.length;
        // Too long, or lines ended by bare LF: Node's server answers as it does (431, 400).
        if (buf.length > MAX_HEAD_BYTES || buf.includes(BARE_LF_END)) this.toNode();
        else if (this.clientEnded) this.fail(BAD_REQUEST);
        return;
      }
      head = end + 4 > MAX_HEAD_BYTES ? undefined : parseRequestHead(buf, end);
      if (
        head === undefined ||
        head.contentLength > this.opts.maxBodyBytes ||
        this.opts.handOff(head)
      ) {
        this.toNode();
        return;
      }
      this.head = head;
    }
    const total = head.size + head.contentLength;
    if (this.buffered < total) {
      if (this.clientEnded) this.fail(BAD_REQUEST);
      return;
    }
    const buf = this.flatten();
    const body = buf.subarray(head.size, total);
    if (buf.length > total) {
      this.chunks = [buf.subarray(total)];
      this.buffered = buf.length - total;
    } else {
      this.chunks = [];
      this.buffered = 0;
    }
    this.searched = 0;
    this.head = undefined;
    this.state = State.Busy;
    const req = new LightRequest(head, body, this.socket);
    const res = new LightResponse(this, req, !head.close);
    this.req = req;
    this.res = res;
    this.opts.onRequest(req, res);
  }

  /** The buffered bytes as one Buffer. */
  private flatten(): Buffer {
    if (this.chunks.length === 1) return this.chunks[0]!;
    const buf = Buffer.concat(this.chunks, this.buffered);
    this.chunks = [buf];
    return buf;
  }

  /** Gives the connection, with the bytes read so far, to Node's HTTP server. */
  private toNode(): void {
    const socket = this.socket;
    const read = this.buffered > 0 ? this.flatten() : undefined;
    this.state = State.Gone;
    this.release();
    socket.off("data", this.onData);
    socket.off("end", this.onEnd);
    socket.off("close", this.onClose);
    socket.off("error", this.onError);
    if (this.clientEnded || socket.readableEnded) {
      socket.destroy();
      return;
    }
    // Node's server then reads through the stream (where the bytes are put back), not the handle.
    const handle = (socket as unknown as { _handle?: { _consumed?: boolean } })._handle;
    if (handle) handle._consumed = true;
    socket.pause();
    if (read) socket.unshift(read);
    this.opts.fallback.emit("connection", socket);
    socket.resume();
  }

  /** The client half-closed: answer what is in flight, then close. */
  private ended(): void {
    this.clientEnded = true;
    // The request in flight (or the one buffered and about to be parsed) is answered, then
    // done() closes: requests pipelined after it are not (Node's server answers none).
    if (this.state === State.Busy || (this.state === State.Idle && this.buffered > 0)) return;
    if (this.state === State.Reading) {
      this.fail(BAD_REQUEST);
      return;
    }
    this.state = State.Gone;
    this.release();
    this.socket.end();
  }

  private closed(): void {
    const wasBusy = this.state === State.Busy;
    this.state = State.Gone;
    this.release();
    if (wasBusy) {
      this.req?.aborted();
      this.res?.aborted();
    }
  }

  /** Writes a bare error answer and closes. */
  private fail(answer: string): void {
    this.state = State.Gone;
    this.release();
    this.socket.end(answer);
  }

  private release(): void {
    this.chunks = [];
    this.buffered = 0;
    this.forget(this);
  }
}
