/**
 * rbac.authorization.k8s.io/v1: Role, ClusterRole, RoleBinding, ClusterRoleBinding.
 * Field names, protobuf numbers and list/patch markers follow k8s.io/api as
 * served by Kubernetes v1.32.
 */
import type { SchemaPackage } from "../types.ts";
import { withDocs } from "../with-docs.ts";

const META = "io.k8s.apimachinery.pkg.apis.meta.v1";

/** Descriptions, keyed "Type" or "Type.field". */
const docs: Record<string, string> = {
  AggregationRule: "Selects ClusterRoles whose rules are combined into this one.",
  "AggregationRule.clusterRoleSelectors":
    "ClusterRoles matching any selector contribute their rules.",
  ClusterRole: "A cluster-wide set of permissions.",
  "ClusterRole.metadata": "Standard object metadata.",
  "ClusterRole.rules": "The permissions granted.",
  "ClusterRole.aggregationRule":
    "When set, rules are filled in by the controller from matching roles.",
  ClusterRoleBinding: "Grants a ClusterRole to subjects across the cluster.",
  "ClusterRoleBinding.metadata": "Standard object metadata.",
  "ClusterRoleBinding.subjects": "Who is granted the role.",
  "ClusterRoleBinding.roleRef": "The ClusterRole granted; immutable.",
  ClusterRoleBindingList: "A list of cluster role bindings.",
  "ClusterRoleBindingList.metadata": "Standard list metadata.",
  "ClusterRoleBindingList.items": "The cluster role bindings.",
  ClusterRoleList: "A list of cluster roles.",
  "ClusterRoleList.metadata": "Standard list metadata.",
  "ClusterRoleList.items": "The cluster roles.",
  PolicyRule: "Verbs allowed on some resources or non-resource URLs.",
  "PolicyRule.verbs": "Allowed verbs; * means all.",
  "PolicyRule.apiGroups": 'API groups of the resources; "" is the core group.',
  "PolicyRule.resources": "Resources the rule covers; * means all.",
  "PolicyRule.resourceNames": "Object names the rule is limited to; empty means all.",
  "PolicyRule.nonResourceURLs": "URL paths such as /healthz; only for ClusterRoles.",
  Role: "A namespaced set of permissions.",
  "Role.metadata": "Standard object metadata.",
  "Role.rules": "The permissions granted.",
  RoleBinding: "Grants a Role or ClusterRole to subjects within a namespace.",
  "RoleBinding.metadata": "Standard object metadata.",
  "RoleBinding.subjects": "Who is granted the role.",
  "RoleBinding.roleRef": "The Role or ClusterRole granted; immutable.",
  RoleBindingList: "A list of role bindings.",
  "RoleBindingList.metadata": "Standard list metadata.",
  "RoleBindingList.items": "The role bindings.",
  RoleList: "A list of roles.",
  "RoleList.metadata": "Standard list metadata.",
  "RoleList.items": "The roles.",
  RoleRef: "The role a binding grants.",
  "RoleRef.apiGroup": "API group of the role (rbac.authorization.k8s.io).",
  "RoleRef.kind": "Role or ClusterRole.",
  "RoleRef.name": "Name of the role.",
  Subject: "A user, group or service account a binding applies to.",
  "Subject.kind": "User, Group or ServiceAccount.",
  "Subject.apiGroup": '"" for service accounts, rbac.authorization.k8s.io for users and groups.',
  "Subject.name": "Name of the subject.",
  "Subject.namespace": "Namespace of a service account subject.",
};

export const rbacV1: SchemaPackage = withDocs(
  {
    name: "io.k8s.api.rbac.v1",
    types: {
      AggregationRule: {
        fields: {
          clusterRoleSelectors: [1, `[]${META}.LabelSelector`, { listType: "atomic" }],
        },
      },
      ClusterRole: {
        gvk: [{ group: "rbac.authorization.k8s.io", version: "v1", kind: "ClusterRole" }],
        fields: {
          metadata: [1, `${META}.ObjectMeta`],
          rules: [2, "[]PolicyRule", { listType: "atomic" }],
          aggregationRule: [3, "AggregationRule"],
        },
      },
      ClusterRoleBinding: {
        gvk: [{ group: "rbac.authorization.k8s.io", version: "v1", kind: "ClusterRoleBinding" }],
        fields: {
          metadata: [1, `${META}.ObjectMeta`],
          subjects: [2, "[]Subject", { listType: "atomic" }],
          roleRef: [3, "RoleRef", { required: true }],
        },
      },
      ClusterRoleBindingList: {
        gvk: [
          { group: "rbac.authorization.k8s.io", version: "v1", kind: "ClusterRoleBindingList" },
        ],
        fields: {
          metadata: [1, `${META}.ListMeta`],
          items: [2, "[]ClusterRoleBinding", { required: true }],
        },
      },
      ClusterRoleList: {
        gvk: [{ group: "rbac.authorization.k8s.io", version: "v1", kind: "ClusterRoleList" }],
        fields: {
          metadata: [1, `${META}.ListMeta`],
          items: [2, "[]ClusterRole", { required: true }],
        },
      },
      PolicyRule: {
        fields: {
          verbs: [1, "[]string", { required: true, listType: "atomic" }],
          apiGroups: [2, "[]string", { listType: "atomic" }],
          resources: [3, "[]string", { listType: "atomic" }],
          resourceNames: [4, "[]string", { listType: "atomic" }],
          nonResourceURLs: [5, "[]string", { listType: "atomic" }],
        },
      },
      Role: {
        gvk: [{ group: "rbac.authorization.k8s.io", version: "v1", kind: "Role" }],
        fields: {
          metadata: [1, `${META}.ObjectMeta`],
          rules: [2, "[]PolicyRule", { listType: "atomic" }],
        },
      },
      RoleBinding: {
        gvk: [{ group: "rbac.authorization.k8s.io", version: "v1", kind: "RoleBinding" }],
        fields: {
          metadata: [1, `${META}.ObjectMeta`],
          subjects: [2, "[]Subject", { listType: "atomic" }],
          roleRef: [3, "RoleRef", { required: true }],
        },
      },
      RoleBindingList: {
        gvk: [{ group: "rbac.authorization.k8s.io", version: "v1", kind: "RoleBindingList" }],
        fields: {
          metadata: [1, `${META}.ListMeta`],
          items: [2, "[]RoleBinding", { required: true }],
        },
      },
      RoleList: {
        gvk: [{ group: "rbac.authorization.k8s.io", version: "v1", kind: "RoleList" }],
        fields: {
          metadata: [1, `${META}.ListMeta`],
          items: [2, "[]Role", { required: true }],
        },
      },
      RoleRef: {
        fields: {
          apiGroup: [1, "string", { required: true, pointer: true }],
          kind: [2, "string", { required: true, pointer: true }],
          name: [3, "string", { required: true, pointer: true }],
        },
      },
      Subject: {
        fields: {
          kind: [1, "string", { required: true, pointer: true }],
          apiGroup: [2, "string"],
          name: [3, "string", { required: true, pointer: true }],
          namespace: [4, "string"],
        },
      },
    },
  },
  docs,
);
