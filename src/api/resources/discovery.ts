/** The discovery.k8s.io/v1 resources. */
import type { KObject, ResourceDef } from "../types.ts";
import { defaultEndpointSlice } from "../defaults/groups.ts";
import { validateEndpointSlice, validateEndpointSliceUpdate } from "../validation/misc.ts";
import { validateMetaUpdate } from "../validation/cluster.ts";

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
      strategy: {
        defaults: defaultEndpointSlice,
        validate: validateEndpointSlice,
        validateUpdate: (o: KObject, old: KObject) => [
          ...validateMetaUpdate(o, old),
          ...validateEndpointSliceUpdate(o, old),
        ],
      },
      hasGeneration: false,
    },
  ];
}
