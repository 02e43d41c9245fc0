/**
 * The DaemonSet RollingUpdate plan, as upstream's rollingUpdate: per node,
 * the newest-revision pod and the old one. Without surge, old pods are
 * deleted (unavailable ones at once, available ones while fewer than
 * maxUnavailable nodes are unavailable) and the manage step recreates them;
 * with surge, new pods are started beside old ones (at most maxSurge at a
 * time, at once where the old pod is unavailable) and an old pod goes when
 * its replacement is available. Pure: the caller creates and deletes.
 */
import { scaledValue } from "../util/int-or-percent.ts";
import type { Pod } from "../util/pods.ts";

export interface NodePods {
  node: string;
  /** The node's daemon pods, not being deleted, oldest first. */
  pods: Pod[];
}

export interface RollingPlan {
  deletePods: Pod[];
  createOnNodes: string[];
}

/** maxSurge and maxUnavailable as numbers of nodes, as upstream (at least one of them > 0). */
export function surgeAndUnavailable(
  rolling: { maxSurge?: number | string; maxUnavailable?: number | string } | undefined,
  desired: number,
): { maxSurge: number; maxUnavailable: number } {
  const maxSurge = scaledValue(rolling?.maxSurge ?? 0, desired, true) ?? 0;
  let maxUnavailable = scaledValue(rolling?.maxUnavailable ?? 1, desired, true) ?? 1;
  if (maxSurge === 0 && maxUnavailable === 0) maxUnavailable = 1;
  return { maxSurge, maxUnavailable };
}

export function planRollingUpdate(
  nodes: NodePods[],
  isCurrent: (p: Pod) => boolean,
  isAvailable: (p: Pod) => boolean,
  limits: { maxSurge: number; maxUnavailable: number },
): RollingPlan {
  const plan: RollingPlan = { deletePods: [], createOnNodes: [] };
  const split = (pods: Pod[]) => {
    const fresh = pods.filter(isCurrent);
    const old = pods.filter((p) => !isCurrent(p));
    return fresh.length > 1 || old.length > 1 ? undefined : { fresh: fresh[0], old: old[0] };
  };
  if (limits.maxSurge === 0) {
    let unavailable = 0;
    const candidates: Pod[] = [];
    for (const { pods } of nodes) {
      const s = split(pods);
      if (!s) continue;
      if ((!s.old && !s.fresh) || (s.old && s.fresh)) unavailable++;
      else if (s.fresh) {
        if (!isAvailable(s.fresh)) unavailable++;
      } else if (!isAvailable(s.old!)) {
        plan.deletePods.push(s.old!);
        unavailable++;
      } else if (unavailable < limits.maxUnavailable) candidates.push(s.old!);
    }
    const budget = Math.max(0, limits.maxUnavailable - unavailable);
    plan.deletePods.push(...candidates.slice(0, budget));
    return plan;
  }
  let surging = 0;
  const candidates: string[] = [];
  for (const { node, pods } of nodes) {
    const s = split(pods);
    if (!s) {
      surging++;
      continue;
    }
    if (!s.old) continue;
    if (!s.fresh) {
      if (!isAvailable(s.old)) plan.createOnNodes.push(node);
      else if (surging < limits.maxSurge) candidates.push(node);
      continue;
    }
    if (!isAvailable(s.fresh)) surging++;
    else plan.deletePods.push(s.old);
  }
  plan.createOnNodes.push(...candidates.slice(0, Math.max(0, limits.maxSurge - surging)));
  return plan;
}
