import { readFile } from "node:fs/promises";
import type { Etcd3 } from "etcd3";
import { StorageError } from "../errors.ts";
import { EventEmitter } from "node:events";
import { GrpcChannel } from "./etcd-grpc.ts";
import type { GrpcStream } from "./etcd-grpc-stream.ts";
import { GrpcError } from "./etcd-grpc-wire.ts";
import {
  compactionRequest,
  grpcFrame,
  leaseGrantRequest,
  rangeRequest,
  txnRequest,
  watchRequest,
  type RangeRequest,
  type TxnRequest,
  type WatchRequest,
} from "./etcd-proto-requests.ts";
import {
  decodeHeaderRevision,
  decodeLeaseGrantResponse,
  decodeRangeChunks,
  decodeStatusVersion,
  decodeTxnResponse,
  decodeWatchResponse,
  type LeaseGrantResponse,
  type RangeResponse,
  type TxnResponse,
  type WatchResponse,
} from "./etcd-proto-responses.ts";

/** How to reach etcd (a subset of EtcdBackendOptions). */
export interface EtcdClientOptions {
  /** Client URLs: http://host:port, https://host:port (TLS), etcd://host:port or host:port. */
  endpoints: string[];
  caFile?: string;
  certFile?: string;
  keyFile?: string;
  /** Deadline of each unary request in ms (default 30000). */
  requestTimeoutMs?: number;
}

/**
 * An etcd3 client for the endpoints. TLS (https) when any TLS file is given or
 * the URLs say https; the client certificate is presented when given. gRPC
 * message size limits are lifted (lists and watch replays can be large).
 */
export async function newEtcdClient(opts: EtcdClientOptions): Promise<Etcd3> {
  const { tls, hosts, ca, cert, key } = await etcdConnection(opts);
  const timeout = opts.requestTimeoutMs ?? 30_000;
  // Loaded on demand: the storage driver does not use it (EtcdRpc), only src/ha does.
  const { Etcd3: Client } = await import("etcd3");
  return new Client({
    hosts,
    credentials: tls
      ? {
          // Without a CA file, grpc-js falls back to the system roots.
          rootCertificate: ca as Buffer,
          certChain: cert,
          privateKey: key,
        }
      : undefined,
    grpcOptions: { "grpc.max_receive_message_length": -1, "grpc.max_send_message_length": -1 },
    defaultCallOptions: (ctx) => (ctx.isStream ? {} : { deadline: Date.now() + timeout }),
  });
}

/**
 * The etcd v3 calls the storage driver makes, on the project's own gRPC
 * client (etcd-grpc.ts) and protobuf codec (etcd-proto-requests.ts,
 * etcd-proto-responses.ts): the etcd3 package's client costs several times
 * more CPU per request (grpc-js call stack, retry policies, reflection-based
 * protobuf objects with int64s as strings). Errors are GrpcErrors ("<code> <NAME>: <etcd's message>").
 */
export class EtcdRpc {
  readonly #channel: GrpcChannel;
  readonly #timeoutMs: number;

  constructor(channel: GrpcChannel, timeoutMs: number) {
    this.#channel = channel;
    this.#timeoutMs = timeoutMs;
  }

  async range(req: RangeRequest): Promise<RangeResponse> {
    const res = await this.#channel.unary(
      "/etcdserverpb.KV/Range",
      grpcFrame(rangeRequest(req)),
      this.#timeoutMs,
      { idempotent: true },
    );
    return decodeRangeChunks(res);
  }

  async txn(req: TxnRequest): Promise<TxnResponse> {
    const res = await this.#channel.unary(
      "/etcdserverpb.KV/Txn",
      grpcFrame(txnRequest(req)),
      this.#timeoutMs,
    );
    return decodeTxnResponse(joined(res));
  }

  /** Compacts the history up to revision; resolves to the header's store revision. */
  async compact(revision: number, physical = false): Promise<number> {
    const res = await this.#channel.unary(
      "/etcdserverpb.KV/Compact",
      grpcFrame(compactionRequest(revision, physical)),
      this.#timeoutMs,
    );
    return decodeHeaderRevision(joined(res));
  }

  async leaseGrant(ttlSeconds: number): Promise<LeaseGrantResponse> {
    const res = await this.#channel.unary(
      "/etcdserverpb.Lease/LeaseGrant",
      grpcFrame(leaseGrantRequest(ttlSeconds)),
      this.#timeoutMs,
    );
    return decodeLeaseGrantResponse(joined(res));
  }

  /** The answering member's etcd version (Maintenance.Status). */
  async version(): Promise<string> {
    const res = await this.#channel.unary(
      "/etcdserverpb.Maintenance/Status",
      grpcFrame([]),
      this.#timeoutMs,
      { idempotent: true },
    );
    return decodeStatusVersion(joined(res));
  }

  /** A new Watch stream. */
  watch(): WatchRpc {
    return new WatchRpc(this.#channel.stream("/etcdserverpb.Watch/Watch"));
  }

  close(): void {
    this.#channel.close();
  }
}

/**
 * A Watch RPC: write() sends WatchRequests; "data" events carry decoded
 * WatchResponses, then one "error" or "end" when the stream is over.
 */
export class WatchRpc extends EventEmitter {
  readonly #stream: GrpcStream;

  constructor(stream: GrpcStream) {
    super();
    this.#stream = stream;
    stream.on("data", (message: Buffer) => {
      let res: WatchResponse;
      try {
        res = decodeWatchResponse(message);
      } catch (err) {
        stream.cancel();
        this.emit("error", new GrpcError(13, `bad WatchResponse: ${(err as Error).message}`));
        return;
      }
      this.emit("data", res);
    });
    stream.on("error", (err) => this.emit("error", err));
    stream.on("end", () => this.emit("end"));
  }

  write(req: WatchRequest): void {
    this.#stream.write(grpcFrame(watchRequest(req)));
  }

  cancel(): void {
    this.#stream.cancel();
  }
}

/** A small response's chunks as one buffer. */
function joined(chunks: Buffer[]): Buffer {
  return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
}

/**
 * An EtcdRpc for the endpoints (TLS as in newEtcdClient). A member that does
 * not connect within a third of the request deadline is left for the next
 * (kube-apiserver: 20 s dial timeout, 60 s requests).
 */
export async function newEtcdRpc(opts: EtcdClientOptions): Promise<EtcdRpc> {
  // Without a CA file, Node's default roots are used.
  const { hosts, ca, cert, key } = await etcdConnection(opts);
  const timeoutMs = opts.requestTimeoutMs ?? 30_000;
  const channel = new GrpcChannel(hosts, { ca, cert, key }, { connectTimeoutMs: timeoutMs / 3 });
  return new EtcdRpc(channel, timeoutMs);
}

/**
 * The endpoints as URLs and the TLS files read: TLS when a CA or client
 * certificate file is given (bare endpoints then get https).
 */
async function etcdConnection(opts: EtcdClientOptions): Promise<{
  tls: boolean;
  hosts: string[];
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
}> {
  const { caFile, certFile, keyFile } = opts;
  const tls = caFile !== undefined || certFile !== undefined;
  return {
    tls,
    hosts: opts.endpoints.map((e) => normalizeEndpoint(e, tls)),
    ca: caFile ? await readPem("CA", caFile) : undefined,
    cert: certFile ? await readPem("client certificate", certFile) : undefined,
    key: keyFile ? await readPem("client key", keyFile) : undefined,
  };
}

async function readPem(what: string, file: string): Promise<Buffer> {
  try {
    return await readFile(file);
  } catch (err) {
    throw new StorageError(
      "InvalidArgument",
      `Cannot read etcd ${what} file ${file}: ${(err as Error).message}`,
    );
  }
}

/** An endpoint as http(s)://host:port; etcd://host:port and bare host:port get https when TLS files are given. */
export function normalizeEndpoint(endpoint: string, tls: boolean): string {
  if (/^https?:\/\//.test(endpoint)) return endpoint.replace(/\/+$/, "");
  if (endpoint.startsWith("etcd://")) return `${tls ? "https" : "http"}://${endpoint.slice(7)}`;
  if (/^[a-z0-9+.-]+:\/\//i.test(endpoint)) {
    throw new StorageError(
      "InvalidArgument",
      `Cannot use etcd endpoint ${endpoint}: scheme must be http or https`,
    );
  }
  return `${tls ? "https" : "http"}://${endpoint}`;
}
