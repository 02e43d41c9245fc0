/** Pod facts controllers share (upstream pkg/api/v1/pod and controller_utils). */
import type { KObject } from "../../api/types.ts";

export interface PodCondition {
  type: string;
  status: string;
  lastTransitionTime?: string;
}

export type Pod = KObject & {
  spec?: { nodeName?: string; [k: string]: unknown };
  status?: {
    phase?: string;
    conditions?: PodCondition[];
    containerStatuses?: { restartCount?: number; ready?: boolean }[];
    [k: string]: unknown;
  };
};

/** Not terminal and not being deleted. */
export function isPodActive(pod: Pod): boolean {
  const phase = pod.status?.phase;
  return phase !== "Succeeded" && phase !== "Failed" && !pod.metadata?.deletionTimestamp;
}

export function podReadyCondition(pod: Pod): PodCondition | undefined {
  return pod.status?.conditions?.find((c) => c.type === "Ready");
}

export function isPodReady(pod: Pod): boolean {
  return podReadyCondition(pod)?.status === "True";
}

/** Ready for at least minReadySeconds at time `now` (ms). */
export function isPodAvailable(pod: Pod, minReadySeconds: number, now: number): boolean {
  const ready = podReadyCondition(pod);
  if (ready?.status !== "True") return false;
  if (minReadySeconds <= 0) return true;
  const since = ready.lastTransitionTime ? Date.parse(ready.lastTransitionTime) : NaN;
  return !Number.isNaN(since) && since + minReadySeconds * 1000 <= now;
}

function restarts(pod: Pod): number {
  return Math.max(0, ...(pod.status?.containerStatuses ?? []).map((c) => c.restartCount ?? 0));
}

const phaseRank: Record<string, number> = { Pending: 0, Unknown: 1, Running: 2 };

/**
 * Orders pods so the ones to delete first come first, as upstream's
 * ActivePodsWithRanks: unassigned before assigned, pending before unknown
 * before running, not ready before ready, more pods on the same node first,
 * ready for less time first, more restarts first, newer first.
 * `rank` gives, per pod uid, how many related pods share its node.
 */
export function compareForDeletion(a: Pod, b: Pod, rank: Map<string, number>): number {
  const assigned = (p: Pod) => (p.spec?.nodeName ? 1 : 0);
  if (assigned(a) !== assigned(b)) return assigned(a) - assigned(b);
  const pa = phaseRank[a.status?.phase ?? "Pending"] ?? 0;
  const pb = phaseRank[b.status?.phase ?? "Pending"] ?? 0;
  if (pa !== pb) return pa - pb;
  const ra = isPodReady(a) ? 1 : 0;
  const rb = isPodReady(b) ? 1 : 0;
  if (ra !== rb) return ra - rb;
  const na = rank.get(a.metadata?.uid ?? "") ?? 0;
  const nb = rank.get(b.metadata?.uid ?? "") ?? 0;
  if (na !== nb) return nb - na;
  if (ra === 1) {
    const ta = Date.parse(podReadyCondition(a)?.lastTransitionTime ?? "") || 0;
    const tb = Date.parse(podReadyCondition(b)?.lastTransitionTime ?? "") || 0;
    if (ta !== tb) return tb - ta;
  }
  const xa = restarts(a);
  const xb = restarts(b);
  if (xa !== xb) return xb - xa;
  const ca = Date.parse(a.metadata?.creationTimestamp ?? "") || 0;
  const cb = Date.parse(b.metadata?.creationTimestamp ?? "") || 0;
  return cb - ca;
}
