import { readFile } from "node:fs/promises";
import { Etcd3 } from "etcd3";
import { StorageError } from "../errors.ts";

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
  const { caFile, certFile, keyFile } = opts;
  const tls = caFile !== undefined || certFile !== undefined;
  const hosts = opts.endpoints.map((e) => normalizeEndpoint(e, tls));
  const timeout = opts.requestTimeoutMs ?? 30_000;
  return new Etcd3({
    hosts,
    credentials: tls
      ? {
          // Without a CA file, grpc-js falls back to the system roots.
          rootCertificate: caFile ? await readPem("CA", caFile) : (undefined as unknown as Buffer),
          certChain: certFile ? await readPem("client certificate", certFile) : undefined,
          privateKey: keyFile ? await readPem("client key", keyFile) : undefined,
        }
      : undefined,
    grpcOptions: { "grpc.max_receive_message_length": -1, "grpc.max_send_message_length": -1 },
    defaultCallOptions: (ctx) => (ctx.isStream ? {} : { deadline: Date.now() + timeout }),
  });
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

/** etcd3 wants http(s)://host:port; etcd://host:port and bare host:port get https when TLS files are given. */
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
