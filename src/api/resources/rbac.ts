/** The rbac.authorization.k8s.io/v1 resources. */
import type { ResourceDef } from "../types.ts";

/** Every rbac.authorization.k8s.io/v1 resource definition. */
export function rbacResources(): ResourceDef[] {
  const v = { group: "rbac.authorization.k8s.io", version: "v1", hasGeneration: false } as const;
  return [
    {
      ...v,
      resource: "clusterrolebindings",
      singular: "clusterrolebinding",
      kind: "ClusterRoleBinding",
      namespaced: false,
    },
    {
      ...v,
      resource: "clusterroles",
      singular: "clusterrole",
      kind: "ClusterRole",
      namespaced: false,
    },
    {
      ...v,
      resource: "rolebindings",
      singular: "rolebinding",
      kind: "RoleBinding",
      namespaced: true,
    },
    { ...v, resource: "roles", singular: "role", kind: "Role", namespaced: true },
  ];
}
