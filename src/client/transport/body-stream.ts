/**
 * A response body read as it arrives (watch streams): an async iterable of
 * chunks with back-pressure. Ending the iteration early (break, return,
 * close()) closes the connection under it; a body read to its end leaves the
 * connection to be reused.
 */
import type { ResponseHead } from "./response-parser.ts";

/** Bytes queued before the connection stops reading. */
const HIGH_WATER_BYTES = 1024 * 1024;

/** How a BodyStream drives its connection. */
export interface BodySource {
  pause(paused: boolean): void;
  /** The reader gave up before the end: close the connection. */
  cancel(): void;
}

export class BodyStream implements AsyncIterable<Buffer> {
  readonly status: number;
  readonly headers: Record<string, string>;
  private readonly chunks: Buffer[] = [];
  private queued = 0;
  private paused = false;
  private ended = false;
  private closed = false;
  private error?: Error;
  private wake?: () => void;

  constructor(
    head: ResponseHead,
    private readonly source: BodySource,
  ) {
    this.status = head.status;
    this.headers = head.headers;
  }

  /** Transport side: a chunk arrived. */
  push(chunk: Buffer): void {
    if (this.closed) return;
    this.chunks.push(chunk);
    this.queued += chunk.length;
    if (!this.paused && this.queued > HIGH_WATER_BYTES) {
      this.paused = true;
      this.source.pause(true);
    }
    this.notify();
  }

  /** Transport side: the body ended (err: it was cut short). */
  end(err?: Error): void {
    if (this.ended) return;
    this.ended = true;
    this.error = err;
    this.notify();
  }

  /** Stops reading; the connection is closed unless the body had already ended. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.chunks.length = 0;
    if (!this.ended) this.source.cancel();
    this.notify();
  }

  /** The whole remaining body. */
  async readAll(): Promise<Buffer> {
    const parts: Buffer[] = [];
    for await (const c of this) parts.push(c);
    return parts.length === 1 ? parts[0]! : Buffer.concat(parts);
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<Buffer> {
    try {
      for (;;) {
        const chunk = this.chunks.shift();
        if (chunk) {
          this.queued -= chunk.length;
          if (this.paused && this.queued <= HIGH_WATER_BYTES / 2) {
            this.paused = false;
            this.source.pause(false);
          }
          yield chunk;
          continue;
        }
        if (this.closed) return;
        if (this.ended) {
          if (this.error) throw this.error;
          return;
        }
        await new Promise<void>((r) => (this.wake = r));
      }
    } finally {
      this.close();
    }
  }

  private notify(): void {
    const w = this.wake;
    this.wake = undefined;
    w?.();
  }
}
