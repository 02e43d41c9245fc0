/**
 * Serves the auth APIs that are not stored objects, after authorization:
 * the review resources, serviceaccounts/token (TokenRequest) and
 * certificatesigningrequests/approval (which also needs `approve` on the
 * CSR's signer, as upstream).
 */
import { StatusError } from "../api/status.ts";
import type { KObject } from "../api/types.ts";
import type { Filter } from "../apiserver/pipeline.ts";
import type { RequestContext, ServerContext } from "../apiserver/context.ts";
import { readObject, reply, writeOptions } from "../apiserver/handlers/common.ts";
import { RestStore } from "../apiserver/rest-store.ts";
import { currentFromCache } from "../apiserver/watch-cache-reader.ts";
import { forbidden } from "./forbidden.ts";
import {
  selfSubjectAccessReview,
  selfSubjectReview,
  selfSubjectRulesReview,
  subjectAccessReview,
  tokenReview,
} from "./reviews.ts";
import { createToken, type TokenRequestConfig } from "./serviceaccount/token-request.ts";
import type { ObjectGetter } from "./serviceaccount/tokens.ts";
import type { Authorizer, AuthzAttributes, TokenAuthenticator } from "./types.ts";

export interface AuthApiDeps {
  authorizer: Authorizer;
  tokens: TokenAuthenticator[];
  apiAudiences: string[];
  /** Absent: no service-account signing key, TokenRequest is unavailable. */
  tokenRequest?: TokenRequestConfig;
}

/**
 * An ObjectGetter over the server's store: the running watch cache's copy
 * when it has seen every write (as upstream's authenticator reads
 * informers; a token whose account was just deleted is refused at once),
 * else a storage read.
 */
export function storeGetter(server: ServerContext): ObjectGetter {
  const resources = {
    ServiceAccount: "serviceaccounts",
    Pod: "pods",
    Secret: "secrets",
    Node: "nodes",
  };
  return async (kind, namespace, name) => {
    const def = server.registry.get("", "v1", resources[kind]);
    if (!def || !name) return undefined;
    const ns = def.namespaced ? namespace : "";
    const cached = currentFromCache(server, def, ns, name);
    if (cached) return cached.obj;
    return server.store.tryGet(def, ns, name);
  };
}

async function approve(ctx: RequestContext, authorizer: Authorizer): Promise<void> {
  const def =
    ctx.def ?? ctx.server.registry.get("certificates.k8s.io", "v1", "certificatesigningrequests")!;
  const body = await readObject(ctx);
  const name = ctx.info.name;
  if (body.metadata?.name && body.metadata.name !== name)
    throw new StatusError(
      "BadRequest",
      "the name of the object does not match the name on the URL",
      {},
    );
  const current = await ctx.server.store.tryGet(def, "", name);
  if (!current)
    throw new StatusError(
      "NotFound",
      `certificatesigningrequests.certificates.k8s.io "${name}" not found`,
      {
        name,
        group: "certificates.k8s.io",
        kind: "certificatesigningrequests",
      },
    );
  const signer = String((current.spec as Record<string, unknown>)?.signerName ?? "");
  const attrs = (n: string): AuthzAttributes => ({
    user: ctx.user,
    verb: "approve",
    isResourceRequest: true,
    namespace: "",
    apiGroup: "certificates.k8s.io",
    apiVersion: "*",
    resource: "signers",
    subresource: "",
    name: n,
    path: "",
  });
  const domain = signer.split("/")[0];
  const exact = await authorizer.authorize(attrs(signer));
  if (
    exact.decision !== "allow" &&
    (await authorizer.authorize(attrs(`${domain}/*`))).decision !== "allow"
  )
    throw forbidden(attrs(signer), exact.reason);
  const conditions = ((body.status ?? {}) as { conditions?: unknown[] }).conditions ?? [];
  const rest = new RestStore(ctx.server);
  const opts = { ...writeOptions(ctx, "status"), subresource: "status" };
  const { obj } = await rest.update(
    def,
    "",
    name,
    async (cur) => {
      const next = structuredClone(cur!) as KObject;
      if (body.metadata?.resourceVersion)
        next.metadata = { ...next.metadata, resourceVersion: body.metadata.resourceVersion };
      next.status = { ...((cur!.status ?? {}) as object), conditions };
      return next;
    },
    opts,
  );
  await reply(ctx, 200, obj);
}

/** The filter serving these APIs (place after authorize). */
export function authApiFilter(deps: AuthApiDeps): Filter {
  return async (ctx, next) => {
    const i = ctx.info;
    if (!i.isResourceRequest) return next();
    const group = i.apiGroup;
    if (
      group === "certificates.k8s.io" &&
      i.resource === "certificatesigningrequests" &&
      i.subresource === "approval"
    ) {
      if (i.verb === "update") return approve(ctx, deps.authorizer);
      return next();
    }
    if (i.verb !== "create") return next();
    if (group === "" && i.resource === "serviceaccounts" && i.subresource === "token") {
      if (!deps.tokenRequest)
        throw new StatusError("NotFound", "the server could not find the requested resource", {});
      const out = await createToken(
        deps.tokenRequest,
        storeGetter(ctx.server),
        i.namespace,
        i.name,
        await readObject(ctx),
        ctx.server.clock.now(),
      );
      return reply(ctx, 201, out);
    }
    if (group !== "authentication.k8s.io" && group !== "authorization.k8s.io") return next();
    if (i.subresource || i.name) return next();
    let out: KObject | undefined;
    switch (`${group}/${i.resource}`) {
      case "authentication.k8s.io/tokenreviews":
        out = await tokenReview(await readObject(ctx), deps.tokens, deps.apiAudiences);
        break;
      case "authentication.k8s.io/selfsubjectreviews":
        out = selfSubjectReview(await readObject(ctx), ctx.user);
        break;
      case "authorization.k8s.io/subjectaccessreviews":
        out = await subjectAccessReview(await readObject(ctx), deps.authorizer, "");
        break;
      case "authorization.k8s.io/localsubjectaccessreviews":
        out = await subjectAccessReview(await readObject(ctx), deps.authorizer, i.namespace);
        break;
      case "authorization.k8s.io/selfsubjectaccessreviews":
        out = await selfSubjectAccessReview(await readObject(ctx), deps.authorizer, ctx.user);
        break;
      case "authorization.k8s.io/selfsubjectrulesreviews":
        out = await selfSubjectRulesReview(await readObject(ctx), deps.authorizer, ctx.user);
        break;
      default:
        return next();
    }
    return reply(ctx, 201, out);
  };
}
