/** The node.k8s.io/v1 resources. */
import type { KObject, ResourceDef } from "../types.ts";
import { validateRuntimeClass, validateRuntimeClassUpdate } from "../validation/misc.ts";
import { validateMetaUpdate } from "../validation/cluster.ts";

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
      strategy: {
        validate: validateRuntimeClass,
        validateUpdate: (o: KObject, old: KObject) => [
          ...validateMetaUpdate(o, old),
          ...validateRuntimeClassUpdate(o, old),
        ],
      },
      hasGeneration: false,
    },
  ];
}
