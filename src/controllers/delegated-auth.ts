/**
 * Delegated authentication and authorization for the controller manager's
 * secure port, as upstream's kube-controller-manager: a bearer token is
 * reviewed by the API server (TokenReview, cached 10 s), a client
 * certificate signed by the cluster's client CA names its user (CN) and
 * groups (O), anyone else is system:anonymous; then a SubjectAccessReview
 * for the non-resource path decides (cached 10 s). Paths in
 * --authorization-always-allow-paths (default /healthz, /readyz, /livez)
 * need neither. A failed review denies.
 */
import type { IncomingMessage } from "node:http";
import type { TLSSocket } from "node:tls";
import { cachedAccessReviewer } from "../client/access-review.ts";
import type { Clock } from "../client/clock.ts";
import type { RestClient } from "../client/rest-client.ts";
import { tokenReviewAuthenticator } from "../kubelet/server/token-authenticator.ts";

export const DEFAULT_ALWAYS_ALLOW_PATHS = ["/healthz", "/readyz", "/livez"];

export interface User {
  name: string;
  groups: string[];
}

export type AuthDecision =
  { allowed: true; user?: User } | { allowed: false; code: 401 | 403; message: string };

export interface DelegatedAuthOptions {
  client: Pick<RestClient, "request">;
  clock: Clock;
  /** --authorization-always-allow-paths; "/foo/*" allows the prefix. */
  alwaysAllowPaths?: string[];
  /** Upstream's --authentication-token-webhook-cache-ttl (10 s). */
  tokenCacheTtlMs?: number;
  /** Upstream's --authorization-webhook-cache-{authorized,unauthorized}-ttl (10 s). */
  authzCacheTtlMs?: number;
}

function pathAllowed(path: string, patterns: string[]): boolean {
  return patterns.some((p) => (p.endsWith("*") ? path.startsWith(p.slice(0, -1)) : path === p));
}

/** The user of a TLS client certificate the server verified, if any. */
function certificateUser(req: IncomingMessage): User | undefined {
  const socket = req.socket as TLSSocket;
  if (!socket.authorized || typeof socket.getPeerCertificate !== "function") return undefined;
  const subject = socket.getPeerCertificate()?.subject as
    { CN?: string | string[]; O?: string | string[] } | undefined;
  const cn = Array.isArray(subject?.CN) ? subject.CN[0] : subject?.CN;
  if (!cn) return undefined;
  const o = subject?.O;
  return { name: cn, groups: [...(Array.isArray(o) ? o : o ? [o] : []), "system:authenticated"] };
}

/** Builds the authorize hook of the metrics server. */
export function delegatedAuth(
  o: DelegatedAuthOptions,
): (req: IncomingMessage) => Promise<AuthDecision> {
  const always = o.alwaysAllowPaths ?? DEFAULT_ALWAYS_ALLOW_PATHS;
  const reviewToken = tokenReviewAuthenticator({
    client: o.client,
    clock: o.clock,
    cacheTtlMs: o.tokenCacheTtlMs ?? 10_000,
  });
  const review = cachedAccessReviewer({
    client: o.client,
    clock: o.clock,
    allowedTtlMs: o.authzCacheTtlMs ?? 10_000,
    deniedTtlMs: o.authzCacheTtlMs ?? 10_000,
  });
  const authorize = (user: User, verb: string, path: string): Promise<boolean> =>
    review(user, { nonResourceAttributes: { path, verb } });
  return async (req) => {
    const path = new URL(req.url ?? "/", "https://x").pathname;
    if (pathAllowed(path, always)) return { allowed: true };
    const header = req.headers.authorization ?? "";
    let user: User | undefined;
    if (/^bearer /i.test(header)) {
      const token = header.slice(7).trim();
      const reviewed = token ? await reviewToken(token) : undefined;
      if (!reviewed) return { allowed: false, code: 401, message: "Unauthorized" };
      user = reviewed;
    } else {
      user = certificateUser(req) ?? {
        name: "system:anonymous",
        groups: ["system:unauthenticated"],
      };
    }
    const verb = (req.method ?? "GET").toLowerCase();
    if (await authorize(user, verb, path)) return { allowed: true, user };
    return {
      allowed: false,
      code: 403,
      message: `forbidden: User "${user.name}" cannot ${verb} path "${path}"`,
    };
  };
}

/**
 * The options of serveControllerManagerMetrics that make it authenticate and
 * authorize as upstream: the cluster's client CA (from the
 * kube-system/extension-apiserver-authentication ConfigMap, when published
 * and readable) and the delegated authorize hook.
 */
export async function delegatedSecurePort(
  client: Pick<RestClient, "request">,
  opts: { clock: Clock; alwaysAllowPaths?: string[] },
): Promise<{ clientCA?: string; authorize: (req: IncomingMessage) => Promise<AuthDecision> }> {
  const clientCA = await client
    .request<{ data?: Record<string, string> }>(
      "GET",
      "/api/v1/namespaces/kube-system/configmaps/extension-apiserver-authentication",
    )
    .then((cm) => cm.data?.["client-ca-file"])
    .catch(() => undefined);
  return { clientCA, authorize: delegatedAuth({ client, ...opts }) };
}
