/**
 * Admission of CONNECT requests, as upstream's ConnectResource handler:
 * before pods/exec, pods/attach, pods/portforward, pods/proxy, nodes/proxy
 * or services/proxy is served, the admission plugins that handle CONNECT
 * (the webhook and policy plugins) see the operation CONNECT with the
 * connect options built from the query (PodExecOptions, PodAttachOptions,
 * PodPortForwardOptions, PodProxyOptions, NodeProxyOptions,
 * ServiceProxyOptions) as the object and no operation options. A denial
 * fails the request before any connection to a kubelet or pod is made.
 *
 * As upstream's ConnectResource, the handler then connects with the options
 * as admission left them: a mutating webhook's patch of the options (say a
 * PodExecOptions command or container) is what reaches the kubelet
 * (`admittedConnectOptions`). CONNECT with dryRun is refused with 400.
 */
import { badRequest } from "../../api/status.ts";
import type { KObject } from "../../api/types.ts";
import type { RequestContext } from "../context.ts";
import type { AdmissionAttributes, NamedFilter } from "../pipeline.ts";
import { loadCel } from "../../cel/lazy.ts";

/** The admission plugins that handle CONNECT (none of upstream's default built-ins do). */
export const CONNECT_PLUGINS: ReadonlySet<string> = new Set([
  "MutatingAdmissionWebhook",
  "ValidatingAdmissionPolicy",
  "ValidatingAdmissionWebhook",
]);

const flag = (q: URLSearchParams, name: string) => {
  const v = q.get(name);
  return v === "true" || v === "1";
};

/** What follows "<subresource>/" in the request path, as upstream's `path` option. */
function subpath(ctx: RequestContext): string {
  return ctx.info.parts.join("/");
}

/** The connect options object of a request, or undefined when it is not a connect request. */
export function connectOptions(ctx: RequestContext): KObject | undefined {
  const { info, query } = ctx;
  if (!info.isResourceRequest || info.apiGroup !== "" || info.apiVersion !== "v1") return undefined;
  const typed = (kind: string, fields: Record<string, unknown>): KObject => {
    const obj: Record<string, unknown> = { kind, apiVersion: "v1" };
    for (const [k, v] of Object.entries(fields))
      if (v !== undefined && v !== false && v !== "" && !(Array.isArray(v) && v.length === 0))
        obj[k] = v;
    return obj as KObject;
  };
  const streams = () => ({
    stdin: flag(query, "stdin"),
    stdout: flag(query, "stdout"),
    stderr: flag(query, "stderr"),
    tty: flag(query, "tty"),
    container: query.get("container") ?? undefined,
  });
  const key = `${info.resource}/${info.subresource}`;
  switch (key) {
    case "pods/exec":
      return typed("PodExecOptions", { ...streams(), command: query.getAll("command") });
    case "pods/attach":
      return typed("PodAttachOptions", streams());
    case "pods/portforward":
      return typed("PodPortForwardOptions", {
        ports: query
          .getAll("ports")
          .flatMap((p) => p.split(","))
          .filter((p) => p !== "")
          .map(parsePort),
      });
    case "pods/proxy":
      return typed("PodProxyOptions", { path: subpath(ctx) });
    case "nodes/proxy":
      return typed("NodeProxyOptions", { path: subpath(ctx) });
    case "services/proxy":
      return typed("ServiceProxyOptions", { path: subpath(ctx) });
    default:
      return undefined;
  }
}

/** A query port as Go's strconv.ParseInt takes it (upstream decodes ports as int32). */
function parsePort(p: string): number {
  const n = /^[+-]?\d+$/.test(p) ? Number(p) : NaN;
  if (!Number.isInteger(n))
    throw badRequest(`strconv.ParseInt: parsing ${JSON.stringify(p)}: invalid syntax`);
  if (n < -2147483648 || n > 2147483647)
    throw badRequest(`strconv.ParseInt: parsing ${JSON.stringify(p)}: value out of range`);
  return n;
}

/** Options as admission left them, per request (set by the filter). */
const admitted = new WeakMap<RequestContext, KObject>();

/**
 * The connect options a handler must use: as CONNECT admission left them
 * (possibly patched by a mutating webhook), else — no admission filter
 * installed — as built from the query. Undefined for non-connect requests.
 */
export function admittedConnectOptions(ctx: RequestContext): KObject | undefined {
  return admitted.get(ctx) ?? connectOptions(ctx);
}

/** The filter running CONNECT admission; place it after authorization. */
export function connectAdmissionFilter(): NamedFilter {
  return {
    name: "connect-admission",
    async run(ctx, next) {
      const object = connectOptions(ctx);
      const def = object && ctx.server.registry.get("", "v1", ctx.info.resource);
      if (!object || !def) return next();
      if (ctx.query.has("dryRun")) throw badRequest("dryRun is not supported");
      const attrs: AdmissionAttributes = {
        operation: "CONNECT",
        def,
        subresource: ctx.info.subresource,
        namespace: ctx.info.namespace,
        name: ctx.info.name,
        object,
        user: ctx.user,
        dryRun: false,
        warnings: ctx.warnings,
        auditAnnotations: (ctx.auditAnnotations ??= {}),
      };
      const plugins = ctx.server.pipeline.admission.filter((p) => CONNECT_PLUGINS.has(p.name));
      await loadCel();
      for (const p of plugins) if (p.admit) await p.admit(attrs);
      for (const p of plugins) if (p.validate) await p.validate(attrs);
      if (attrs.object) admitted.set(ctx, attrs.object);
      await next();
    },
  };
}
