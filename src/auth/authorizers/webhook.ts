/**
 * The Webhook authorizer: POSTs an authorization.k8s.io/v1
 * SubjectAccessReview to the server named by a kubeconfig-format file
 * (--authorization-webhook-config-file) and caches answers: allowed for
 * --authorization-webhook-cache-authorized-ttl (default 5m), denied for
 * --authorization-webhook-cache-unauthorized-ttl (default 30s). A failing
 * webhook gives no opinion, as upstream.
 */
import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import { parseYaml as parse } from "../../util/yaml-on-use.ts";
import type { Authorizer, AuthzAttributes, AuthzResult } from "../types.ts";

export interface WebhookTarget {
  server: string;
  caPem?: string;
  certPem?: string;
  keyPem?: string;
  token?: string;
  insecureSkipTLSVerify?: boolean;
}

const b64 = (s: unknown) =>
  typeof s === "string" ? Buffer.from(s, "base64").toString("utf8") : undefined;

/** Reads the target from kubeconfig text (current context, else the first cluster/user). */
export async function webhookTargetFromKubeconfig(
  text: string,
  readFile: (path: string) => Promise<string>,
): Promise<WebhookTarget> {
  type Named<T> = { name: string } & T;
  const cfg = parse(text) as {
    clusters?: Named<{ cluster: Record<string, unknown> }>[];
    users?: Named<{ user: Record<string, unknown> }>[];
    contexts?: Named<{ context: { cluster: string; user: string } }>[];
    "current-context"?: string;
  };
  const ctx = cfg.contexts?.find((c) => c.name === cfg["current-context"])?.context;
  const cluster = (cfg.clusters?.find((c) => c.name === ctx?.cluster) ?? cfg.clusters?.[0])
    ?.cluster;
  const user = (cfg.users?.find((u) => u.name === ctx?.user) ?? cfg.users?.[0])?.user ?? {};
  if (!cluster || typeof cluster.server !== "string")
    throw new Error("authorization webhook config has no cluster server");
  const fileOr = async (data: unknown, path: unknown) =>
    b64(data) ?? (typeof path === "string" ? await readFile(path) : undefined);
  return {
    server: cluster.server,
    caPem: await fileOr(cluster["certificate-authority-data"], cluster["certificate-authority"]),
    certPem: await fileOr(user["client-certificate-data"], user["client-certificate"]),
    keyPem: await fileOr(user["client-key-data"], user["client-key"]),
    token: typeof user.token === "string" ? user.token : undefined,
    insecureSkipTLSVerify: cluster["insecure-skip-tls-verify"] === true,
  };
}

/** The SubjectAccessReview sent for a request. */
export function subjectAccessReviewFor(attrs: AuthzAttributes): object {
  const spec: Record<string, unknown> = {
    user: attrs.user.username,
    groups: attrs.user.groups,
  };
  if (attrs.user.uid) spec.uid = attrs.user.uid;
  if (attrs.user.extra) spec.extra = attrs.user.extra;
  if (attrs.isResourceRequest)
    spec.resourceAttributes = {
      namespace: attrs.namespace,
      verb: attrs.verb,
      group: attrs.apiGroup,
      version: attrs.apiVersion,
      resource: attrs.resource,
      subresource: attrs.subresource,
      name: attrs.name,
    };
  else spec.nonResourceAttributes = { path: attrs.path, verb: attrs.verb };
  return { apiVersion: "authorization.k8s.io/v1", kind: "SubjectAccessReview", spec };
}

function post(target: WebhookTarget, body: string, timeoutMs: number): Promise<string> {
  const url = new URL(target.server);
  const send = url.protocol === "https:" ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = send(
      url,
      {
        method: "POST",
        headers: {
          "Content-Type": "application/json",
          "Content-Length": Buffer.byteLength(body),
          ...(target.token ? { Authorization: `Bearer ${target.token}` } : {}),
        },
        ca: target.caPem,
        cert: target.certPem,
        key: target.keyPem,
        rejectUnauthorized: !target.insecureSkipTLSVerify,
        timeout: timeoutMs,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => {
          const text = Buffer.concat(chunks).toString("utf8");
          if ((res.statusCode ?? 500) >= 300)
            reject(new Error(`webhook returned ${res.statusCode}`));
          else resolve(text);
        });
        res.on("error", reject);
      },
    );
    req.on("timeout", () => req.destroy(new Error("webhook timed out")));
    req.on("error", reject);
    req.end(body);
  });
}

export interface WebhookOptions {
  target: WebhookTarget;
  authorizedTtlMs?: number;
  unauthorizedTtlMs?: number;
  now: () => number;
  timeoutMs?: number;
}

/** The webhook authorizer with its decision cache. */
export function webhookAuthorizer(opts: WebhookOptions): Authorizer {
  const cache = new Map<string, { result: AuthzResult; expires: number }>();
  const allowTtl = opts.authorizedTtlMs ?? 300_000;
  const denyTtl = opts.unauthorizedTtlMs ?? 30_000;
  return {
    name: "Webhook",
    async authorize(attrs) {
      const review = subjectAccessReviewFor(attrs);
      const key = JSON.stringify((review as { spec: unknown }).spec);
      const hit = cache.get(key);
      if (hit && hit.expires > opts.now()) return hit.result;
      let status: {
        allowed?: boolean;
        denied?: boolean;
        reason?: string;
        evaluationError?: string;
      };
      try {
        const text = await post(opts.target, JSON.stringify(review), opts.timeoutMs ?? 30_000);
        status = (JSON.parse(text) as { status?: typeof status }).status ?? {};
      } catch (err) {
        return { decision: "noOpinion", reason: `webhook error: ${(err as Error).message}` };
      }
      const result: AuthzResult = status.allowed
        ? { decision: "allow", reason: status.reason ?? "" }
        : status.denied
          ? { decision: "deny", reason: status.reason ?? "" }
          : { decision: "noOpinion", reason: status.reason ?? "" };
      cache.set(key, { result, expires: opts.now() + (status.allowed ? allowTtl : denyTtl) });
      if (cache.size > 10_000) cache.delete(cache.keys().next().value as string);
      return result;
    },
  };
}
