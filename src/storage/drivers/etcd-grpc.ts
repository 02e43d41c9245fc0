/**
 * A minimal gRPC client over node:http2 for the etcd driver: unary calls and
 * one kind of bidirectional stream (Watch), uncompressed messages, on one
 * HTTP/2 session to one endpoint at a time. A broken or refused session
 * moves to the next endpoint on the following call; a session that does not
 * connect in time, or stops answering HTTP/2 pings, is dropped (dial timeout
 * and keepalive, as etcd's Go client); one that has opened many streams is
 * replaced before HTTP/2's stream ids run out. Calls that cannot have been
 * applied, and reads, are retried with a short backoff until their deadline.
 * Messages are encoded and decoded by the caller (etcd-proto-requests.ts and
 * etcd-proto-responses.ts); etcd-grpc-wire.ts frames them; etcd-grpc-stream.ts
 * carries a Watch.
 */
import { connect, constants, type ClientHttp2Session, type ClientHttp2Stream } from "node:http2";
import { realClock, type Clock, type TimerHandle } from "../../client/clock.ts";
import { GrpcStream } from "./etcd-grpc-stream.ts";
import { GrpcError, grpcMessage, statusOf } from "./etcd-grpc-wire.ts";

export interface GrpcTls {
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
}

/** HTTP/2 windows: large, so big lists and watch replays stream without per-64 KiB round trips. */
const WINDOW_BYTES = 16 * 1024 * 1024;

/** How often pending unary calls are checked against their deadlines. */
const DEADLINE_SWEEP_MS = 1000;

/** Retry backoff once every endpoint has been tried: doubling to the cap, ±20% (gRPC's jitter). */
const RETRY_FIRST_MS = 25;
const RETRY_MAX_MS = 500;
const RETRY_JITTER = 0.2;

/**
 * Streams a session opens before it is replaced: a client has 2^30 stream ids
 * per HTTP/2 connection, and Node keeps an exhausted session open while
 * failing every new stream on it.
 */
const MAX_STREAMS_PER_SESSION = 2 ** 29;

/** Sessions that completed their connection (and TLS handshake). */
const CONNECTED = new WeakSet<ClientHttp2Session>();

export interface ChannelOptions {
  /** Keepalive ping interval while calls or streams are open (kube-apiserver's etcd client: 30 s). */
  intervalMs?: number;
  /** Without a ping's ack by then, the session is destroyed (10 s). */
  timeoutMs?: number;
  /**
   * A session not connected (TCP and TLS) by then is destroyed and its calls,
   * unsent, go to the next endpoint (10 s; kube-apiserver dials etcd with a
   * timeout shorter than its request timeout for the same reason).
   */
  connectTimeoutMs?: number;
  /** Streams opened on one session before the next call opens a new one (2^29). */
  maxStreamsPerSession?: number;
  clock?: Clock;
}

/** What the channel tracks per session: its open calls, streams opened, and its timers. */
interface SessionState {
  active: number;
  opened: number;
  keepalive?: TimerHandle;
  connecting?: TimerHandle;
  /** A ping awaiting its ack. */
  pinging: boolean;
}

/** A call that failed before its session connected: etcd never saw it. */
class NotConnected extends Error {
  constructor(override readonly cause: GrpcError) {
    super(cause.message);
  }
}

/** A call whose connection failed after connecting: etcd may or may not have applied it. */
class TransportError extends Error {
  constructor(override readonly cause: GrpcError) {
    super(cause.message);
  }
}

interface Pending {
  stream: ClientHttp2Stream;
  deadline: number;
  fail: (err: Error) => void;
}

/**
 * One HTTP/2 connection at a time to one of the endpoints (http:// or
 * https:// URLs). A session that fails or closes is dropped; the next call
 * connects to the next endpoint in turn.
 */
export class GrpcChannel {
  readonly #endpoints: string[];
  readonly #tls: GrpcTls | undefined;
  #next = 0;
  #session: ClientHttp2Session | undefined;
  /** Replaced sessions whose open streams still run on them. */
  readonly #draining = new Set<ClientHttp2Session>();
  readonly #pending = new Set<Pending>();
  #sweep: TimerHandle | undefined;
  #closed = false;
  /**
   * Per session: open calls and streams (a session keeps the process alive
   * only while it has some) and the keepalive that runs meanwhile.
   */
  readonly #sessions = new WeakMap<ClientHttp2Session, SessionState>();
  readonly #keepaliveMs: number;
  readonly #keepaliveTimeoutMs: number;
  readonly #connectTimeoutMs: number;
  readonly #maxStreams: number;
  readonly #clock: Clock;

  constructor(endpoints: string[], tls?: GrpcTls, opts: ChannelOptions = {}) {
    this.#endpoints = endpoints;
    this.#tls = tls;
    this.#keepaliveMs = opts.intervalMs ?? 30_000;
    this.#keepaliveTimeoutMs = opts.timeoutMs ?? 10_000;
    this.#connectTimeoutMs = opts.connectTimeoutMs ?? 10_000;
    this.#maxStreams = opts.maxStreamsPerSession ?? MAX_STREAMS_PER_SESSION;
    this.#clock = opts.clock ?? realClock;
  }

  /**
   * Sends one framed request to path (/package.Service/Method); resolves to
   * the response message's chunks. A call whose connection failed is tried
   * again, on the next endpoint, when etcd cannot have applied it (it never
   * reached a connected session, or the server refused the stream) or it is
   * idempotent; after every endpoint has been tried, with a backoff, until
   * the deadline. Any other failure is the caller's.
   */
  async unary(
    path: string,
    frame: Buffer,
    timeoutMs: number,
    opts: { idempotent?: boolean } = {},
  ): Promise<Buffer[]> {
    const clock = this.#clock;
    const deadline = clock.now() + timeoutMs;
    let backoff = RETRY_FIRST_MS;
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.#unaryOnce(path, frame, deadline);
      } catch (err) {
        const transport = err instanceof NotConnected || err instanceof TransportError;
        const retry = err instanceof NotConnected || (opts.idempotent && transport);
        const wait =
          attempt % this.#endpoints.length === 0
            ? Math.round(backoff * (1 + RETRY_JITTER * (2 * Math.random() - 1)))
            : 0;
        if (!retry || this.#closed || clock.now() + wait >= deadline) {
          throw transport ? (err as NotConnected).cause : err;
        }
        if (wait > 0) {
          await pause(clock, wait);
          backoff = Math.min(backoff * 2, RETRY_MAX_MS);
        }
      }
    }
  }

  #unaryOnce(path: string, frame: Buffer, deadline: number): Promise<Buffer[]> {
    const timeoutMs = Math.max(1, deadline - this.#clock.now());
    return new Promise<Buffer[]>((resolve, reject) => {
      let stream: ClientHttp2Stream;
      try {
        stream = this.#request(path, timeoutMs);
      } catch (err) {
        reject(err instanceof GrpcError ? err : new GrpcError(14, (err as Error).message));
        return;
      }
      const chunks: Buffer[] = [];
      let status: GrpcError | null | undefined;
      let settled = false;
      const session = this.#session!;
      const pending: Pending = {
        stream,
        deadline,
        fail: (err) => finish(err),
      };
      const finish = (err?: Error) => {
        if (settled) return;
        settled = true;
        this.#pending.delete(pending);
        if (err) {
          if (!stream.closed) stream.close(constants.NGHTTP2_CANCEL);
          reject(err);
          return;
        }
        const message = grpcMessage(chunks);
        if (message) resolve(message);
        else reject(new GrpcError(13, "malformed gRPC response"));
      };
      this.#pending.add(pending);
      this.#armSweep();
      stream.on("response", (headers) => (status = statusOf(headers)));
      stream.on("trailers", (trailers) => (status = statusOf(trailers)));
      stream.on("data", (chunk: Buffer) => chunks.push(chunk));
      const transportFailure = (message: string) => {
        const failure = new GrpcError(14, message);
        // A refused stream (RST_STREAM REFUSED_STREAM, or above a GOAWAY's last
        // stream id) was not processed, as one that never left; one without an
        // id (the session ran out of them) never left.
        const unsent =
          !CONNECTED.has(session) ||
          stream.id === undefined ||
          stream.rstCode === constants.NGHTTP2_REFUSED_STREAM;
        return unsent ? new NotConnected(failure) : new TransportError(failure);
      };
      stream.on("error", (err) => finish(transportFailure(err.message)));
      stream.on("close", () => {
        if (status === null) finish();
        else finish(status ?? transportFailure(`stream closed (HTTP/2 code ${stream.rstCode})`));
      });
      stream.end(frame);
    });
  }

  /** Opens a bidirectional stream on path. */
  stream(path: string): GrpcStream {
    return new GrpcStream(this.#request(path, undefined));
  }

  /** Closes the session; pending calls fail. */
  close(): void {
    this.#closed = true;
    this.#sweep?.cancel();
    this.#sweep = undefined;
    for (const p of [...this.#pending]) p.fail(new GrpcError(1, "the etcd client is closed"));
    this.#session?.destroy();
    this.#session = undefined;
    for (const session of this.#draining) session.destroy();
  }

  #request(path: string, timeoutMs: number | undefined): ClientHttp2Stream {
    if (this.#closed) throw new GrpcError(14, "the etcd client is closed");
    const headers: Record<string, string> = {
      ":method": "POST",
      ":path": path,
      "content-type": "application/grpc",
      te: "trailers",
    };
    if (timeoutMs !== undefined) headers["grpc-timeout"] = `${Math.max(1, Math.ceil(timeoutMs))}m`;
    const session = this.#connected();
    const stream = session.request(headers, { endStream: false });
    const state = this.#sessions.get(session)!;
    state.opened++;
    if (state.active++ === 0) this.#busy(session, state);
    stream.once("close", () => {
      if (--state.active === 0) this.#idle(session, state);
    });
    stream.on("error", (err: NodeJS.ErrnoException) => {
      // Past the last stream id every new stream fails this way while the
      // session stays open: replace it (its open streams finish on it).
      if (err.code === "ERR_HTTP2_OUT_OF_STREAMS") this.#drain(session);
    });
    return stream;
  }

  /** A session's first open call: it keeps the process alive, and is pinged. */
  #busy(session: ClientHttp2Session, state: SessionState): void {
    session.ref();
    const tick = () => {
      state.keepalive = this.#clock.after(this.#keepaliveMs, tick);
      this.#ping(session, state);
    };
    state.keepalive = this.#clock.after(this.#keepaliveMs, tick);
  }

  /** A session's last call closed. */
  #idle(session: ClientHttp2Session, state: SessionState): void {
    state.keepalive?.cancel();
    state.keepalive = undefined;
    if (!session.destroyed) session.unref();
  }

  /**
   * Pings the session unless a ping is already out; destroys it (failing its
   * calls as transport failures, which retries route to the next endpoint)
   * when no ack comes within the keepalive timeout, or at once when it never
   * connected.
   */
  #ping(session: ClientHttp2Session, state: SessionState): void {
    if (state.pinging || session.destroyed) return;
    if (!CONNECTED.has(session)) {
      // Still not connected (a TLS handshake that never completes) after a
      // keepalive interval or a call's whole deadline: give up on it.
      this.#retire(session);
      session.destroy();
      return;
    }
    state.pinging = true;
    const timer = this.#clock.after(this.#keepaliveTimeoutMs, () => {
      this.#retire(session);
      session.destroy(new Error("etcd did not answer a keepalive ping"));
    });
    const sent = session.ping((err) => {
      state.pinging = false;
      timer.cancel();
      if (err && !session.destroyed) {
        this.#retire(session);
        session.destroy();
      }
    });
    if (!sent) {
      state.pinging = false;
      timer.cancel();
    }
  }

  #connected(): ClientHttp2Session {
    const current = this.#session;
    if (current) {
      const usable = !current.closed && !current.destroyed;
      if (usable && this.#sessions.get(current)!.opened < this.#maxStreams) return current;
      if (usable) this.#drain(current);
      else this.#retire(current);
    }
    const url = this.#endpoints[this.#next % this.#endpoints.length]!;
    const tls = url.startsWith("https:") ? this.#tls : undefined;
    const session = connect(url, {
      ...tls,
      settings: { initialWindowSize: WINDOW_BYTES, enablePush: false },
      maxSessionMemory: 256,
    });
    const state: SessionState = { active: 0, opened: 0, pinging: false };
    state.connecting = this.#clock.after(this.#connectTimeoutMs, () => {
      // Not connected in time (a SYN or TLS handshake never answered): its
      // calls were not sent, and go to the next endpoint.
      this.#retire(session);
      session.destroy();
    });
    session.on("connect", () => {
      CONNECTED.add(session);
      state.connecting?.cancel();
      session.setLocalWindowSize(WINDOW_BYTES);
    });
    this.#sessions.set(session, state);
    const drop = () => this.#retire(session);
    session.on("error", drop);
    session.on("goaway", drop);
    session.on("close", () => {
      drop();
      state.connecting?.cancel();
      state.keepalive?.cancel();
    });
    // An idle session does not keep the process alive (see #request).
    session.unref();
    this.#session = session;
    return session;
  }

  /** Replaces a working session: no new streams on it; open ones (a watch) finish on it. */
  #drain(session: ClientHttp2Session): void {
    if (this.#session === session) this.#session = undefined;
    if (session.closed || session.destroyed) return;
    this.#draining.add(session);
    session.once("close", () => this.#draining.delete(session));
    session.close();
  }

  /** Forgets a failed or closing session; the next call tries the next endpoint. */
  #retire(session: ClientHttp2Session): void {
    if (this.#session !== session) return;
    this.#session = undefined;
    this.#next++;
  }

  /** Checks pending calls' deadlines once a second while any are pending. */
  #armSweep(): void {
    if (this.#sweep) return;
    const sweep = () => {
      const now = this.#clock.now();
      for (const p of this.#pending) {
        if (p.deadline > now) continue;
        const session = p.stream.session as ClientHttp2Session | undefined;
        p.fail(new GrpcError(4, "Deadline exceeded"));
        // A call out of time may mean a member that stopped answering without
        // closing the connection: check its session now, not at the next keepalive.
        const state = session && this.#sessions.get(session);
        if (state) this.#ping(session, state);
      }
      this.#sweep =
        this.#pending.size > 0 ? this.#clock.after(DEADLINE_SWEEP_MS, sweep) : undefined;
    };
    this.#sweep = this.#clock.after(DEADLINE_SWEEP_MS, sweep);
  }
}

/** Waits ms of clock time, keeping the process alive meanwhile as an open call does. */
function pause(clock: Clock, ms: number): Promise<void> {
  const hold = setInterval(() => {}, 60_000);
  return new Promise((resolve) =>
    clock.after(ms, () => {
      clearInterval(hold);
      resolve();
    }),
  );
}
