/**
 * SubjectAccessReviews sent to the API server with their answers cached, as
 * delegated authorizers do (the kubelet's webhook authorization, the
 * controller manager's secure port): one review per distinct user, groups
 * and attributes until its answer expires; a failed review denies and is
 * not cached.
 */
import type { Clock } from "./clock.ts";
import type { RestClient } from "./rest-client.ts";

export interface AccessReviewerOptions {
  client: Pick<RestClient, "request">;
  clock: Clock;
  /** How long an allowed answer is kept. */
  allowedTtlMs: number;
  /** How long a denied answer is kept. */
  deniedTtlMs: number;
}

/** The attributes a review asks about: resourceAttributes or nonResourceAttributes. */
export type ReviewAttributes =
  | { resourceAttributes: Record<string, string> }
  | { nonResourceAttributes: { path: string; verb: string } };

/** Returns `review(user, attributes)`: whether the API server allows it. */
export function cachedAccessReviewer(
  o: AccessReviewerOptions,
): (
  user: { name: string; groups: readonly string[] },
  attrs: ReviewAttributes,
) => Promise<boolean> {
  const cache = new Map<string, { until: number; allowed: boolean }>();
  return async (user, attrs) => {
    const key = JSON.stringify([user.name, [...user.groups].sort(), attrs]);
    const now = o.clock.now();
    const hit = cache.get(key);
    if (hit && hit.until > now) return hit.allowed;
    let allowed = false;
    try {
      const res = await o.client.request<{ status?: { allowed?: boolean } }>(
        "POST",
        "/apis/authorization.k8s.io/v1/subjectaccessreviews",
        {
          body: {
            apiVersion: "authorization.k8s.io/v1",
            kind: "SubjectAccessReview",
            spec: { user: user.name, groups: [...user.groups], ...attrs },
          },
        },
      );
      allowed = res.status?.allowed === true;
    } catch {
      return false;
    }
    if (cache.size > 1000) cache.clear();
    cache.set(key, { until: now + (allowed ? o.allowedTtlMs : o.deniedTtlMs), allowed });
    return allowed;
  };
}
