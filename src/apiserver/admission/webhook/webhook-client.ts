/**
 * Calls a webhook (admission webhooks; the aggregator reuses the resolver):
 * a clientConfig's url, or its service resolved to an address, over HTTPS
 * verified against caBundle (system roots when absent), with the request's
 * timeout. Errors carry upstream's wording: `failed to call webhook: Post
 * "https://...?timeout=10s": context deadline exceeded`.
 *
 * Services resolve through their Endpoints first (the first ready address of
 * the port whose name matches the service port), then the ClusterIP: the API
 * server of a single-node k8ts has no route into the service network unless
 * kube-proxy runs, and extension servers in tests listen on 127.0.0.1, which
 * k8ts's Endpoints validation accepts (upstream's rejects loopback). The TLS
 * server name is `<service>.<namespace>.svc`, as upstream.
 */
import { request as httpsRequest } from "node:https";
import type { KObject } from "../../../api/types.ts";
import type { ServerContext } from "../../context.ts";
import { serviceTarget } from "../../service-target.ts";

type Rec = Record<string, unknown>;
const rec = (v: unknown): Rec => (v && typeof v === "object" ? (v as Rec) : {});

/** Where and how to reach a webhook. */
export interface WebhookEndpoint {
  url: URL;
  /** TLS server name (SNI and certificate check) when it differs from the URL host. */
  servername?: string;
  /** PEM CA bundle; undefined uses the system roots. */
  caPem?: string;
  /** Skip certificate verification (APIService insecureSkipTLSVerify only). */
  insecure?: boolean;
}

/** Resolves a service reference to a dialable host and port. */
export type ServiceResolver = (
  namespace: string,
  name: string,
  port: number,
) => Promise<{ host: string; port: number }>;

/** A failure to reach a webhook or read its answer. */
export class WebhookCallError extends Error {
  readonly code = "WEBHOOK_CALL";
}

/** Reads Service and Endpoints objects through the server's store. */
export function serviceResolver(server: ServerContext): ServiceResolver {
  const get = (resource: string, ns: string, name: string): Promise<KObject | undefined> =>
    server.store.tryGet(server.registry.get("", "v1", resource)!, ns, name);
  return async (namespace, name, port) =>
    serviceTarget(
      await get("services", namespace, name),
      await get("endpoints", namespace, name),
      { namespace, name, port },
      (m) => new WebhookCallError(m),
    );
}

/** The endpoint of a webhook clientConfig (url, or service + path). */
export async function resolveClientConfig(
  clientConfig: unknown,
  resolve: ServiceResolver,
): Promise<WebhookEndpoint> {
  const cc = rec(clientConfig);
  const caPem =
    typeof cc.caBundle === "string" && cc.caBundle
      ? Buffer.from(cc.caBundle, "base64").toString("utf8")
      : undefined;
  if (typeof cc.url === "string") return { url: new URL(cc.url), caPem };
  const svc = rec(cc.service);
  const namespace = String(svc.namespace ?? "");
  const name = String(svc.name ?? "");
  const target = await resolve(namespace, name, Number(svc.port ?? 443));
  const host = target.host.includes(":") ? `[${target.host}]` : target.host;
  const path = typeof svc.path === "string" ? svc.path : "/";
  return {
    url: new URL(`https://${host}:${target.port}${path}`),
    servername: `${name}.${namespace}.svc`,
    caPem,
  };
}

/**
 * POSTs `body` as JSON and returns the parsed JSON reply of a 200 answer.
 * The URL gets `?timeout=<n>s` as upstream adds it.
 */
export async function postJson(
  endpoint: WebhookEndpoint,
  body: unknown,
  timeoutSeconds: number,
): Promise<unknown> {
  const url = new URL(endpoint.url);
  url.searchParams.set("timeout", `${timeoutSeconds}s`);
  const shown = `Post "${url.toString()}"`;
  const payload = Buffer.from(JSON.stringify(body));
  return new Promise((resolve, reject) => {
    const fail = (why: string) =>
      reject(new WebhookCallError(`failed to call webhook: ${shown}: ${why}`));
    const req = httpsRequest(
      url,
      {
        method: "POST",
        headers: {
          "content-type": "application/json",
          accept: "application/json, */*",
          "content-length": payload.length,
        },
        ca: endpoint.caPem,
        servername: endpoint.servername,
        rejectUnauthorized: !endpoint.insecure,
        signal: AbortSignal.timeout(timeoutSeconds * 1000),
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("error", (err) => fail(err.message));
        res.on("end", () => {
          const text = Buffer.concat(chunks).toString("utf8");
          if (res.statusCode !== 200)
            return reject(
              new WebhookCallError(
                `failed to call webhook: the server responded with the status code ${res.statusCode}: ${text.slice(0, 256)}`,
              ),
            );
          try {
            resolve(JSON.parse(text));
          } catch (err) {
            reject(
              new WebhookCallError(`failed to decode webhook response: ${(err as Error).message}`),
            );
          }
        });
      },
    );
    req.on("error", (err: Error & { code?: string }) => {
      if (err.name === "AbortError" || err.code === "ABORT_ERR")
        return fail("context deadline exceeded");
      const addr = `${url.hostname}:${url.port || 443}`;
      if (err.code === "ECONNREFUSED") return fail(`dial tcp ${addr}: connect: connection refused`);
      fail(err.message);
    });
    req.end(payload);
  });
}
