/** The apps/v1 resources. */
import type { ResourceDef } from "../types.ts";
import { scaleSubresource, statusSubresource } from "./subresources.ts";
import { intField } from "./core-field-selectors.ts";
import { appsStrategies } from "./apps-strategies.ts";

/** Every apps/v1 resource definition. */
export function appsResources(): ResourceDef[] {
  const v = { group: "apps", version: "v1" } as const;
  const s = appsStrategies();
  return [
    {
      ...v,
      resource: "controllerrevisions",
      singular: "controllerrevision",
      kind: "ControllerRevision",
      namespaced: true,
      strategy: s.controllerrevisions,
      hasGeneration: false,
    },
    {
      ...v,
      resource: "daemonsets",
      singular: "daemonset",
      kind: "DaemonSet",
      namespaced: true,
      shortNames: ["ds"],
      categories: ["all"],
      subresources: [statusSubresource("DaemonSet")],
      strategy: s.daemonsets,
      hasGeneration: true,
    },
    {
      ...v,
      resource: "deployments",
      singular: "deployment",
      kind: "Deployment",
      namespaced: true,
      shortNames: ["deploy"],
      categories: ["all"],
      subresources: [scaleSubresource(), statusSubresource("Deployment")],
      strategy: s.deployments,
      hasGeneration: true,
    },
    {
      ...v,
      resource: "replicasets",
      singular: "replicaset",
      kind: "ReplicaSet",
      namespaced: true,
      shortNames: ["rs"],
      categories: ["all"],
      subresources: [scaleSubresource(), statusSubresource("ReplicaSet")],
      strategy: s.replicasets,
      fieldSelectors: { "status.replicas": intField("status.replicas") },
      hasGeneration: true,
    },
    {
      ...v,
      resource: "statefulsets",
      singular: "statefulset",
      kind: "StatefulSet",
      namespaced: true,
      shortNames: ["sts"],
      categories: ["all"],
      subresources: [scaleSubresource(), statusSubresource("StatefulSet")],
      strategy: s.statefulsets,
      hasGeneration: true,
    },
  ];
}
