/**
 * Small helpers of the HPA controller: the scale target's resource, the
 * quantity format of current metric values, and condition bookkeeping.
 */
import type { HorizontalPodAutoscalerCondition } from "kubernetes-types/autoscaling/v2.d.ts";
import type { ResourceRef } from "../../client/rest-client.ts";

/** The resource of a scale target kind ("Deployment" → apps/v1 deployments). */
export function scaleTargetResource(apiVersion: string, kind: string): ResourceRef {
  const [group, version] = apiVersion.includes("/") ? apiVersion.split("/") : ["", apiVersion];
  const lower = kind.toLowerCase();
  const resource = lower.endsWith("s")
    ? `${lower}es`
    : lower.endsWith("y")
      ? `${lower.slice(0, -1)}ies`
      : `${lower}s`;
  return { group: group!, version: version!, resource, namespaced: true };
}

/** RFC 3339 time, seconds precision. */
export const rfc3339 = (ms: number) => new Date(ms).toISOString().replace(/\.\d+Z$/, "Z");

/** A milli-unit value as a quantity string ("250m", or whole units without suffix). */
export function milliQuantity(milli: number): string {
  return milli % 1000 === 0 ? String(milli / 1000) : `${milli}m`;
}

/** Sets or replaces a condition; lastTransitionTime changes only with the status. */
export function setCondition(
  conds: HorizontalPodAutoscalerCondition[],
  type: string,
  status: "True" | "False",
  reason: string,
  message: string,
  now: number,
): HorizontalPodAutoscalerCondition[] {
  const prev = conds.find((c) => c.type === type);
  const next: HorizontalPodAutoscalerCondition = {
    type,
    status,
    reason,
    message,
    lastTransitionTime:
      prev && prev.status === status && prev.lastTransitionTime
        ? prev.lastTransitionTime
        : rfc3339(now),
  };
  return prev ? conds.map((c) => (c === prev ? next : c)) : [...conds, next];
}
