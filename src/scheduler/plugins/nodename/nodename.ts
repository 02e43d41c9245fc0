/** NodeName: a pod with spec.nodeName set fits only that node. */
import type { FilterPlugin, EnqueueExtensions } from "../../framework/interfaces.ts";
import { unresolvable } from "../../framework/status.ts";

export const Name = "NodeName";
export const ErrReason = "node(s) didn't match the requested node name";

export function newNodeName(): FilterPlugin & EnqueueExtensions {
  return {
    name: Name,
    filter(_state, pod, node) {
      const want = pod.pod.spec?.nodeName;
      if (!want || want === node.name) return null;
      return unresolvable(ErrReason);
    },
    eventsToRegister: () => [{ resource: "Node", actions: ["Add", "Update"] }],
  } satisfies FilterPlugin & EnqueueExtensions;
}
