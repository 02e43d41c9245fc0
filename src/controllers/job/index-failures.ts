/**
 * backoffLimitPerIndex bookkeeping of Indexed Jobs (upstream
 * JobBackoffLimitPerIndex), as pure functions. Each pod carries the failure
 * counts of its index before it (annotations, set on the replacement pod),
 * so the counts survive the deletion of older pods:
 * - a failed pod adds 1 to its index's failures (0 when an Ignore rule
 *   matched: that goes to the ignored count instead);
 * - an index fails once its failures exceed backoffLimitPerIndex, or at
 *   once when a FailIndex rule matched.
 */
import type { Pod } from "../util/pods.ts";
import { matchPodFailurePolicy, type PodFailurePolicyRule } from "./job-policies.ts";

export const indexFailureCountAnnotation = "batch.kubernetes.io/job-index-failure-count";
export const indexIgnoredFailureCountAnnotation =
  "batch.kubernetes.io/job-index-ignored-failure-count";
export const completionIndexAnnotation = "batch.kubernetes.io/job-completion-index";

export interface IndexFailureCounts {
  failed: number;
  ignored: number;
}

export function podIndex(pod: Pod): number | undefined {
  const v = pod.metadata?.annotations?.[completionIndexAnnotation];
  return v === undefined || v === "" || !/^\d+$/.test(v) ? undefined : Number(v);
}

function annotated(pod: Pod, key: string): number {
  const n = Number(pod.metadata?.annotations?.[key] ?? 0);
  return Number.isInteger(n) && n >= 0 ? n : 0;
}

/** The counts of the pod's index including the pod's own failure (if it failed). */
export function countsAfter(
  pod: Pod,
  rules: PodFailurePolicyRule[] | undefined,
): IndexFailureCounts {
  const counts = {
    failed: annotated(pod, indexFailureCountAnnotation),
    ignored: annotated(pod, indexIgnoredFailureCountAnnotation),
  };
  if (pod.status?.phase !== "Failed") return counts;
  if (matchPodFailurePolicy(rules, pod)?.action === "Ignore") counts.ignored++;
  else counts.failed++;
  return counts;
}

/** Per index, the counts after its newest (most failed) pod: what a replacement pod inherits. */
export function indexFailureCounts(
  pods: Pod[],
  rules: PodFailurePolicyRule[] | undefined,
): Map<number, IndexFailureCounts> {
  const out = new Map<number, IndexFailureCounts>();
  for (const pod of pods) {
    const idx = podIndex(pod);
    if (idx === undefined) continue;
    const c = countsAfter(pod, rules);
    const prev = out.get(idx);
    if (!prev || c.failed > prev.failed || (c.failed === prev.failed && c.ignored > prev.ignored))
      out.set(idx, c);
  }
  return out;
}

/** Upstream isIndexFailed: whether this failed pod fails its index. */
export function isIndexFailed(
  pod: Pod,
  backoffLimitPerIndex: number,
  rules: PodFailurePolicyRule[] | undefined,
): boolean {
  if (pod.status?.phase !== "Failed") return false;
  const action = matchPodFailurePolicy(rules, pod)?.action;
  if (action === "FailIndex") return true;
  if (action === "Ignore") return false;
  return countsAfter(pod, rules).failed > backoffLimitPerIndex;
}

/**
 * The Job-level outcome of failed indexes (upstream's order): more failed
 * indexes than maxFailedIndexes fails the Job at once; otherwise, once every
 * index has either succeeded or failed, any failed index fails the Job.
 */
export function failedIndexesOutcome(args: {
  failed: number[];
  completed: number[];
  completions: number;
  maxFailedIndexes?: number;
}): { reason: string; message: string } | undefined {
  const { failed, completed, completions, maxFailedIndexes } = args;
  if (maxFailedIndexes !== undefined && failed.length > maxFailedIndexes)
    return {
      reason: "MaxFailedIndexesExceeded",
      message: "Job has exceeded the specified maximal number of failed indexes",
    };
  if (failed.length > 0 && failed.length + completed.length >= completions)
    return { reason: "FailedIndexes", message: "Job has failed indexes" };
  return undefined;
}
