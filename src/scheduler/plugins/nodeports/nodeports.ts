/**
 * NodePorts: a pod's hostPorts must be free on the node. Two ports conflict
 * when protocol and port are equal and either host IP is 0.0.0.0 or both IPs
 * are equal.
 */
import type {
  EnqueueExtensions,
  FilterPlugin,
  PreFilterPlugin,
} from "../../framework/interfaces.ts";
import type { HostPort } from "../../framework/pod-info.ts";
import { skip, unschedulable } from "../../framework/status.ts";

export const Name = "NodePorts";
export const ErrReason = "node(s) didn't have free ports for the requested pod ports";

export function portsConflict(a: HostPort, b: HostPort): boolean {
  if (a.port !== b.port || a.protocol !== b.protocol) return false;
  return a.hostIP === "0.0.0.0" || b.hostIP === "0.0.0.0" || a.hostIP === b.hostIP;
}

export function newNodePorts(): PreFilterPlugin & FilterPlugin & EnqueueExtensions {
  return {
    name: Name,
    preFilter(_state, pod) {
      return pod.hostPorts.length === 0 ? skip() : null;
    },
    filter(_state, pod, node) {
      for (const want of pod.hostPorts) {
        for (const used of node.usedPorts)
          if (portsConflict(want, used)) return unschedulable(ErrReason);
      }
      return null;
    },
    eventsToRegister: () => [
      { resource: "Pod", actions: ["Delete"] },
      { resource: "Node", actions: ["Add", "Update"] },
    ],
  } satisfies PreFilterPlugin & FilterPlugin & EnqueueExtensions;
}
