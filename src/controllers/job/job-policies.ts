/**
 * A Job's podFailurePolicy and successPolicy (upstream
 * matchPodFailurePolicy and matchSuccessPolicy), as pure functions.
 * - podFailurePolicy: the first rule matching a failed pod decides: FailJob
 *   fails the Job at once, Ignore keeps the failure out of status.failed
 *   (and of backoffLimit), Count counts it as usual. FailIndex (which needs
 *   backoffLimitPerIndex) fails the pod's index (index-failures.ts).
 * - successPolicy (Indexed Jobs): the Job succeeds once any rule holds over
 *   the completed indexes.
 */
import type { Pod } from "../util/pods.ts";
import { parseIndexes } from "./job-status.ts";

export interface PodFailurePolicyRule {
  action: "FailJob" | "Ignore" | "Count" | "FailIndex";
  onExitCodes?: { containerName?: string; operator: "In" | "NotIn"; values: number[] };
  onPodConditions?: { type: string; status?: string }[];
}

export interface PodFailurePolicyMatch {
  action: PodFailurePolicyRule["action"];
  /** Upstream's message, e.g. "Container main for pod default/x failed with exit code 42 matching FailJob rule at index 0". */
  message: string;
}

interface ContainerStatus {
  name: string;
  state?: { terminated?: { exitCode?: number } };
}

/** The first rule of rules matching the failed pod, if any. */
export function matchPodFailurePolicy(
  rules: PodFailurePolicyRule[] | undefined,
  pod: Pod,
): PodFailurePolicyMatch | undefined {
  const ns = pod.metadata?.namespace ?? "";
  const name = pod.metadata?.name ?? "";
  const status = pod.status as
    | {
        containerStatuses?: ContainerStatus[];
        initContainerStatuses?: ContainerStatus[];
        conditions?: { type: string; status: string }[];
      }
    | undefined;
  for (const [i, rule] of (rules ?? []).entries()) {
    const on = rule.onExitCodes;
    if (on) {
      for (const c of [
        ...(status?.initContainerStatuses ?? []),
        ...(status?.containerStatuses ?? []),
      ]) {
        if (on.containerName && on.containerName !== c.name) continue;
        const code = c.state?.terminated?.exitCode;
        if (code === undefined || code === 0) continue;
        const inValues = on.values.includes(code);
        if (on.operator === "In" ? inValues : !inValues)
          return {
            action: rule.action,
            message: `Container ${c.name} for pod ${ns}/${name} failed with exit code ${code} matching ${rule.action} rule at index ${i}`,
          };
      }
    }
    for (const pattern of rule.onPodConditions ?? []) {
      const want = pattern.status ?? "True";
      if ((status?.conditions ?? []).some((c) => c.type === pattern.type && c.status === want))
        return {
          action: rule.action,
          message: `Pod ${ns}/${name} has condition ${pattern.type} matching ${rule.action} rule at index ${i}`,
        };
    }
  }
  return undefined;
}

export interface SuccessPolicyRule {
  succeededIndexes?: string;
  succeededCount?: number;
}

/**
 * The index of the first rule the completed indexes satisfy: every index of
 * succeededIndexes (or succeededCount of them) completed, or succeededCount
 * completed indexes of all when only a count is given.
 */
export function matchSuccessPolicy(
  rules: SuccessPolicyRule[] | undefined,
  completedIndexes: string | undefined,
): number | undefined {
  const done = new Set(parseIndexes(completedIndexes));
  for (const [i, rule] of (rules ?? []).entries()) {
    if (rule.succeededIndexes !== undefined) {
      const wanted = parseIndexes(rule.succeededIndexes);
      const hits = wanted.filter((x) => done.has(x)).length;
      if (rule.succeededCount !== undefined ? hits >= rule.succeededCount : hits === wanted.length)
        return i;
    } else if (rule.succeededCount !== undefined && done.size >= rule.succeededCount) return i;
  }
  return undefined;
}
