/** Taints and tolerations as the node lifecycle controller uses them (upstream v1 helpers). */
import type { KObject } from "../../api/types.ts";

export interface Taint {
  key: string;
  value?: string;
  effect: "NoSchedule" | "PreferNoSchedule" | "NoExecute";
  timeAdded?: string;
}

export interface Toleration {
  key?: string;
  operator?: "Exists" | "Equal";
  value?: string;
  effect?: string;
  tolerationSeconds?: number;
}

export function tolerates(t: Toleration, taint: Taint): boolean {
  if (t.effect && t.effect !== taint.effect) return false;
  if ((t.operator ?? "Equal") === "Exists") return !t.key || t.key === taint.key;
  return t.key === taint.key && (t.value ?? "") === (taint.value ?? "");
}

/**
 * How long (ms) a pod may stay on a node with these NoExecute taints:
 * 0 when some taint is not tolerated, Infinity when all are tolerated forever,
 * else the smallest tolerationSeconds among the matching tolerations.
 */
export function evictionDelayMs(tolerations: Toleration[], taints: Taint[]): number {
  let delay = Infinity;
  for (const taint of taints.filter((t) => t.effect === "NoExecute")) {
    const matching = tolerations.filter((t) => tolerates(t, taint));
    if (matching.length === 0) return 0;
    for (const m of matching)
      if (m.tolerationSeconds !== undefined)
        delay = Math.min(delay, Math.max(0, m.tolerationSeconds) * 1000);
  }
  return delay;
}

export interface NodeCondition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
  lastHeartbeatTime?: string;
  lastTransitionTime?: string;
}

/** The parts of a Node the node lifecycle controller reads. */
export type Node = KObject & {
  spec?: { unschedulable?: boolean; taints?: Taint[] };
  status?: { conditions?: NodeCondition[] };
};
