/**
 * A bidirectional gRPC call (etcd's Watch) on a stream the channel opened
 * (etcd-grpc.ts): request messages out, response messages in.
 */
import { constants, type ClientHttp2Stream } from "node:http2";
import { EventEmitter } from "node:events";
import { FrameParser, GrpcError, statusOf } from "./etcd-grpc-wire.ts";

/** A bidirectional gRPC stream: write request messages, receive "data" (one message each), "error", "end". */
export class GrpcStream extends EventEmitter {
  readonly #stream: ClientHttp2Stream;
  #done = false;

  constructor(stream: ClientHttp2Stream) {
    super();
    this.#stream = stream;
    const parser = new FrameParser();
    let status: GrpcError | null | undefined;
    stream.on("response", (headers) => (status = statusOf(headers)));
    stream.on("trailers", (trailers) => (status = statusOf(trailers)));
    stream.on("data", (chunk: Buffer) => {
      if (this.#done) return;
      let messages: Buffer[];
      try {
        messages = parser.push(chunk);
      } catch (err) {
        this.#finish(err as Error);
        return;
      }
      for (const m of messages) {
        if (this.#done) return;
        this.emit("data", m);
      }
    });
    stream.on("error", (err) => this.#finish(new GrpcError(14, err.message)));
    stream.on("close", () => {
      if (status) this.#finish(status);
      else if (status === null) this.#finish();
      else this.#finish(new GrpcError(14, `stream closed (HTTP/2 code ${stream.rstCode})`));
    });
  }

  /** Sends one framed request message (see grpcFrame in etcd-proto-requests.ts). */
  write(frame: Buffer): void {
    if (this.#done) throw new GrpcError(1, "the stream is closed");
    this.#stream.write(frame);
  }

  /** Ends the call from this side (RST_STREAM CANCEL); no event follows. */
  cancel(): void {
    this.#done = true;
    if (!this.#stream.closed) this.#stream.close(constants.NGHTTP2_CANCEL);
  }

  #finish(err?: Error): void {
    if (this.#done) return;
    this.#done = true;
    if (!this.#stream.closed) this.#stream.close(constants.NGHTTP2_CANCEL);
    if (err) this.emit("error", err);
    else this.emit("end");
  }
}
