/**
 * The kubelet's webhook authorization, as upstream's kubelet with
 * --authorization-mode=Webhook: each caller's use of a node subresource
 * (nodes/proxy, nodes/log, nodes/stats, nodes/metrics) is decided by a
 * SubjectAccessReview sent to the API server. Answers are cached (allowed
 * 5 minutes, denied 30 seconds, upstream's defaults); a failed review
 * denies.
 */
import { cachedAccessReviewer } from "../../client/access-review.ts";
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
  const review = cachedAccessReviewer({
    client: o.client,
    clock: o.clock,
    allowedTtlMs: o.allowedTtlMs ?? 300_000,
    deniedTtlMs: o.deniedTtlMs ?? 30_000,
  });
  return (user, verb, subresource) =>
    review(user, {
      resourceAttributes: accessReview(o.nodeName, user, verb, subresource).spec.resourceAttributes,
    });
}
