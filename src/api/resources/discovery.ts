/** The discovery.k8s.io/v1 resources. */
import type { ResourceDef } from "../types.ts";

/** Every discovery.k8s.io/v1 resource definition. */
export function discoveryResources(): ResourceDef[] {
  return [
    {
      group: "discovery.k8s.io",
      version: "v1",
      resource: "endpointslices",
      singular: "endpointslice",
      kind: "EndpointSlice",
      namespaced: true,
      hasGeneration: false,
    },
  ];
}
