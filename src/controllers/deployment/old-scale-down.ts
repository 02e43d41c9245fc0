/**
 * How a rolling update shrinks the old ReplicaSets, as upstream's
 * reconcileOldReplicaSets, in two steps over the old sets oldest first:
 * 1. cleanupUnhealthyReplicas: replicas that are not available are removed
 *    first (they cannot make availability worse), up to maxScaledDown;
 * 2. scaleDownOldReplicaSetsForRollingUpdate: available replicas are removed
 *    only while the available count over all sets stays above
 *    replicas - maxUnavailable.
 * Pure: returns the new spec.replicas of each old set it changes.
 */
import { maxOldScaleDown } from "./rolling.ts";

export interface ReplicaSetCounts {
  name: string;
  /** spec.replicas */
  replicas: number;
  /** status.availableReplicas */
  available: number;
  /** creationTimestamp in ms (ties broken by name, as upstream). */
  created: number;
}

export interface OldScaleDownPlan {
  /** New spec.replicas by old ReplicaSet name, in the order they are written. */
  sizes: Map<string, number>;
  /** Replicas removed by the unhealthy clean-up step. */
  cleanedUp: number;
  /** Replicas removed by the availability-bounded step. */
  scaledDown: number;
}

export function planOldScaleDown(args: {
  replicas: number;
  maxUnavailable: number;
  newRS: { replicas: number; available: number };
  olds: ReplicaSetCounts[];
}): OldScaleDownPlan {
  const plan: OldScaleDownPlan = { sizes: new Map(), cleanedUp: 0, scaledDown: 0 };
  const olds = [...args.olds]
    .sort((a, b) => a.created - b.created || a.name.localeCompare(b.name))
    .map((rs) => ({ ...rs }));
  if (olds.every((rs) => rs.replicas === 0)) return plan;
  const all = olds.reduce((n, rs) => n + rs.replicas, args.newRS.replicas);
  const maxScaledDown = maxOldScaleDown({
    replicas: args.replicas,
    unavailable: args.maxUnavailable,
    totalReplicas: all,
    newReplicas: args.newRS.replicas,
    newAvailable: args.newRS.available,
  });
  if (maxScaledDown <= 0) return plan;
  for (const rs of olds) {
    if (plan.cleanedUp >= maxScaledDown) break;
    const unhealthy = rs.replicas - rs.available;
    if (rs.replicas === 0 || unhealthy <= 0) continue;
    const cut = Math.min(maxScaledDown - plan.cleanedUp, unhealthy);
    rs.replicas -= cut;
    plan.cleanedUp += cut;
    plan.sizes.set(rs.name, rs.replicas);
  }
  const minAvailable = args.replicas - args.maxUnavailable;
  const available = olds.reduce((n, rs) => n + rs.available, args.newRS.available);
  const allowed = available - minAvailable;
  for (const rs of olds) {
    if (plan.scaledDown >= allowed) break;
    if (rs.replicas === 0) continue;
    const cut = Math.min(rs.replicas, allowed - plan.scaledDown);
    rs.replicas -= cut;
    plan.scaledDown += cut;
    plan.sizes.set(rs.name, rs.replicas);
  }
  return plan;
}
