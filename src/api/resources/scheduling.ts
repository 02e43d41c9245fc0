/** The scheduling.k8s.io/v1 resources. */
import type { KObject, ResourceDef } from "../types.ts";
import { defaultPriorityClass } from "../defaults/groups.ts";
import { validatePriorityClass, validatePriorityClassUpdate } from "../validation/misc.ts";
import { validateMetaUpdate } from "../validation/cluster.ts";

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
      strategy: {
        defaults: defaultPriorityClass,
        validate: validatePriorityClass,
        validateUpdate: (o: KObject, old: KObject) => [
          ...validateMetaUpdate(o, old),
          ...validatePriorityClassUpdate(o, old),
        ],
      },
      hasGeneration: false,
    },
  ];
}
