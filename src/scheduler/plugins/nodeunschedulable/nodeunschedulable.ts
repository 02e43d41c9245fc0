/**
 * NodeUnschedulable: cordoned nodes (spec.unschedulable) receive only pods
 * tolerating the node.kubernetes.io/unschedulable:NoSchedule taint.
 */
import type { EnqueueExtensions, FilterPlugin } from "../../framework/interfaces.ts";
import { unresolvable } from "../../framework/status.ts";
import { tolerationsTolerateTaint } from "../helper/taints.ts";

export const Name = "NodeUnschedulable";
export const ErrReasonUnschedulable = "node(s) were unschedulable";
export const ErrReasonUnknownCondition = "node(s) had unknown conditions";
export const taintNodeUnschedulable = "node.kubernetes.io/unschedulable";

export function newNodeUnschedulable(): FilterPlugin & EnqueueExtensions {
  return {
    name: Name,
    filter(_state, pod, node) {
      // Compared, not tested for truth: that would read the Node object's map (a cache miss per node).
      if (node.node === undefined) return unresolvable(ErrReasonUnknownCondition);
      if (!node.unschedulable) return null;
      const tolerated = tolerationsTolerateTaint(pod.pod.spec?.tolerations, {
        key: taintNodeUnschedulable,
        effect: "NoSchedule",
      });
      return tolerated ? null : unresolvable(ErrReasonUnschedulable);
    },
    eventsToRegister: () => [{ resource: "Node", actions: ["Add", "Update"] }],
  } satisfies FilterPlugin & EnqueueExtensions;
}
