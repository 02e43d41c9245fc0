/**
 * Loads the project's runtime.v1 .proto subset and opens the CRI
 * RuntimeService and ImageService over a unix socket. Calls are promisified;
 * failures become RuntimeError with the gRPC status code name.
 */
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import { RuntimeError } from "../runtime.ts";

const protoPath = join(dirname(fileURLToPath(import.meta.url)), "api.proto");

let loaded: grpc.GrpcObject | undefined;

function loadPackage(): grpc.GrpcObject {
  if (!loaded) {
    const def = protoLoader.loadSync(protoPath, {
      keepCase: true,
      longs: String,
      enums: String,
      defaults: true,
      oneofs: true,
    });
    loaded = grpc.loadPackageDefinition(def);
  }
  return loaded;
}

/** A promisified unary call: request object in, response object out. */
export type Unary = (req: Record<string, unknown>, timeoutMs?: number) => Promise<any>;

export interface CriClient {
  runtime: (method: string) => Unary;
  image: (method: string) => Unary;
  close(): void;
}

const codeNames = Object.fromEntries(
  Object.entries(grpc.status).map(([name, code]) => [code as number, name]),
) as Record<number, string>;

function promisify(client: grpc.Client, method: string, defaultTimeoutMs: number): Unary {
  const fn = (client as unknown as Record<string, Function>)[method];
  if (typeof fn !== "function") throw new Error(`CRI method ${method} is not in api.proto`);
  return (req, timeoutMs = defaultTimeoutMs) =>
    new Promise((resolve, reject) => {
      const deadline = new Date(Date.now() + timeoutMs);
      fn.call(client, req, { deadline }, (err: grpc.ServiceError | null, res: unknown) => {
        if (err) {
          reject(
            new RuntimeError(
              method,
              codeNames[err.code] ?? String(err.code),
              err.details || err.message,
            ),
          );
        } else resolve(res);
      });
    });
}

/** Connects to a CRI endpoint such as `unix:///run/containerd/containerd.sock`. */
export function openCriClient(endpoint: string, opts: { timeoutMs?: number } = {}): CriClient {
  const pkg = loadPackage() as any;
  const target = endpoint.startsWith("unix://") ? endpoint : `unix://${endpoint}`;
  const creds = grpc.credentials.createInsecure();
  const options = {
    "grpc.max_receive_message_length": 16 * 1024 * 1024,
    "grpc.enable_retries": 0,
  };
  const runtimeClient: grpc.Client = new pkg.runtime.v1.RuntimeService(target, creds, options);
  const imageClient: grpc.Client = new pkg.runtime.v1.ImageService(target, creds, options);
  const timeout = opts.timeoutMs ?? 120_000;
  const cache = new Map<string, Unary>();
  const get = (client: grpc.Client, prefix: string, method: string) => {
    const key = `${prefix}.${method}`;
    let fn = cache.get(key);
    if (!fn) {
      fn = promisify(client, method, timeout);
      cache.set(key, fn);
    }
    return fn;
  };
  return {
    runtime: (m) => get(runtimeClient, "runtime", m),
    image: (m) => get(imageClient, "image", m),
    close() {
      runtimeClient.close();
      imageClient.close();
    },
  };
}
