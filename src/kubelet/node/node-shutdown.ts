/**
 * Graceful node shutdown of pods (upstream's node shutdown manager, kubelet
 * configuration shutdownGracePeriod / shutdownGracePeriodCriticalPods; both
 * 0, the default, turn it off). Here the node shuts down when the kubelet
 * stops (`k8ts kubelet`/`server`/`agent` on SIGTERM): the node reports Ready
 * False ("node is shutting down"), then regular pods are killed, each with
 * the smaller of its own grace period and shutdownGracePeriod minus
 * shutdownGracePeriodCriticalPods, then critical pods (static pods and those
 * of priority >= 2000000000) with at most shutdownGracePeriodCriticalPods.
 * Killed pods are marked Failed with reason Terminated and a
 * DisruptionTarget condition, and stay in the API.
 */
import type { Pod } from "kubernetes-types/core/v1.d.ts";
import { ANNOTATION_CONFIG_SOURCE } from "../static-pods.ts";

/** Upstream's messages and reason. */
export const nodeShuttingDownMessage = "node is shutting down";
export const podShutdownReason = "Terminated";
export const podShutdownMessage = "Pod was terminated in response to imminent node shutdown.";

/** Upstream scheduling.SystemCriticalPriority. */
const systemCriticalPriority = 2_000_000_000;

export interface ShutdownPolicy {
  /** shutdownGracePeriod: the whole shutdown (0: graceful node shutdown off). */
  gracePeriodMs: number;
  /** shutdownGracePeriodCriticalPods: its part kept for critical pods. */
  criticalGracePeriodMs: number;
}

/** Static pods and system-critical priorities (upstream IsCriticalPod). */
export function isCriticalPod(pod: Pod): boolean {
  const source = pod.metadata?.annotations?.[ANNOTATION_CONFIG_SOURCE];
  return (
    (source !== undefined && source !== "api") ||
    (pod.spec?.priority ?? 0) >= systemCriticalPriority
  );
}

/** The grace period a pod gets within a group's period (upstream: the pod's own when shorter). */
export function shutdownGraceSeconds(pod: Pod, groupSeconds: number): number {
  const own = pod.spec?.terminationGracePeriodSeconds ?? 30;
  return Math.max(0, Math.min(own, groupSeconds));
}

/**
 * Kills `pods` for a node shutdown, regular ones first, then critical ones;
 * each group's kills run in parallel and the group ends when all are done.
 * Resolves to the uids in the order of their groups.
 */
export async function shutdownPods(
  pods: Pod[],
  policy: ShutdownPolicy,
  kill: (pod: Pod, graceSeconds: number) => Promise<void>,
): Promise<string[][]> {
  const criticalSeconds = Math.floor(policy.criticalGracePeriodMs / 1000);
  const regularSeconds = Math.max(
    0,
    Math.floor((policy.gracePeriodMs - policy.criticalGracePeriodMs) / 1000),
  );
  const groups: [Pod[], number][] = [
    [pods.filter((p) => !isCriticalPod(p)), regularSeconds],
    [pods.filter(isCriticalPod), criticalSeconds],
  ];
  const done: string[][] = [];
  for (const [group, seconds] of groups) {
    await Promise.all(group.map((p) => kill(p, shutdownGraceSeconds(p, seconds))));
    done.push(group.map((p) => p.metadata?.uid ?? ""));
  }
  return done;
}
