/**
 * The arithmetic of rolling updates, as upstream's deployment util: resolving
 * maxSurge/maxUnavailable against the replica count and deciding how far the
 * new ReplicaSet may grow and the old ones may shrink. Pure functions.
 */
import { scaledValue } from "../util/int-or-percent.ts";

/** maxSurge and maxUnavailable for a deployment; never both zero. */
export function resolveFenceposts(
  replicas: number,
  rolling: { maxSurge?: number | string; maxUnavailable?: number | string } | undefined,
): { surge: number; unavailable: number } {
  const surge = scaledValue(rolling?.maxSurge ?? "25%", replicas, true) ?? 0;
  let unavailable = scaledValue(rolling?.maxUnavailable ?? "25%", replicas, false) ?? 0;
  if (surge === 0 && unavailable === 0) unavailable = 1;
  return { surge, unavailable: Math.min(unavailable, replicas) };
}

/** The new ReplicaSet's next replica count during a rolling update. */
export function newReplicaSetReplicas(args: {
  replicas: number;
  surge: number;
  newReplicas: number;
  /** Sum of spec.replicas over all ReplicaSets. */
  totalReplicas: number;
}): number {
  const { replicas, surge, newReplicas, totalReplicas } = args;
  if (newReplicas >= replicas) return replicas;
  const maxTotal = replicas + surge;
  if (totalReplicas >= maxTotal) return newReplicas;
  const scaleUp = Math.min(maxTotal - totalReplicas, replicas - newReplicas);
  return newReplicas + scaleUp;
}

/**
 * How many old pods may be removed now: all pods minus the minimum that must
 * stay available, minus the new ReplicaSet's pods that are not yet available.
 */
export function maxOldScaleDown(args: {
  replicas: number;
  unavailable: number;
  totalReplicas: number;
  newReplicas: number;
  newAvailable: number;
}): number {
  const minAvailable = args.replicas - args.unavailable;
  const newUnavailable = Math.max(0, args.newReplicas - args.newAvailable);
  return Math.max(0, args.totalReplicas - minAvailable - newUnavailable);
}
