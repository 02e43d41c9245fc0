/** The scheduling.k8s.io/v1 resources. */
import type { ResourceDef } from "../types.ts";

/** Every scheduling.k8s.io/v1 resource definition. */
export function schedulingResources(): ResourceDef[] {
  return [
    {
      group: "scheduling.k8s.io",
      version: "v1",
      resource: "priorityclasses",
      singular: "priorityclass",
      kind: "PriorityClass",
      namespaced: false,
      shortNames: ["pc"],
      hasGeneration: false,
    },
  ];
}
