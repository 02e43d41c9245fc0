/**
 * One kept-alive HTTP/1.1 connection (plain or TLS socket) carrying one
 * exchange at a time: it writes a request, feeds the answer to a
 * ResponseParser, and tells its pool when it is free again or gone.
 */
import type { Socket } from "node:net";
import { hangUpError, truncatedError } from "./errors.ts";
import { ResponseParser, type ResponseHead } from "./response-parser.ts";
import { keepAliveTimeoutMs } from "./keep-alive.ts";

/** Receives one exchange's response; exactly one of onComplete / onError ends it. */
export interface ExchangeHandler {
  onHead(head: ResponseHead): void;
  onBody(chunk: Buffer): void;
  onComplete(): void;
  /** The connection failed; `unanswered` when no byte of the response had arrived. */
  onError(err: Error, unanswered: boolean): void;
}

/** What a connection tells its pool. */
export interface ConnectionOwner {
  /** The exchange ended and the connection can carry another. */
  released(conn: Connection): void;
  /** The socket closed; the connection is gone. */
  closed(conn: Connection): void;
}

export class Connection {
  private readonly parser = new ResponseParser();
  private handler?: ExchangeHandler;
  private keepAlive = true;
  private socketError?: Error;
  /** Exchanges sent on this connection so far. */
  exchanges = 0;
  /** The idle timeout the server's last answer announced (Keep-Alive: timeout=N), in ms. */
  serverIdleTimeoutMs?: number;
  private keepAliveHeader?: string;

  constructor(
    readonly socket: Socket,
    private readonly owner: ConnectionOwner,
  ) {
    socket.on("data", (data: Buffer) => this.onData(data));
    socket.on("end", () => this.onEnd());
    socket.on("error", (err) => (this.socketError ??= err));
    socket.on("close", () => this.onClose());
  }

  /** Whether the socket can still carry a request. */
  get usable(): boolean {
    return !this.socket.destroyed && this.keepAlive && this.handler === undefined;
  }

  /** Writes one request (head and body in one write) and routes its answer to handler. */
  send(data: string | Buffer, handler: ExchangeHandler, noBody: boolean): void {
    this.handler = handler;
    this.exchanges++;
    this.parser.start(
      {
        onHead: (head) => {
          if (!head.keepAlive) this.keepAlive = false;
          const ka = head.headers["keep-alive"];
          if (ka !== this.keepAliveHeader) {
            this.keepAliveHeader = ka;
            this.serverIdleTimeoutMs = keepAliveTimeoutMs(ka);
          }
          handler.onHead(head);
        },
        onBody: (chunk) => handler.onBody(chunk),
        onComplete: () => this.complete(),
      },
      noBody,
    );
    this.socket.ref();
    // A streamed body's reader may have paused reading just as that body ended.
    if (this.socket.isPaused()) this.socket.resume();
    this.socket.write(data);
  }

  /** Stops reading (back-pressure of a streamed body) or starts again. */
  pause(paused: boolean): void {
    if (paused) this.socket.pause();
    else this.socket.resume();
  }

  /** Closes the socket at once; a running exchange fails (its handler may already be detached). */
  destroy(): void {
    this.socket.destroy();
  }

  /** Detaches the running exchange's handler (the caller gave up on it) and closes. */
  abandon(): void {
    this.handler = undefined;
    this.socket.destroy();
  }

  private onData(data: Buffer): void {
    if (!this.parser.busy) {
      // Bytes nobody asked for: the connection can no longer be trusted.
      this.socket.destroy();
      return;
    }
    try {
      this.parser.feed(data);
    } catch (err) {
      this.fail(err as Error);
      this.socket.destroy();
    }
  }

  private complete(): void {
    const h = this.handler;
    this.handler = undefined;
    if (!this.keepAlive) this.socket.destroy();
    h?.onComplete();
    if (this.keepAlive && !this.socket.destroyed) this.owner.released(this);
  }

  private onEnd(): void {
    this.keepAlive = false;
    if (this.parser.busy) {
      try {
        if (this.parser.eof()) return;
      } catch (err) {
        this.fail(err as Error);
      }
    }
    this.socket.destroy();
  }

  private onClose(): void {
    this.keepAlive = false;
    if (this.handler) {
      const unanswered = !this.parser.sawBytes;
      this.fail(this.socketError ?? (unanswered ? hangUpError() : truncatedError()));
    }
    this.owner.closed(this);
  }

  private fail(err: Error): void {
    const h = this.handler;
    if (!h) return;
    this.handler = undefined;
    this.keepAlive = false;
    h.onError(err, !this.parser.sawBytes);
  }
}
