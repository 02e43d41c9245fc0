/** The rbac.authorization.k8s.io/v1 resources. */
import type { ResourceDef } from "../types.ts";
import { defaultRoleBinding } from "../defaults/groups.ts";
import {
  validateBindingUpdate,
  validateClusterRole,
  validateClusterRoleBinding,
  validateRole,
  validateRoleBinding,
} from "../validation/rbac.ts";
import { validateMetaUpdate } from "../validation/cluster.ts";

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
      strategy: {
        defaults: defaultRoleBinding,
        validate: validateClusterRoleBinding,
        validateUpdate: validateBindingUpdate,
      },
    },
    {
      ...v,
      resource: "clusterroles",
      singular: "clusterrole",
      kind: "ClusterRole",
      namespaced: false,
      strategy: { validate: validateClusterRole, validateUpdate: validateMetaUpdate },
    },
    {
      ...v,
      resource: "rolebindings",
      singular: "rolebinding",
      kind: "RoleBinding",
      namespaced: true,
      strategy: {
        defaults: defaultRoleBinding,
        validate: validateRoleBinding,
        validateUpdate: validateBindingUpdate,
      },
    },
    {
      ...v,
      resource: "roles",
      singular: "role",
      kind: "Role",
      namespaced: true,
      strategy: { validate: validateRole, validateUpdate: validateMetaUpdate },
    },
  ];
}
