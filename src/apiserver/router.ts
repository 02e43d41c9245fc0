/**
 * Routes a request: non-resource paths (version, health, metrics, discovery,
 * OpenAPI) and resource paths resolved through the registry to the generic
 * verb handlers or a subresource handler. Unknown paths are 404 Status,
 * verbs a resource does not serve 405.
 */
import { StatusError } from "../api/status.ts";
import type { ResourceDef, Verb } from "../api/types.ts";
import { ALL_VERBS } from "../api/types.ts";
import type { RequestContext } from "./context.ts";
import {
  AGGREGATED_DISCOVERY_CONTENT_TYPE,
  aggregatedDiscovery,
  apiGroup,
  apiGroupList,
  apiResourceList,
  apiVersions,
  wantsAggregatedDiscovery,
} from "./discovery.ts";
import { writeJSON } from "./response.ts";
import { handleCreate } from "./handlers/create.ts";
import { handleDelete } from "./handlers/delete.ts";
import { handleDeleteCollection } from "./handlers/delete-collection.ts";
import { handleGet } from "./handlers/get.ts";
import { handleList } from "./handlers/list.ts";
import { handlePatch } from "./handlers/patch.ts";
import { handleUpdate } from "./handlers/update.ts";
import { handleWatch } from "./handlers/watch.ts";
import { acceptsSubpath, subresourceHandler } from "./handlers/subresources.ts";
import { reply } from "./handlers/common.ts";
import { handleBinding } from "./handlers/binding.ts";
import { versionInfo } from "./version.ts";
import { handleMetrics, METRICS_GROUP } from "../metrics/metrics-api.ts";

export function notFoundPath(): StatusError {
  return new StatusError("NotFound", "the server could not find the requested resource", {});
}

function methodNotAllowed(): StatusError {
  return new StatusError(
    "MethodNotAllowed",
    "the server does not allow this method on the requested resource",
    {},
  );
}

/** Serves discovery and version documents; true when handled. */
async function serveNonResource(ctx: RequestContext, serverAddress: string): Promise<boolean> {
  const segments = ctx.url.pathname.split("/").filter((s) => s !== "");
  const registry = ctx.server.registry;
  const method = ctx.req.method ?? "GET";
  const path = ctx.url.pathname.replace(/\/+$/, "") || "/";
  let doc: object | undefined;
  if ((path === "/api" || path === "/apis") && wantsAggregatedDiscovery(ctx.req.headers.accept)) {
    if (method !== "GET" && method !== "HEAD") throw methodNotAllowed();
    writeJSON(
      ctx.res,
      200,
      aggregatedDiscovery(registry, path === "/api"),
      AGGREGATED_DISCOVERY_CONTENT_TYPE,
    );
    return true;
  }
  if (path === "/version") doc = versionInfo();
  else if (path === "/api") doc = apiVersions({ serverAddress });
  else if (path === "/apis") doc = apiGroupList(registry);
  else if (segments[0] === "api" && segments.length === 2)
    doc = apiResourceList(registry, "", segments[1]) ?? undefined;
  else if (segments[0] === "apis" && segments.length === 2) doc = apiGroup(registry, segments[1]);
  else if (segments[0] === "apis" && segments.length === 3)
    doc = apiResourceList(registry, segments[1], segments[2]);
  else return false;
  if (!doc) throw notFoundPath();
  if (method !== "GET" && method !== "HEAD") throw methodNotAllowed();
  await reply(ctx, 200, doc);
  return true;
}

/** Dispatches a resource request to its handler. */
export async function serveResource(ctx: RequestContext): Promise<void> {
  const info = ctx.info;
  const def = ctx.server.registry.get(info.apiGroup, info.apiVersion, info.resource);
  if (!def) throw notFoundPath();
  ctx.def = def;
  if (def.deprecationWarning) ctx.warnings.push(def.deprecationWarning);
  // Scope checks: a namespaced object needs a namespace; a cluster-scoped one must not have one.
  const isNamespaceObject = def.group === "" && def.resource === "namespaces";
  if (!def.namespaced && info.namespace && !isNamespaceObject) throw notFoundPath();
  if (def.namespaced && info.name && !info.namespace) throw notFoundPath();
  if (isNamespaceObject) info.namespace = "";
  if (def.group === METRICS_GROUP) return handleMetrics(ctx, def);
  if (info.subresource) {
    const sub = (def.subresources ?? []).find((s) => s.name === info.subresource);
    const handler = sub ? subresourceHandler(def, sub.name) : undefined;
    if (!sub || !handler || (info.parts.length > 0 && !acceptsSubpath(def, sub.name)))
      throw notFoundPath();
    if (!sub.verbs.includes(info.verb as Verb)) throw methodNotAllowed();
    await handler(ctx, def);
    return;
  }
  // Collections take GET/POST/DELETE only; objects take no POST.
  if ((info.verb === "update" || info.verb === "patch") && !info.name) throw methodNotAllowed();
  const verbs = def.verbs ?? ALL_VERBS;
  if (!verbs.includes(info.verb as Verb)) throw methodNotAllowed();
  await dispatchVerb(ctx, def, info.verb as Verb);
}

async function dispatchVerb(ctx: RequestContext, def: ResourceDef, verb: Verb): Promise<void> {
  switch (verb) {
    case "get":
      return handleGet(ctx, def);
    case "list":
      return handleList(ctx, def);
    case "watch":
      return handleWatch(ctx, def);
    case "create":
      if (ctx.info.name) throw methodNotAllowed();
      if (def.group === "" && def.resource === "bindings") return handleBinding(ctx, def);
      return handleCreate(ctx, def);
    case "update":
      return handleUpdate(ctx, def);
    case "patch":
      return handlePatch(ctx, def);
    case "delete":
      return handleDelete(ctx, def);
    case "deletecollection":
      return handleDeleteCollection(ctx, def);
  }
}

/** Routes any API request that is not a health/metrics/openapi path. */
export async function route(ctx: RequestContext, serverAddress: string): Promise<void> {
  // Resource requests have 3+ segments after /api or 4+ after /apis: never discovery.
  if (!ctx.info.isResourceRequest && (await serveNonResource(ctx, serverAddress))) return;
  if (!ctx.info.isResourceRequest) throw notFoundPath();
  await serveResource(ctx);
}
