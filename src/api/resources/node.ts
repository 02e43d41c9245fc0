/** The node.k8s.io/v1 resources. */
import type { ResourceDef } from "../types.ts";

/** Every node.k8s.io/v1 resource definition. */
export function nodeResources(): ResourceDef[] {
  return [
    {
      group: "node.k8s.io",
      version: "v1",
      resource: "runtimeclasses",
      singular: "runtimeclass",
      kind: "RuntimeClass",
      namespaced: false,
      hasGeneration: false,
    },
  ];
}
