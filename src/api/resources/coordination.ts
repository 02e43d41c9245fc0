/** The coordination.k8s.io/v1 resources. */
import type { ResourceDef } from "../types.ts";
import { validateLease } from "../validation/misc.ts";
import { validateMetaUpdate } from "../validation/cluster.ts";

/** Every coordination.k8s.io/v1 resource definition. */
export function coordinationResources(): ResourceDef[] {
  return [
    {
      group: "coordination.k8s.io",
      version: "v1",
      resource: "leases",
      singular: "lease",
      kind: "Lease",
      namespaced: true,
      strategy: { validate: validateLease, validateUpdate: validateMetaUpdate },
      hasGeneration: false,
    },
  ];
}
