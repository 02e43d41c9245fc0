/** The networking.k8s.io/v1 resources. */
import type { KObject, ResourceDef } from "../types.ts";
import { statusSubresource } from "./subresources.ts";
import { statusSplit } from "../defaults/status.ts";
import { defaultNetworkPolicy } from "../defaults/groups.ts";
import {
  validateIngress,
  validateIngressClass,
  validateIngressClassUpdate,
  validateNetworkPolicy,
} from "../validation/networking.ts";
import { validateMetaUpdate } from "../validation/cluster.ts";

/** Every networking.k8s.io/v1 resource definition. */
export function networkingResources(): ResourceDef[] {
  const v = { group: "networking.k8s.io", version: "v1" } as const;
  return [
    {
      ...v,
      resource: "ingressclasses",
      singular: "ingressclass",
      kind: "IngressClass",
      namespaced: false,
      strategy: {
        validate: validateIngressClass,
        validateUpdate: (o: KObject, old: KObject) => [
          ...validateMetaUpdate(o, old),
          ...validateIngressClassUpdate(o, old),
        ],
      },
      hasGeneration: false,
    },
    {
      ...v,
      resource: "ingresses",
      singular: "ingress",
      kind: "Ingress",
      namespaced: true,
      shortNames: ["ing"],
      subresources: [statusSubresource("Ingress")],
      strategy: {
        validate: validateIngress,
        validateUpdate: validateMetaUpdate,
        ...statusSplit({ statusOnCreate: () => ({ loadBalancer: {} }) }),
        validateStatusUpdate: validateMetaUpdate,
      },
      hasGeneration: true,
    },
    {
      ...v,
      resource: "networkpolicies",
      singular: "networkpolicy",
      kind: "NetworkPolicy",
      namespaced: true,
      shortNames: ["netpol"],
      strategy: {
        defaults: defaultNetworkPolicy,
        validate: validateNetworkPolicy,
        validateUpdate: validateMetaUpdate,
      },
      hasGeneration: true,
    },
  ];
}
