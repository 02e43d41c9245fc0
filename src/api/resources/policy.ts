/** The policy/v1 resources. */
import type { ResourceDef } from "../types.ts";
import { statusSubresource } from "./subresources.ts";
import { statusSplit } from "../defaults/status.ts";
import { validatePodDisruptionBudget } from "../validation/misc.ts";
import { validateMetaUpdate } from "../validation/cluster.ts";

/** Every policy/v1 resource definition. */
export function policyResources(): ResourceDef[] {
  return [
    {
      group: "policy",
      version: "v1",
      resource: "poddisruptionbudgets",
      singular: "poddisruptionbudget",
      kind: "PodDisruptionBudget",
      namespaced: true,
      shortNames: ["pdb"],
      subresources: [statusSubresource("PodDisruptionBudget")],
      strategy: {
        validate: validatePodDisruptionBudget,
        validateUpdate: validateMetaUpdate,
        ...statusSplit({
          statusOnCreate: () => ({
            disruptionsAllowed: 0,
            currentHealthy: 0,
            desiredHealthy: 0,
            expectedPods: 0,
          }),
        }),
        validateStatusUpdate: validateMetaUpdate,
      },
      hasGeneration: true,
    },
  ];
}
