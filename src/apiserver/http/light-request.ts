/**
 * The request side of the lean HTTP path: what handlers read of an
 * IncomingMessage (method, url, headers, headersDistinct, socket), with the
 * body already read whole. readBody takes it from `body`; pipe() sends it on
 * (the aggregator's proxy). "close" is emitted when the client goes away
 * before the answer.
 */
import { EventEmitter } from "node:events";
import type { Socket } from "node:net";
import type { RequestHead } from "./request-head.ts";

export class LightRequest extends EventEmitter {
  readonly method: string;
  readonly url: string;
  readonly headers: Record<string, string | string[]>;
  readonly httpVersion = "1.1";
  readonly httpVersionMajor = 1;
  readonly httpVersionMinor = 1;
  readonly complete = true;
  readonly socket: Socket;
  /** True once the body was taken (as a stream that has ended). */
  readableEnded = false;
  destroyed = false;
  private readonly raw: string[];
  private readonly body: Buffer;

  constructor(head: RequestHead, body: Buffer, socket: Socket) {
    super();
    this.method = head.method;
    this.url = head.url;
    this.headers = head.headers;
    this.raw = head.raw;
    this.body = body;
    this.socket = socket;
  }

  get connection(): Socket {
    return this.socket;
  }

  /** Every value of every header, by lower-cased name. */
  get headersDistinct(): Record<string, string[]> {
    const out: Record<string, string[]> = {};
    for (let i = 0; i < this.raw.length; i += 2) {
      const name = this.raw[i]!;
      (out[name] ??= []).push(this.raw[i + 1]!);
    }
    return out;
  }

  /** The body; the stream counts as consumed from now on. */
  takeBody(): Buffer {
    this.readableEnded = true;
    return this.body;
  }

  /** Writes the body to `dest` and ends it. */
  pipe<T extends NodeJS.WritableStream>(dest: T): T {
    const body = this.takeBody();
    if (body.length > 0) dest.end(body);
    else dest.end();
    return dest;
  }

  pause(): this {
    return this;
  }

  resume(): this {
    return this;
  }

  setTimeout(): this {
    return this;
  }

  destroy(): this {
    if (!this.destroyed) {
      this.destroyed = true;
      this.socket.destroy();
    }
    return this;
  }

  /** The connection closed before the answer was complete. */
  aborted(): void {
    this.destroyed = true;
    this.emit("close");
  }
}
