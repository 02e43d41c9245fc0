/** The networking.k8s.io/v1 resources. */
import type { ResourceDef } from "../types.ts";
import { statusSubresource } from "./subresources.ts";

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
      hasGeneration: true,
    },
    {
      ...v,
      resource: "networkpolicies",
      singular: "networkpolicy",
      kind: "NetworkPolicy",
      namespaced: true,
      shortNames: ["netpol"],
      hasGeneration: true,
    },
  ];
}
