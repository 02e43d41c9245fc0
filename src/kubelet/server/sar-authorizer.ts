/**
 * The kubelet's webhook authorization, as upstream's kubelet with
 * --authorization-mode=Webhook: each caller's use of a node subresource
 * (nodes/proxy, nodes/log, nodes/stats, nodes/metrics) is decided by a
 * SubjectAccessReview sent to the API server. Answers are cached (allowed
 * 5 minutes, denied 30 seconds, upstream's defaults); a failed review
 * denies.
 */
import type { Clock } from "../../client/clock.ts";
import type { RestClient } from "../../client/rest-client.ts";
import type { KubeletUser } from "./kubelet-server.ts";

export interface SarAuthorizerOptions {
  client: Pick<RestClient, "request">;
  nodeName: string;
  clock: Clock;
  allowedTtlMs?: number;
  deniedTtlMs?: number;
}

/** The SubjectAccessReview for one request. */
export function accessReview(
  nodeName: string,
  user: KubeletUser,
  verb: string,
  subresource: string,
) {
  return {
    apiVersion: "authorization.k8s.io/v1",
    kind: "SubjectAccessReview",
    spec: {
      user: user.name,
      groups: user.groups,
      resourceAttributes: { verb, resource: "nodes", subresource, name: nodeName },
    },
  };
}

/** Builds the `authorize` hook of the kubelet server. */
export function sarAuthorizer(
  o: SarAuthorizerOptions,
): (user: KubeletUser, verb: string, subresource: string) => Promise<boolean> {
  const cache = new Map<string, { until: number; allowed: boolean }>();
  return async (user, verb, subresource) => {
    const key = JSON.stringify([user.name, [...user.groups].sort(), verb, subresource]);
    const now = o.clock.now();
    const hit = cache.get(key);
    if (hit && hit.until > now) return hit.allowed;
    let allowed = false;
    try {
      const res = await o.client.request<{ status?: { allowed?: boolean } }>(
        "POST",
        "/apis/authorization.k8s.io/v1/subjectaccessreviews",
        { body: accessReview(o.nodeName, user, verb, subresource) },
      );
      allowed = res.status?.allowed === true;
    } catch {
      return false;
    }
    if (cache.size > 1000) cache.clear();
    cache.set(key, {
      until: now + (allowed ? (o.allowedTtlMs ?? 300_000) : (o.deniedTtlMs ?? 30_000)),
      allowed,
    });
    return allowed;
  };
}
