/**
 * DefaultPreemption (PostFilter): when no node fits, find the node where
 * evicting the fewest, least important lower-priority pods (respecting
 * PodDisruptionBudgets where possible) lets the pod fit; delete those victims
 * (each marked DisruptionTarget/PreemptionByScheduler first, and a Preempted
 * event recorded) and nominate the node (status.nominatedNodeName). The pod
 * itself is retried once the victims are gone.
 */
import type { PodDisruptionBudget } from "kubernetes-types/policy/v1.d.ts";
import type { KObject } from "../../../api/types.ts";
import { podsRef } from "../../../client/resources.ts";
import { fitErrorMessage } from "../../framework/fit-error.ts";
import type { Handle, PostFilterPlugin } from "../../framework/interfaces.ts";
import type { PodInfo } from "../../framework/pod-info.ts";
import { Code, Status, unschedulable, unresolvable } from "../../framework/status.ts";
import { pickOneNode, selectVictimsOnNode, type Victims } from "./select-victims.ts";

export const Name = "DefaultPreemption";
export const ErrNotHelpful = "Preemption is not helpful for scheduling";

export function newDefaultPreemption(_args: unknown, handle: Handle): PostFilterPlugin {
  return {
    name: Name,
    async postFilter(state, pod, filtered) {
      if (pod.pod.spec?.preemptionPolicy === "Never")
        return { status: unschedulable("preemption: not eligible due to preemptionPolicy=Never.") };
      const snapshot = handle.snapshot();
      const nominated = pod.pod.status?.nominatedNodeName;
      if (nominated) {
        const ni = snapshot.get(nominated);
        const terminating =
          ni &&
          [...ni.pods.values()].some(
            (p) => p.pod.metadata?.deletionTimestamp && p.priority < pod.priority,
          );
        if (terminating)
          return {
            status: unschedulable(
              "preemption: not eligible due to a terminating pod on the nominated node.",
            ),
          };
      }
      const pdbs = handle.lister("poddisruptionbudgets").list() as PodDisruptionBudget[];
      const statuses = new Map<string, Status>();
      const candidates = new Map<string, Victims>();
      const all = snapshot.nodeInfoList();
      for (const node of all) {
        const prior = filtered.get(node.name);
        if (prior?.code === Code.UnschedulableAndUnresolvable) {
          statuses.set(node.name, unresolvable(ErrNotHelpful));
          continue;
        }
        const r = selectVictimsOnNode(handle, state.clone(), pod, node, pdbs);
        if (r.victims && r.victims.pods.length) candidates.set(node.name, r.victims);
        else if (r.status) statuses.set(node.name, r.status);
        else statuses.set(node.name, unresolvable("No victims"));
      }
      const chosen = pickOneNode(candidates);
      if (!chosen) {
        return { status: unschedulable(`preemption: ${fitErrorMessage(all.length, statuses)}`) };
      }
      const client = handle.client;
      if (client) {
        const meta = pod.pod.metadata ?? {};
        await client
          .patch(
            podsRef,
            meta.namespace,
            meta.name ?? "",
            "merge",
            { status: { nominatedNodeName: chosen } },
            {
              subresource: "status",
            },
          )
          .catch(() => undefined);
        await Promise.all(candidates.get(chosen)!.pods.map((v) => evict(handle, pod, v, chosen)));
      }
      return {
        status: null,
        nominatedNodeName: chosen,
        victims: candidates.get(chosen)!.pods.length,
      };
    },
  } satisfies PostFilterPlugin;
}

/**
 * Upstream's victim eviction: mark the victim with the DisruptionTarget
 * condition (reason PreemptionByScheduler) unless it has one, delete it
 * (uid precondition), and record a Preempted event regarding it.
 */
async function evict(handle: Handle, preemptor: PodInfo, victim: PodInfo, node: string) {
  const client = handle.client!;
  const meta = victim.pod.metadata ?? {};
  const hasCondition = victim.pod.status?.conditions?.some(
    (c) => c.type === "DisruptionTarget" && c.status === "True",
  );
  if (!hasCondition) {
    const schedulerName = preemptor.pod.spec?.schedulerName ?? "default-scheduler";
    const condition = {
      type: "DisruptionTarget",
      status: "True",
      reason: "PreemptionByScheduler",
      message: `${schedulerName}: preempting to accommodate a higher priority pod`,
      lastTransitionTime: new Date(handle.clock.now()).toISOString().replace(/\.\d{3}Z$/, "Z"),
    };
    await client
      .patch(
        podsRef,
        meta.namespace,
        meta.name ?? "",
        "strategic",
        { status: { conditions: [condition] } },
        { subresource: "status" },
      )
      .catch(() => undefined);
  }
  try {
    await client.delete(podsRef, meta.namespace, meta.name ?? "", {
      preconditions: { uid: meta.uid },
    });
  } catch {
    return;
  }
  handle.eventRecorder?.eventf(
    { ...victim.pod, apiVersion: "v1", kind: "Pod" } as KObject,
    { ...preemptor.pod, apiVersion: "v1", kind: "Pod" } as KObject,
    "Normal",
    "Preempted",
    "Preempting",
    `Preempted by pod ${preemptor.pod.metadata?.uid} on node ${node}`,
  );
}
