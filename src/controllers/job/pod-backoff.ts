/**
 * Pod re-creation backoff of the Job controller, derived from the pods
 * themselves as upstream's backoff_utils (so it survives a controller
 * restart): 10 s doubling per failure, at most 6 minutes, counted from the
 * failed pod's finish time. With backoffLimitPerIndex each index backs off
 * on its own: the failures are its last failed pod's absolute count (its
 * failure-count annotations plus its own failure), the time is that pod's.
 */
import type { Pod } from "../util/pods.ts";
import type { PodFailurePolicyRule } from "./job-policies.ts";
import { countsAfter, podIndex } from "./index-failures.ts";

/** Upstream's DefaultJobPodFailureBackOff and MaxJobPodFailureBackOff. */
export const DEFAULT_POD_FAILURE_BACKOFF_MS = 10_000;
export const MAX_POD_FAILURE_BACKOFF_MS = 360_000;

/** The backoff after `failures` consecutive failures (0 for none). */
export function backoffDelay(failures: number): number {
  if (failures <= 0) return 0;
  return Math.min(DEFAULT_POD_FAILURE_BACKOFF_MS * 2 ** (failures - 1), MAX_POD_FAILURE_BACKOFF_MS);
}

type Terminated = { state?: { terminated?: { finishedAt?: string } } };

/**
 * When a pod finished (ms), as upstream's getFinishedTime: the latest
 * finishedAt of its containers if all terminated, else the time its Ready
 * condition turned False, else its deletion time less the grace period,
 * else its creation time.
 */
export function podFinishedTime(pod: Pod): number {
  const statuses = (pod.status?.containerStatuses ?? []) as Terminated[];
  let latest: number | undefined;
  for (const s of statuses) {
    const at = Date.parse(s.state?.terminated?.finishedAt ?? "");
    if (Number.isNaN(at)) {
      latest = undefined;
      break;
    }
    latest = Math.max(latest ?? at, at);
  }
  if (latest !== undefined) return latest;
  const ready = pod.status?.conditions?.find((c) => c.type === "Ready");
  const readyFalse = ready?.status === "False" ? Date.parse(ready.lastTransitionTime ?? "") : NaN;
  if (!Number.isNaN(readyFalse)) return readyFalse;
  const deleted = Date.parse(pod.metadata?.deletionTimestamp ?? "");
  if (!Number.isNaN(deleted))
    return deleted - (pod.metadata?.deletionGracePeriodSeconds ?? 0) * 1000;
  return Date.parse(pod.metadata?.creationTimestamp ?? "") || 0;
}

/**
 * Per index, its last failed pod: the Failed pod with the highest absolute
 * failure count after it (failed + ignored; later pods of an index inherit
 * and add to their predecessor's counts), the later finisher on a tie.
 */
export function lastFailedPodPerIndex(
  pods: Pod[],
  rules: PodFailurePolicyRule[] | undefined,
): Map<number, { pod: Pod; failures: number; finishedAt: number }> {
  const out = new Map<number, { pod: Pod; failures: number; finishedAt: number }>();
  for (const pod of pods) {
    const idx = podIndex(pod);
    if (idx === undefined || pod.status?.phase !== "Failed") continue;
    const c = countsAfter(pod, rules);
    const failures = c.failed + c.ignored;
    const finishedAt = podFinishedTime(pod);
    const prev = out.get(idx);
    if (
      !prev ||
      failures > prev.failures ||
      (failures === prev.failures && finishedAt > prev.finishedAt)
    )
      out.set(idx, { pod, failures, finishedAt });
  }
  return out;
}

/** How long (ms) an index must still wait before its replacement pod; 0 when due. */
export function remainingIndexBackoff(
  last: { failures: number; finishedAt: number } | undefined,
  now: number,
): number {
  if (!last) return 0;
  return Math.max(0, last.finishedAt + backoffDelay(last.failures) - now);
}
