/**
 * Scaling a Deployment while a rollout is in progress (upstream
 * DeploymentController.scale and GetProportion): with one active
 * ReplicaSet it takes the whole count; otherwise the replicas added or
 * removed are spread over the active ReplicaSets in proportion to their
 * size against the deployment.kubernetes.io/max-replicas each was last
 * scaled under, leftovers going to the largest. Pure.
 */
import type { ReplicaSet } from "./status.ts";

export const maxReplicasAnnotation = "deployment.kubernetes.io/max-replicas";
export const desiredReplicasAnnotation = "deployment.kubernetes.io/desired-replicas";

const size = (rs: ReplicaSet) => rs.spec?.replicas ?? 0;
const created = (rs: ReplicaSet) => Date.parse(rs.metadata?.creationTimestamp ?? "") || 0;

/** upstream isScalingEvent: an active ReplicaSet was last sized for another replica count. */
export function isScalingEvent(replicas: number, all: ReplicaSet[]): boolean {
  return all.some(
    (rs) =>
      size(rs) > 0 && rs.metadata?.annotations?.[desiredReplicasAnnotation] !== String(replicas),
  );
}

/** upstream getReplicaSetFraction + GetProportion. */
function proportion(
  rs: ReplicaSet,
  d: { replicas: number; surge: number; statusReplicas: number },
  toAdd: number,
  added: number,
): number {
  if (size(rs) === 0 || toAdd === 0 || toAdd === added) return 0;
  let fraction: number;
  if (d.replicas === 0) fraction = -size(rs);
  else {
    const annotated = Number(rs.metadata?.annotations?.[maxReplicasAnnotation]);
    const base = Number.isInteger(annotated) && annotated > 0 ? annotated : d.statusReplicas;
    // Go's integer.RoundToInt32: half away from zero.
    const scaled = (size(rs) * (d.replicas + d.surge)) / base;
    fraction = Math.sign(scaled) * Math.round(Math.abs(scaled)) - size(rs);
  }
  const allowed = toAdd - added;
  return toAdd > 0 ? Math.min(fraction, allowed) : Math.max(fraction, allowed);
}

/**
 * The size each ReplicaSet should have (by name), or an empty map when
 * nothing is to be done (an unsaturated Recreate rollout).
 */
export function proportionalSizes(args: {
  replicas: number;
  surge: number;
  /** status.replicas of the Deployment (fallback when an annotation is missing). */
  statusReplicas: number;
  rollingUpdate: boolean;
  newRS?: ReplicaSet;
  olds: ReplicaSet[];
}): Map<string, number> {
  const { replicas, newRS, olds } = args;
  const name = (rs: ReplicaSet) => rs.metadata?.name ?? "";
  const all = [...(newRS ? [newRS] : []), ...olds];
  const active = all.filter((rs) => size(rs) > 0);
  // upstream FindActiveOrLatest: the one active set, or the newest when none is active.
  const single =
    active.length === 1
      ? active[0]
      : active.length === 0
        ? (newRS ?? [...olds].sort((a, b) => created(b) - created(a))[0])
        : undefined;
  if (single) return new Map([[name(single), replicas]]);
  const saturated =
    !!newRS &&
    size(newRS) === replicas &&
    newRS.metadata?.annotations?.[desiredReplicasAnnotation] === String(replicas) &&
    (newRS.status?.availableReplicas ?? 0) === replicas;
  if (saturated) return new Map(olds.filter((rs) => size(rs) > 0).map((rs) => [name(rs), 0]));
  if (!args.rollingUpdate) return new Map();
  const allowed = replicas > 0 ? replicas + args.surge : 0;
  const toAdd = allowed - active.reduce((n, rs) => n + size(rs), 0);
  // Larger first; ties: newer first when growing, older first when shrinking.
  const ordered = [...active].sort(
    (a, b) => size(b) - size(a) || (toAdd > 0 ? created(b) - created(a) : created(a) - created(b)),
  );
  const sizes = new Map<string, number>();
  let added = 0;
  for (const rs of ordered) {
    const p = proportion(rs, { ...args }, toAdd, added);
    sizes.set(name(rs), size(rs) + p);
    added += p;
  }
  if (toAdd !== 0 && ordered.length > 0) {
    const first = name(ordered[0]!);
    sizes.set(first, Math.max(0, sizes.get(first)! + toAdd - added));
  }
  return sizes;
}
