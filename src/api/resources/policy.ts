/** The policy/v1 resources. */
import type { ResourceDef } from "../types.ts";
import { statusSubresource } from "./subresources.ts";

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
      hasGeneration: true,
    },
  ];
}
