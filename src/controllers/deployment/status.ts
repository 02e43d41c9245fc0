/** Deployment status and conditions, computed from its ReplicaSets (level-triggered). */
import type { KObject } from "../../api/types.ts";
import { canonicalJSON } from "../util/hash.ts";
import { resolveFenceposts } from "./rolling.ts";

export type ReplicaSet = KObject & {
  spec?: {
    replicas?: number;
    minReadySeconds?: number;
    selector?: unknown;
    template?: {
      metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> };
      spec?: unknown;
    };
  };
  status?: {
    replicas?: number;
    readyReplicas?: number;
    availableReplicas?: number;
    observedGeneration?: number;
  };
};

export interface Condition {
  type: string;
  status: "True" | "False" | "Unknown";
  reason?: string;
  message?: string;
  lastUpdateTime?: string;
  lastTransitionTime?: string;
}

export type Deployment = KObject & {
  spec?: {
    replicas?: number;
    selector?: unknown;
    template?: ReplicaSet["spec"] extends infer S
      ? S extends { template?: infer T }
        ? T
        : never
      : never;
    strategy?: {
      type?: string;
      rollingUpdate?: { maxSurge?: number | string; maxUnavailable?: number | string };
    };
    minReadySeconds?: number;
    revisionHistoryLimit?: number;
    paused?: boolean;
    progressDeadlineSeconds?: number;
  };
  status?: {
    observedGeneration?: number;
    replicas?: number;
    updatedReplicas?: number;
    readyReplicas?: number;
    availableReplicas?: number;
    unavailableReplicas?: number;
    conditions?: Condition[];
    collisionCount?: number;
  };
};

function stamp(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");
}

/** Sets a condition, keeping lastTransitionTime when the status did not change. */
function setCondition(list: Condition[], next: Condition, now: number): Condition[] {
  const old = list.find((c) => c.type === next.type);
  const same =
    old && old.status === next.status && old.reason === next.reason && old.message === next.message;
  if (same) return list;
  const merged: Condition = {
    ...next,
    lastUpdateTime: stamp(now),
    lastTransitionTime: old && old.status === next.status ? old.lastTransitionTime : stamp(now),
  };
  return [...list.filter((c) => c.type !== next.type), merged].sort((a, b) =>
    a.type === "Available" ? -1 : b.type === "Available" ? 1 : 0,
  );
}

export function deploymentStatus(
  d: Deployment,
  newRS: ReplicaSet | undefined,
  olds: ReplicaSet[],
  now: number,
): NonNullable<Deployment["status"]> {
  const all = [newRS, ...olds].filter((rs): rs is ReplicaSet => !!rs);
  const sum = (f: (rs: ReplicaSet) => number | undefined) =>
    all.reduce((n, rs) => n + (f(rs) ?? 0), 0);
  const replicas = d.spec?.replicas ?? 1;
  const available = sum((rs) => rs.status?.availableReplicas);
  const updated = newRS?.status?.replicas ?? 0;
  const total = sum((rs) => rs.status?.replicas);
  const maxUnavailable =
    d.spec?.strategy?.type === "Recreate"
      ? 0
      : resolveFenceposts(replicas, d.spec?.strategy?.rollingUpdate).unavailable;
  let conditions = d.status?.conditions ?? [];
  conditions = setCondition(
    conditions,
    available >= replicas - maxUnavailable
      ? {
          type: "Available",
          status: "True",
          reason: "MinimumReplicasAvailable",
          message: "Deployment has minimum availability.",
        }
      : {
          type: "Available",
          status: "False",
          reason: "MinimumReplicasUnavailable",
          message: "Deployment does not have minimum availability.",
        },
    now,
  );
  const rsName = newRS?.metadata?.name ?? "";
  const complete =
    !!newRS &&
    updated === replicas &&
    available === replicas &&
    total === replicas &&
    (newRS.status?.availableReplicas ?? 0) === replicas;
  const progressing: Condition = d.spec?.paused
    ? {
        type: "Progressing",
        status: "Unknown",
        reason: "DeploymentPaused",
        message: "Deployment is paused",
      }
    : complete
      ? {
          type: "Progressing",
          status: "True",
          reason: "NewReplicaSetAvailable",
          message: `ReplicaSet "${rsName}" has successfully progressed.`,
        }
      : {
          type: "Progressing",
          status: "True",
          reason: "ReplicaSetUpdated",
          message: `ReplicaSet "${rsName}" is progressing.`,
        };
  const prev = conditions.find((c) => c.type === "Progressing");
  const deadline = d.spec?.progressDeadlineSeconds ?? 600;
  const stuck =
    !complete &&
    !d.spec?.paused &&
    prev?.status === "True" &&
    prev.reason === "ReplicaSetUpdated" &&
    prev.lastUpdateTime !== undefined &&
    Date.parse(prev.lastUpdateTime) + deadline * 1000 < now;
  conditions = setCondition(
    conditions,
    stuck
      ? {
          type: "Progressing",
          status: "False",
          reason: "ProgressDeadlineExceeded",
          message: `ReplicaSet "${rsName}" has timed out progressing.`,
        }
      : prev?.reason === "ProgressDeadlineExceeded" && !complete
        ? prev
        : progressing,
    now,
  );
  return {
    observedGeneration: d.metadata?.generation ?? 0,
    replicas: total,
    updatedReplicas: updated,
    readyReplicas: sum((rs) => rs.status?.readyReplicas),
    availableReplicas: available,
    unavailableReplicas: Math.max(0, replicas - available),
    conditions,
    ...(d.status?.collisionCount !== undefined ? { collisionCount: d.status.collisionCount } : {}),
  };
}

export function statusChanged(d: Deployment, status: NonNullable<Deployment["status"]>): boolean {
  return canonicalJSON(d.status ?? {}) !== canonicalJSON(status);
}
