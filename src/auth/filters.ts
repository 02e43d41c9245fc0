/**
 * The authentication, impersonation and authorization request filters that
 * replace the API server pipeline's allow-all placeholders.
 */
import { StatusError } from "../api/status.ts";
import type { Filter } from "../apiserver/pipeline.ts";
import type { RequestContext } from "../apiserver/context.ts";
import { authenticateRequest, type ChainOptions } from "./authenticators/union.ts";
import { forbidden, unauthorized } from "./forbidden.ts";
import type { Authorizer, AuthzAttributes, UserInfo } from "./types.ts";

/** Authorization attributes of a request made by `user`. */
export function attributesOf(ctx: RequestContext, user: UserInfo = ctx.user): AuthzAttributes {
  const info = ctx.info;
  let verb = info.verb;
  if (!info.isResourceRequest && verb === "head") verb = "get";
  return {
    user,
    verb,
    isResourceRequest: info.isResourceRequest,
    namespace: info.namespace,
    apiGroup: info.apiGroup,
    apiVersion: info.apiVersion,
    resource: info.resource,
    subresource: info.subresource,
    name: info.name,
    path: info.path,
  };
}

/** Sets ctx.user from the request's credentials; 401 Status when there are none or they are bad. */
export function authenticateFilter(chain: ChainOptions): Filter {
  return async (ctx, next) => {
    const result = await authenticateRequest(chain, ctx.req);
    if (result.kind !== "user") throw unauthorized();
    ctx.user = result.user;
    // The credential is consumed here, never forwarded (proxies, webhooks).
    delete ctx.req.headers.authorization;
    await next();
  };
}

const IMPERSONATE_EXTRA = "impersonate-extra-";

/**
 * Impersonate-User / -Group / -Uid / -Extra-* headers: each is authorized as
 * verb "impersonate" on users, serviceaccounts, groups, uids or
 * userextras/<key>; the request then runs as the impersonated user.
 */
export function impersonationFilter(authorizer: Authorizer): Filter {
  return async (ctx, next) => {
    const h = ctx.req.headers;
    const userHeader = h["impersonate-user"];
    const groups = ([] as string[]).concat(h["impersonate-group"] ?? []);
    const uid = h["impersonate-uid"];
    const extraKeys = Object.keys(h).filter((k) => k.startsWith(IMPERSONATE_EXTRA));
    if (
      userHeader === undefined &&
      groups.length === 0 &&
      uid === undefined &&
      extraKeys.length === 0
    )
      return next();
    const username = Array.isArray(userHeader) ? userHeader[0] : userHeader;
    if (!username)
      throw new StatusError(
        "BadRequest",
        "requested impersonation without impersonating a user",
        {},
      );
    const check = async (
      attrs: Omit<
        AuthzAttributes,
        "user" | "verb" | "isResourceRequest" | "path" | "apiVersion" | "subresource"
      >,
    ) => {
      const full: AuthzAttributes = {
        ...attrs,
        user: ctx.user,
        verb: "impersonate",
        isResourceRequest: true,
        apiVersion: "",
        subresource: "",
        path: "",
      };
      const r = await authorizer.authorize(full);
      if (r.decision !== "allow") throw forbidden(full, r.reason);
    };
    const sa = /^system:serviceaccount:([^:]+):([^:]+)$/.exec(username);
    if (sa)
      await check({ namespace: sa[1], apiGroup: "", resource: "serviceaccounts", name: sa[2] });
    else await check({ namespace: "", apiGroup: "", resource: "users", name: username });
    for (const g of groups)
      await check({ namespace: "", apiGroup: "", resource: "groups", name: g });
    const uidValue = Array.isArray(uid) ? uid[0] : uid;
    if (uidValue !== undefined)
      await check({
        namespace: "",
        apiGroup: "authentication.k8s.io",
        resource: "uids",
        name: uidValue,
      });
    const extra: Record<string, string[]> = {};
    for (const k of extraKeys) {
      let key: string;
      try {
        key = decodeURIComponent(k.slice(IMPERSONATE_EXTRA.length)).toLowerCase();
      } catch {
        throw new StatusError("BadRequest", `malformed impersonation header ${k}`, {});
      }
      const values = ([] as string[]).concat(h[k] ?? []);
      for (const v of values)
        await check({
          namespace: "",
          apiGroup: "authentication.k8s.io",
          resource: `userextras/${key}`,
          name: v,
        });
      extra[key] = values;
    }
    const finalGroups = [...groups];
    if (sa) {
      for (const g of ["system:serviceaccounts", `system:serviceaccounts:${sa[1]}`])
        if (!finalGroups.includes(g)) finalGroups.push(g);
    }
    if (username !== "system:anonymous" && !finalGroups.includes("system:authenticated"))
      finalGroups.push("system:authenticated");
    ctx.user = {
      username,
      uid: uidValue,
      groups: finalGroups,
      extra: Object.keys(extra).length > 0 ? extra : undefined,
    };
    for (const k of ["impersonate-user", "impersonate-group", "impersonate-uid", ...extraKeys])
      delete h[k];
    await next();
  };
}

const CONNECT_SUBRESOURCES = new Set(["exec", "attach", "portforward"]);

/** A WebSocket upgrade (GET) of pods/exec, pods/attach or pods/portforward. */
export function isWebSocketConnect(ctx: RequestContext): boolean {
  const i = ctx.info;
  return (
    i.isResourceRequest &&
    i.verb === "get" &&
    i.apiGroup === "" &&
    i.resource === "pods" &&
    CONNECT_SUBRESOURCES.has(i.subresource) &&
    String(ctx.req.headers.upgrade ?? "").toLowerCase() === "websocket"
  );
}

/** Authorizes the request; 403 Status in upstream's words when not allowed. */
export function authorizeFilter(authorizer: Authorizer): Filter {
  return async (ctx, next) => {
    const attrs = attributesOf(ctx);
    const r = await authorizer.authorize(attrs);
    if (r.decision !== "allow") throw forbidden(attrs, r.reason);
    if (isWebSocketConnect(ctx)) {
      // As upstream 1.32 (AuthorizePodWebsocketUpgradeCreatePermission): a WebSocket
      // GET on pods/exec, attach or portforward also needs the create verb.
      const create = { ...attrs, verb: "create" };
      const rc = await authorizer.authorize(create);
      if (rc.decision !== "allow") throw forbidden(create, rc.reason);
    }
    await next();
  };
}
