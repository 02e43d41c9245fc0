/**
 * Reads a kubeconfig file into what a client needs to connect: the server
 * URL, the CA, and client credentials (certificate pair or bearer token).
 */
import { readFileSync } from "node:fs";
import { dirname, isAbsolute, join } from "node:path";
import { parseYaml as parse } from "../util/yaml-on-use.ts";

export interface ClientConfig {
  server: string;
  ca?: string;
  cert?: string;
  key?: string;
  token?: string;
  insecureSkipTLSVerify?: boolean;
  /** Name checked against the server's certificate and sent as SNI (default: the URL's host unless an IP). */
  tlsServerName?: string;
  /** Time limit (ms) of each non-watch request; none when absent (client-go: no timeout by default). */
  timeoutMs?: number;
  /** Requests per second and burst (client-go defaults 5/10; components raise them). */
  qps?: number;
  burst?: number;
  userAgent?: string;
  /** Pooled connections to the server (default 64; each watch holds one). */
  maxSockets?: number;
  /**
   * Connect through this Unix socket with plain HTTP instead of to `server`
   * (the API server's loopback socket; in-process components only).
   */
  socketPath?: string;
}

interface NamedEntry<T> {
  name: string;
  [key: string]: unknown;
  value?: T;
}

interface KubeconfigFile {
  "current-context"?: string;
  clusters?: (NamedEntry<unknown> & { cluster?: Record<string, unknown> })[];
  users?: (NamedEntry<unknown> & { user?: Record<string, unknown> })[];
  contexts?: (NamedEntry<unknown> & { context?: { cluster?: string; user?: string } })[];
}

/** Loads the current context (or `context`) of a kubeconfig file. */
export function loadKubeconfig(path: string, context?: string): ClientConfig {
  const text = readFileSync(path, "utf8");
  const cfg = parse(text) as KubeconfigFile;
  const ctxName = context ?? cfg["current-context"];
  const ctx = cfg.contexts?.find((c) => c.name === ctxName)?.context ?? cfg.contexts?.[0]?.context;
  if (!ctx) throw new Error(`Cannot load kubeconfig ${path}: no context ${ctxName ?? ""}`);
  const cluster = cfg.clusters?.find((c) => c.name === ctx.cluster)?.cluster;
  if (!cluster || typeof cluster.server !== "string") {
    throw new Error(`Cannot load kubeconfig ${path}: cluster ${ctx.cluster} has no server`);
  }
  const user = cfg.users?.find((u) => u.name === ctx.user)?.user ?? {};
  const base = dirname(path);
  const inlineOrFile = (data: unknown, file: unknown): string | undefined => {
    if (typeof data === "string") return Buffer.from(data, "base64").toString();
    if (typeof file === "string")
      return readFileSync(isAbsolute(file) ? file : join(base, file), "utf8");
    return undefined;
  };
  return {
    server: cluster.server,
    ca: inlineOrFile(cluster["certificate-authority-data"], cluster["certificate-authority"]),
    insecureSkipTLSVerify: cluster["insecure-skip-tls-verify"] === true,
    tlsServerName:
      typeof cluster["tls-server-name"] === "string" ? cluster["tls-server-name"] : undefined,
    cert: inlineOrFile(user["client-certificate-data"], user["client-certificate"]),
    key: inlineOrFile(user["client-key-data"], user["client-key"]),
    token:
      typeof user.token === "string"
        ? user.token
        : typeof user.tokenFile === "string"
          ? readFileSync(user.tokenFile, "utf8").trim()
          : undefined,
  };
}
