/**
 * pods/proxy and services/proxy, as upstream's API server serves them: the
 * name is `[scheme:]name[:port]`; a pod is reached at its pod IP, a
 * service through one ready endpoint of the named (or numbered) service
 * port. The rest of the path and the query go to the backend; plain HTTP
 * unless the scheme is https (whose certificate is not verified, as
 * upstream).
 */
import http from "node:http";
import https from "node:https";
import type { Endpoints, Pod, Service } from "kubernetes-types/core/v1.d.ts";
import { StatusError, badRequest, notFound } from "../../api/status.ts";
import type { RequestContext } from "../context.ts";
import { forwardedHeaders, isUpgrade } from "./forward.ts";
import { proxyPath } from "./connect-options.ts";

/** `[scheme:]name[:port]` as upstream's net.SplitSchemeNamePort. */
export function splitSchemeNamePort(id: string): { scheme: string; name: string; port: string } {
  const parts = id.split(":");
  if (parts.length === 1) return { scheme: "", name: parts[0], port: "" };
  if (parts.length === 2) return { scheme: "", name: parts[0], port: parts[1] };
  if (parts.length === 3 && (parts[0] === "http" || parts[0] === "https"))
    return { scheme: parts[0], name: parts[1], port: parts[2] };
  throw badRequest(`invalid service request ${JSON.stringify(id)}`);
}

async function getObject<T>(ctx: RequestContext, resource: string, name: string): Promise<T> {
  const def = ctx.server.registry.get("", "v1", resource)!;
  const obj = await ctx.server.store.tryGet(def, ctx.info.namespace, name);
  if (!obj) throw notFound("", resource, name);
  return obj as unknown as T;
}

/** The admitted proxy path (a mutating webhook may change it) and the request's query. */
function backendPath(ctx: RequestContext): string {
  const path = proxyPath(ctx);
  const rest = path ? path.split("/").map(encodeURIComponent).join("/") : "";
  const trailing = ctx.url.pathname.endsWith("/") && rest ? "/" : "";
  return `/${rest}${trailing}${ctx.url.search}`;
}

/** Relays the request to host:port and streams the answer back. */
function relay(ctx: RequestContext, scheme: string, host: string, port: number): Promise<void> {
  if (isUpgrade(ctx)) throw badRequest("upgrade requests are not proxied to pods or services");
  const lib = scheme === "https" ? https : http;
  return new Promise<void>((resolve, reject) => {
    const req = lib.request(
      {
        host,
        port,
        method: ctx.req.method,
        path: backendPath(ctx),
        headers: forwardedHeaders(ctx.req.headers, false),
        agent: false,
        rejectUnauthorized: false,
      },
      (res) => {
        const headers = { ...res.headers };
        delete headers.connection;
        delete headers["transfer-encoding"];
        ctx.res.writeHead(res.statusCode ?? 502, headers);
        res.pipe(ctx.res);
        res.once("end", () => resolve());
        res.once("error", () => resolve());
      },
    );
    req.once("error", (err) =>
      reject(
        new StatusError("ServiceUnavailable", `error trying to reach service: ${err.message}`),
      ),
    );
    ctx.res.once("close", () => req.destroy());
    ctx.req.pipe(req);
  });
}

/** GET/POST/... pods/{[scheme:]name[:port]}/proxy/{path}. */
export async function handlePodProxy(ctx: RequestContext): Promise<void> {
  const { scheme, name, port } = splitSchemeNamePort(ctx.info.name);
  const pod = await getObject<Pod>(ctx, "pods", name);
  const ip = pod.status?.podIP;
  if (!ip) throw new StatusError("ServiceUnavailable", `pod ${name} has no IP address`);
  let n = Number(port || 80);
  if (port && !/^\d+$/.test(port)) {
    const named = (pod.spec?.containers ?? [])
      .flatMap((c) => c.ports ?? [])
      .find((p) => p.name === port);
    if (!named) throw badRequest(`no container port named ${port} in pod ${name}`);
    n = named.containerPort;
  }
  await relay(ctx, scheme, ip, n);
}

/** GET/POST/... services/{[scheme:]name[:port]}/proxy/{path} via one ready endpoint. */
export async function handleServiceProxy(ctx: RequestContext): Promise<void> {
  const { scheme, name, port } = splitSchemeNamePort(ctx.info.name);
  const svc = await getObject<Service>(ctx, "services", name);
  const ports = svc.spec?.ports ?? [];
  const sp = port
    ? ports.find((p) => p.name === port || String(p.port) === port)
    : ports.length === 1
      ? ports[0]
      : undefined;
  if (!sp)
    throw new StatusError("ServiceUnavailable", `no endpoints available for service "${name}"`);
  const ep = await getObject<Endpoints>(ctx, "endpoints", name).catch(() => undefined);
  for (const subset of ep?.subsets ?? []) {
    const epPort = (subset.ports ?? []).find((p) => (p.name ?? "") === (sp.name ?? ""));
    const addr = subset.addresses?.[Math.floor(Math.random() * subset.addresses.length)];
    if (epPort && addr) return relay(ctx, scheme, addr.ip, epPort.port);
  }
  throw new StatusError("ServiceUnavailable", `no endpoints available for service "${name}"`);
}
