/**
 * DefaultPreemption (PostFilter): when no node fits, find the node where
 * evicting the fewest, least important lower-priority pods (respecting
 * PodDisruptionBudgets where possible) lets the pod fit; delete those victims
 * and nominate the node (status.nominatedNodeName). The pod itself is retried
 * once the victims are gone.
 */
import type { PodDisruptionBudget } from "kubernetes-types/policy/v1.d.ts";
import { podsRef } from "../../../client/resources.ts";
import { fitErrorMessage } from "../../framework/fit-error.ts";
import type { Handle, PostFilterPlugin } from "../../framework/interfaces.ts";
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
        await Promise.all(
          candidates.get(chosen)!.pods.map((v) =>
            client
              .delete(podsRef, v.namespace, v.pod.metadata?.name ?? "", {
                preconditions: { uid: v.pod.metadata?.uid },
              })
              .catch(() => undefined),
          ),
        );
      }
      return {
        status: null,
        nominatedNodeName: chosen,
        victims: candidates.get(chosen)!.pods.length,
      };
    },
  } satisfies PostFilterPlugin;
}
