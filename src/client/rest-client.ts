/**
 * A small typed REST client for the Kubernetes API: JSON requests over HTTPS
 * (or plain HTTP on the API server's loopback socket) with keep-alive, client certificates or bearer tokens, a QPS/burst limit
 * (none when qps < 0, as client-go), retries of requests the server turned
 * away with 429 + Retry-After, and streaming watches. Every component talks to the API server through it.
 */
import https from "node:https";
import http from "node:http";
import tls from "node:tls";
import { URL } from "node:url";
import type { KObject } from "../api/types.ts";
import type { Status } from "../api/status.ts";
import { ApiError } from "./api-error.ts";
import type { ClientConfig } from "./kubeconfig.ts";
import { TokenBucket } from "./workqueue/rate-limiter.ts";
import { realClock, type Clock } from "./clock.ts";

/** Where a resource lives in the API. */
export interface ResourceRef {
  group: string;
  version: string;
  resource: string;
  namespaced: boolean;
}

export interface ListOptions {
  labelSelector?: string;
  fieldSelector?: string;
  limit?: number;
  continue?: string;
  resourceVersion?: string;
  resourceVersionMatch?: string;
  timeoutSeconds?: number;
  allowWatchBookmarks?: boolean;
}

export interface WriteOptions {
  dryRun?: boolean;
  fieldManager?: string;
  force?: boolean;
}

export interface WatchEvent<T = KObject> {
  type: "ADDED" | "MODIFIED" | "DELETED" | "BOOKMARK" | "ERROR";
  object: T;
}

export interface ObjectList<T = KObject> {
  apiVersion?: string;
  kind?: string;
  metadata: { resourceVersion?: string; continue?: string; remainingItemCount?: number };
  items: T[];
}

export type PatchType = "json" | "merge" | "strategic" | "apply";

const patchContentTypes: Record<PatchType, string> = {
  json: "application/json-patch+json",
  merge: "application/merge-patch+json",
  strategic: "application/strategic-merge-patch+json",
  apply: "application/apply-patch+yaml",
};

/** The URL path of a collection, object or subresource. */
export function resourcePath(
  ref: ResourceRef,
  namespace?: string,
  name?: string,
  subresource?: string,
): string {
  let path = ref.group ? `/apis/${ref.group}/${ref.version}` : `/api/${ref.version}`;
  if (ref.namespaced && namespace) path += `/namespaces/${encodeURIComponent(namespace)}`;
  path += `/${ref.resource}`;
  if (name !== undefined) path += `/${encodeURIComponent(name)}`;
  if (subresource) path += `/${subresource}`;
  return path;
}

function queryString(params: Record<string, string | number | boolean | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined) q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : "";
}

/** client-go's maxRetries for responses carrying Retry-After. */
const MAX_RETRY_AFTER_ATTEMPTS = 10;

/** The wait (ms) a 429 response asks for with Retry-After seconds; undefined for any other answer. */
function retryAfterMs(res: http.IncomingMessage): number | undefined {
  if (res.statusCode !== 429) return undefined;
  const seconds = Number(res.headers["retry-after"]);
  return Number.isFinite(seconds) && seconds >= 0 ? Math.min(seconds, 10) * 1000 : undefined;
}

export class RestClient {
  private readonly url: URL;
  private readonly agent: http.Agent;
  /** Client-side rate limit; undefined when config.qps < 0 (client-go: no limiter). */
  private readonly limiter?: TokenBucket;
  private readonly clock: Clock;

  constructor(
    private readonly config: ClientConfig,
    opts: { clock?: Clock } = {},
  ) {
    this.url = new URL(config.server);
    this.clock = opts.clock ?? realClock;
    const isHttps = this.url.protocol === "https:" && !config.socketPath;
    this.agent = isHttps
      ? new https.Agent({
          keepAlive: true,
          maxSockets: config.maxSockets ?? 64,
          // One TLS context for every connection: given ca/cert/key instead,
          // Node builds a context per new connection and, worse, puts the
          // PEM texts into the pool key it builds and hashes on every request.
          secureContext: tls.createSecureContext({
            ca: config.ca,
            cert: config.cert,
            key: config.key,
          }),
          rejectUnauthorized: !config.insecureSkipTLSVerify,
        })
      : new http.Agent({ keepAlive: true, maxSockets: config.maxSockets ?? 64 });
    const qps = config.qps ?? 50;
    if (qps >= 0) this.limiter = new TokenBucket(qps, config.burst ?? 100, this.clock);
  }

  /** Closes pooled connections. */
  close(): void {
    this.agent.destroy();
  }

  private async throttle(): Promise<void> {
    if (!this.limiter) return;
    const wait = this.limiter.reserve();
    if (wait > 0) await new Promise<void>((r) => this.clock.after(wait, r));
  }

  private open(
    method: string,
    path: string,
    body: string | undefined,
    contentType: string,
    signal?: AbortSignal,
  ): Promise<http.IncomingMessage> {
    const headers: Record<string, string> = {
      Accept: "application/json",
      "User-Agent": this.config.userAgent ?? "k8ts",
    };
    if (this.config.token) headers.Authorization = `Bearer ${this.config.token}`;
    if (body !== undefined) {
      headers["Content-Type"] = contentType;
      headers["Content-Length"] = String(Buffer.byteLength(body));
    }
    const socketPath = this.config.socketPath;
    const mod = this.url.protocol === "https:" && !socketPath ? https : http;
    return new Promise((resolve, reject) => {
      const req = mod.request(
        {
          ...(socketPath ? { socketPath } : { hostname: this.url.hostname, port: this.url.port }),
          method,
          path,
          headers,
          agent: this.agent,
          signal,
        },
        resolve,
      );
      req.on("error", reject);
      // Headers and body leave in one socket write.
      req.end(body);
    });
  }

  /** Sends one request and parses the JSON answer; non-2xx answers throw ApiError. */
  async request<T>(
    method: string,
    path: string,
    opts: { body?: unknown; contentType?: string; signal?: AbortSignal } = {},
  ): Promise<T> {
    await this.throttle();
    const body =
      opts.body === undefined
        ? undefined
        : typeof opts.body === "string"
          ? opts.body
          : JSON.stringify(opts.body);
    let res: http.IncomingMessage;
    let text: string;
    for (let attempt = 1; ; attempt++) {
      res = await this.open(
        method,
        path,
        body,
        opts.contentType ?? "application/json",
        opts.signal,
      );
      const chunks: Buffer[] = [];
      for await (const chunk of res) chunks.push(chunk as Buffer);
      text = Buffer.concat(chunks).toString();
      // As client-go: a 429 with Retry-After was turned away before any work
      // (max-in-flight), so any verb is sent again after the wait, 10 times at most.
      const after = retryAfterMs(res);
      if (after === undefined || attempt >= MAX_RETRY_AFTER_ATTEMPTS || opts.signal?.aborted) break;
      await new Promise<void>((r) => this.clock.after(after, r));
      await this.throttle();
    }
    const code = res.statusCode ?? 0;
    if (code < 200 || code >= 300) {
      let status: Status | undefined;
      try {
        const parsed = JSON.parse(text);
        if (parsed?.kind === "Status") status = parsed;
      } catch {
        // not a Status body
      }
      throw new ApiError(code, status, `${method} ${path}: ${code} ${text.slice(0, 200)}`);
    }
    return (text ? JSON.parse(text) : undefined) as T;
  }

  get<T = KObject>(ref: ResourceRef, namespace: string | undefined, name: string): Promise<T> {
    return this.request("GET", resourcePath(ref, namespace, name));
  }

  list<T = KObject>(
    ref: ResourceRef,
    namespace?: string,
    opts: ListOptions = {},
  ): Promise<ObjectList<T>> {
    return this.request(
      "GET",
      resourcePath(ref, namespace) + queryString({ ...opts, timeoutSeconds: undefined }),
    );
  }

  create<T = KObject>(
    ref: ResourceRef,
    namespace: string | undefined,
    obj: T,
    opts: WriteOptions = {},
  ): Promise<T> {
    return this.request("POST", resourcePath(ref, namespace) + writeQuery(opts), { body: obj });
  }

  /** PUT of the object (or of a subresource such as "status"). */
  update<T extends KObject>(
    ref: ResourceRef,
    obj: T,
    opts: WriteOptions & { subresource?: string } = {},
  ): Promise<T> {
    const path = resourcePath(ref, obj.metadata?.namespace, obj.metadata?.name, opts.subresource);
    return this.request("PUT", path + writeQuery(opts), { body: obj });
  }

  patch<T = KObject>(
    ref: ResourceRef,
    namespace: string | undefined,
    name: string,
    type: PatchType,
    patch: unknown,
    opts: WriteOptions & { subresource?: string } = {},
  ): Promise<T> {
    const path = resourcePath(ref, namespace, name, opts.subresource) + writeQuery(opts);
    return this.request("PATCH", path, { body: patch, contentType: patchContentTypes[type] });
  }

  delete<T = KObject>(
    ref: ResourceRef,
    namespace: string | undefined,
    name: string,
    opts: {
      propagationPolicy?: "Background" | "Foreground" | "Orphan";
      gracePeriodSeconds?: number;
      preconditions?: { uid?: string; resourceVersion?: string };
    } = {},
  ): Promise<T> {
    return this.request("DELETE", resourcePath(ref, namespace, name), {
      body: { kind: "DeleteOptions", apiVersion: "v1", ...opts },
    });
  }

  /**
   * Streams watch events until the server closes the stream or signal aborts.
   * An ERROR event is yielded as is (its object is a Status); callers re-list on 410.
   */
  async *watch<T = KObject>(
    ref: ResourceRef,
    namespace: string | undefined,
    opts: ListOptions,
    signal?: AbortSignal,
  ): AsyncGenerator<WatchEvent<T>> {
    await this.throttle();
    const path = resourcePath(ref, namespace) + queryString({ ...opts, watch: true });
    const res = await this.open("GET", path, undefined, "", signal);
    if ((res.statusCode ?? 0) >= 300) {
      const chunks: Buffer[] = [];
      for await (const c of res) chunks.push(c as Buffer);
      let status: Status | undefined;
      try {
        status = JSON.parse(Buffer.concat(chunks).toString());
      } catch {
        // not JSON
      }
      throw new ApiError(res.statusCode ?? 0, status, `watch ${path}: ${res.statusCode}`);
    }
    let buffered = "";
    // Decoded as a stream: a multi-byte character split across chunks stays whole.
    res.setEncoding("utf8");
    try {
      for await (const chunk of res) {
        buffered += chunk as string;
        let nl: number;
        while ((nl = buffered.indexOf("\n")) >= 0) {
          const line = buffered.slice(0, nl).trim();
          buffered = buffered.slice(nl + 1);
          if (line) yield JSON.parse(line) as WatchEvent<T>;
        }
      }
    } catch (err) {
      if (signal?.aborted) return;
      throw err;
    } finally {
      res.destroy();
    }
  }
}

function writeQuery(opts: WriteOptions): string {
  return queryString({
    dryRun: opts.dryRun ? "All" : undefined,
    fieldManager: opts.fieldManager,
    force: opts.force ? true : undefined,
  });
}
