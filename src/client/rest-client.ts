/**
 * A small typed REST client for the Kubernetes API: JSON requests over HTTPS
 * (or plain HTTP on the API server's loopback socket) with keep-alive, client certificates or bearer tokens, a QPS/burst limit
 * (none when qps < 0, as client-go), retries of requests the server turned
 * away with 429 + Retry-After, and streaming watches. Every component talks to the API server through it.
 */
import { StringDecoder } from "node:string_decoder";
import tls from "node:tls";
import { URL } from "node:url";
import type { KObject } from "../api/types.ts";
import type { Status } from "../api/status.ts";
import { ApiError } from "./api-error.ts";
import type { ClientConfig } from "./kubeconfig.ts";
import { TokenBucket } from "./workqueue/rate-limiter.ts";
import { realClock, type Clock } from "./clock.ts";
import { HttpTransport, type TransportResponse } from "./transport/http-transport.ts";
import { formatHeaders } from "./transport/request-head.ts";
import type { BodyStream } from "./transport/body-stream.ts";

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
function retryAfterMs(res: TransportResponse): number | undefined {
  if (res.status !== 429) return undefined;
  const seconds = Number(res.headers["retry-after"]);
  return Number.isFinite(seconds) && seconds >= 0 ? Math.min(seconds, 10) * 1000 : undefined;
}

/** The transport to config's server: its Unix socket, TLS for https URLs, else plain TCP. */
function newTransport(config: ClientConfig, url: URL): HttpTransport {
  const maxSockets = config.maxSockets ?? 64;
  if (config.socketPath) return new HttpTransport({ socketPath: config.socketPath, maxSockets });
  const https = url.protocol === "https:";
  // URL keeps the brackets of an IPv6 literal; sockets want the bare address.
  const host = url.hostname.replace(/^\[(.*)\]$/, "$1");
  return new HttpTransport({
    host,
    port: Number(url.port || (https ? 443 : 80)),
    authority: url.host,
    maxSockets,
    tls: https
      ? {
          // One TLS context for every connection.
          secureContext: tls.createSecureContext({
            ca: config.ca,
            cert: config.cert,
            key: config.key,
          }),
          rejectUnauthorized: !config.insecureSkipTLSVerify,
          servername: config.tlsServerName,
        }
      : undefined,
  });
}

export class RestClient {
  private readonly transport: HttpTransport;
  /** Accept, User-Agent and Authorization lines, the same on every request. */
  private readonly fixedHeaders: string;
  /** Content-Type lines by content type. */
  private readonly contentTypeLines = new Map<string, string>();
  /** Client-side rate limit; undefined when config.qps < 0 (client-go: no limiter). */
  private readonly limiter?: TokenBucket;
  private readonly clock: Clock;

  constructor(
    private readonly config: ClientConfig,
    opts: { clock?: Clock } = {},
  ) {
    this.clock = opts.clock ?? realClock;
    this.transport = newTransport(config, new URL(config.server));
    this.fixedHeaders = formatHeaders({
      Accept: "application/json",
      "User-Agent": config.userAgent ?? "k8ts",
      Authorization: config.token ? `Bearer ${config.token}` : undefined,
    });
    const qps = config.qps ?? 50;
    if (qps >= 0) this.limiter = new TokenBucket(qps, config.burst ?? 100, this.clock);
  }

  /** Closes pooled connections. */
  close(): void {
    this.transport.close();
  }

  private async throttle(): Promise<void> {
    if (!this.limiter) return;
    const wait = this.limiter.reserve();
    if (wait > 0) await new Promise<void>((r) => this.clock.after(wait, r));
  }

  private headers(body: string | undefined, contentType: string): string {
    if (body === undefined) return this.fixedHeaders;
    let line = this.contentTypeLines.get(contentType);
    if (line === undefined) {
      line = formatHeaders({ "Content-Type": contentType });
      this.contentTypeLines.set(contentType, line);
    }
    return this.fixedHeaders + line;
  }

  /** Sends one request and parses the JSON answer; non-2xx answers throw ApiError. */
  async request<T>(
    method: string,
    path: string,
    opts: {
      body?: unknown;
      contentType?: string;
      signal?: AbortSignal;
      /** A 2xx answer's body is not decoded; the call resolves with undefined. */
      ignoreAnswer?: boolean;
    } = {},
  ): Promise<T> {
    await this.throttle();
    const body =
      opts.body === undefined
        ? undefined
        : typeof opts.body === "string"
          ? opts.body
          : JSON.stringify(opts.body);
    const headers = this.headers(body, opts.contentType ?? "application/json");
    let res: TransportResponse;
    let text: string;
    for (let attempt = 1; ; attempt++) {
      res = await this.transport.request({
        method,
        path,
        headers,
        body,
        signal: opts.signal,
        timeoutMs: this.config.timeoutMs,
      });
      if (opts.ignoreAnswer && res.status >= 200 && res.status < 300) return undefined as T;
      text = res.body.toString();
      // As client-go: a 429 with Retry-After was turned away before any work
      // (max-in-flight), so any verb is sent again after the wait, 10 times at most.
      const after = retryAfterMs(res);
      if (after === undefined || attempt >= MAX_RETRY_AFTER_ATTEMPTS || opts.signal?.aborted) break;
      await new Promise<void>((r) => this.clock.after(after, r));
      await this.throttle();
    }
    const code = res.status;
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
    return this.patchRequest<T>(ref, namespace, name, type, patch, opts, false);
  }

  /**
   * A PATCH whose answer the caller never reads (a kubelet's status PATCH):
   * a failure throws ApiError as patch() does, but a 2xx answer's body (the
   * whole object) is not decoded.
   */
  async patchIgnoringAnswer(
    ref: ResourceRef,
    namespace: string | undefined,
    name: string,
    type: PatchType,
    patch: unknown,
    opts: WriteOptions & { subresource?: string; signal?: AbortSignal } = {},
  ): Promise<void> {
    await this.patchRequest(ref, namespace, name, type, patch, opts, true);
  }

  private patchRequest<T>(
    ref: ResourceRef,
    namespace: string | undefined,
    name: string,
    type: PatchType,
    patch: unknown,
    opts: WriteOptions & { subresource?: string; signal?: AbortSignal },
    ignoreAnswer: boolean,
  ): Promise<T> {
    const path = resourcePath(ref, namespace, name, opts.subresource) + writeQuery(opts);
    return this.request<T>("PATCH", path, {
      body: patch,
      contentType: patchContentTypes[type],
      signal: opts.signal,
      ignoreAnswer,
    });
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
    const res: BodyStream = await this.transport.stream({
      method: "GET",
      path,
      headers: this.fixedHeaders,
      signal,
    });
    if (res.status >= 300) {
      const text = (await res.readAll()).toString();
      let status: Status | undefined;
      try {
        status = JSON.parse(text);
      } catch {
        // not JSON
      }
      throw new ApiError(res.status, status, `watch ${path}: ${res.status}`);
    }
    // Decoded as a stream: a multi-byte character split across chunks stays whole.
    const decoder = new StringDecoder("utf8");
    let buffered = "";
    try {
      for await (const chunk of res) {
        buffered += decoder.write(chunk);
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
      res.close();
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
