/**
 * What a request handler works with: the request, its parsed RequestInfo,
 * the resolved resource and the server's shared dependencies.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { ResourceDef } from "../api/types.ts";
import type { Registry } from "../api/registry.ts";
import type { Clock } from "../client/clock.ts";
import type { ObjectStore } from "./object-store.ts";
import type { RequestInfo } from "./request-info.ts";
import type { Pipeline } from "./pipeline.ts";
import type { WatchCacheSet } from "./watch-cache-set.ts";
import type { ApiMetrics } from "./metrics.ts";
import type { Extensions } from "./extensions.ts";

export interface UserInfo {
  username: string;
  uid?: string;
  groups: string[];
  extra?: Record<string, string[]>;
}

/** Dependencies shared by every request of one server. */
export interface ServerContext {
  registry: Registry;
  store: ObjectStore;
  watchCaches: WatchCacheSet;
  clock: Clock;
  pipeline: Pipeline;
  metrics: ApiMetrics;
  extensions: Extensions;
  /** Aborted when the server shuts down: long-running requests end. */
  signal: AbortSignal;
  /** Period between watch bookmarks, in milliseconds. */
  bookmarkIntervalMs: number;
}

export interface RequestContext {
  req: IncomingMessage;
  res: ServerResponse;
  /** The target's path (percent-encoded) and query, as URL.pathname and URL.search. */
  url: { readonly pathname: string; readonly search: string };
  query: URLSearchParams;
  info: RequestInfo;
  /** The resource addressed (resource requests only, set by the router). */
  def?: ResourceDef;
  user: UserInfo;
  /** The JSON text of the request body, when it was JSON (strict duplicate-field checks). */
  rawBody?: string;
  /** Collected warnings, sent as `Warning: 299 - "..."` headers. */
  warnings: string[];
  /** Audit annotations added while serving (admission webhooks and policies). */
  auditAnnotations?: Record<string, string>;
  server: ServerContext;
}
