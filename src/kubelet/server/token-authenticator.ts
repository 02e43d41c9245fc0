/**
 * The kubelet's webhook token authentication, as upstream's kubelet with
 * --authentication-token-webhook: a bearer token is sent to the API server
 * in a TokenReview (authentication.k8s.io/v1) and the reviewed user is
 * cached by token hash for the cache TTL (upstream default 2 minutes, for
 * answers either way). A failed review is not cached and authenticates
 * no one.
 */
import { createHash } from "node:crypto";
import type { Clock } from "../../client/clock.ts";
import type { RestClient } from "../../client/rest-client.ts";
import type { KubeletUser } from "./kubelet-server.ts";

export interface TokenAuthenticatorOptions {
  client: Pick<RestClient, "request">;
  clock: Clock;
  /** --authentication-token-webhook-cache-ttl (default 120 000 ms). */
  cacheTtlMs?: number;
  /** Audiences asked for (default none: the API server's own). */
  audiences?: string[];
}

interface Reviewed {
  status?: {
    authenticated?: boolean;
    user?: { username?: string; groups?: string[] };
  };
}

/** Builds the `authenticateToken` hook of the kubelet server. */
export function tokenReviewAuthenticator(
  o: TokenAuthenticatorOptions,
): (token: string) => Promise<KubeletUser | undefined> {
  const cache = new Map<string, { until: number; user?: KubeletUser }>();
  const ttl = o.cacheTtlMs ?? 120_000;
  return async (token) => {
    const key = createHash("sha256").update(token).digest("hex");
    const now = o.clock.now();
    const hit = cache.get(key);
    if (hit && hit.until > now) return hit.user;
    let res: Reviewed;
    try {
      res = await o.client.request<Reviewed>(
        "POST",
        "/apis/authentication.k8s.io/v1/tokenreviews",
        {
          body: {
            apiVersion: "authentication.k8s.io/v1",
            kind: "TokenReview",
            spec: { token, ...(o.audiences?.length ? { audiences: o.audiences } : {}) },
          },
        },
      );
    } catch {
      return undefined;
    }
    const u = res.status?.user;
    const user =
      res.status?.authenticated && u?.username
        ? { name: u.username, groups: u.groups ?? [] }
        : undefined;
    if (cache.size > 1000) for (const [k, v] of cache) if (v.until <= now) cache.delete(k);
    cache.set(key, { until: now + ttl, user });
    return user;
  };
}
