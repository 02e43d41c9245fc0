/**
 * The default cluster roles and bindings the API server creates at start,
 * as upstream's bootstrappolicy (labelled kubernetes.io/bootstrapping:
 * rbac-defaults, annotated rbac.authorization.kubernetes.io/autoupdate).
 * system:kube-controller-manager may do everything, for controllers run under
 * the controller manager's own identity; with --use-service-account-credentials
 * each controller runs as kube-system/<name> with its system:controller:<name>
 * role (controller-policy.ts).
 */
import type { KObject } from "../../api/types.ts";
import type { PolicyRule } from "../types.ts";
import { controllerClusterRoleBindings, controllerClusterRoles } from "./controller-policy.ts";

const READ = ["get", "list", "watch"];
const WRITE = ["create", "delete", "deletecollection", "patch", "update"];
const ALL_RW = [...WRITE, ...READ];

const rule = (verbs: string[], apiGroups: string[], resources: string[]): PolicyRule => ({
  verbs,
  apiGroups,
  resources,
});
const urls = (verbs: string[], nonResourceURLs: string[]): PolicyRule => ({
  verbs,
  nonResourceURLs,
});

const AGG = "rbac.authorization.k8s.io/aggregate-to-";

const meta = (name: string, labels: Record<string, string> = {}) => ({
  name,
  labels: { "kubernetes.io/bootstrapping": "rbac-defaults", ...labels },
  annotations: { "rbac.authorization.kubernetes.io/autoupdate": "true" },
});

function clusterRole(name: string, rules: PolicyRule[], labels?: Record<string, string>): KObject {
  return {
    apiVersion: "rbac.authorization.k8s.io/v1",
    kind: "ClusterRole",
    metadata: meta(name, labels),
    rules,
  };
}

function aggregated(name: string, to: string, labels?: Record<string, string>): KObject {
  return {
    apiVersion: "rbac.authorization.k8s.io/v1",
    kind: "ClusterRole",
    metadata: meta(name, labels),
    aggregationRule: { clusterRoleSelectors: [{ matchLabels: { [`${AGG}${to}`]: "true" } }] },
    rules: [],
  };
}

const VIEW_CORE = [
  "pods",
  "pods/status",
  "configmaps",
  "endpoints",
  "persistentvolumeclaims",
  "persistentvolumeclaims/status",
  "replicationcontrollers",
  "replicationcontrollers/scale",
  "serviceaccounts",
  "services",
  "services/status",
  "bindings",
  "events",
  "limitranges",
  "namespaces/status",
  "pods/log",
  "replicationcontrollers/status",
  "resourcequotas",
  "resourcequotas/status",
  "namespaces",
];
const VIEW_APPS = [
  "controllerrevisions",
  "daemonsets",
  "daemonsets/status",
  "deployments",
  "deployments/scale",
  "deployments/status",
  "replicasets",
  "replicasets/scale",
  "replicasets/status",
  "statefulsets",
  "statefulsets/scale",
  "statefulsets/status",
];
const EDIT_CORE = [
  "pods",
  "pods/attach",
  "pods/proxy",
  "pods/exec",
  "pods/portforward",
  "configmaps",
  "events",
  "persistentvolumeclaims",
  "replicationcontrollers",
  "replicationcontrollers/scale",
  "secrets",
  "serviceaccounts",
  "services",
  "services/proxy",
];
const EDIT_APPS = [
  "daemonsets",
  "deployments",
  "deployments/rollback",
  "deployments/scale",
  "replicasets",
  "replicasets/scale",
  "statefulsets",
  "statefulsets/scale",
];

/** Every default ClusterRole. */
export function bootstrapClusterRoles(): KObject[] {
  return [
    clusterRole("cluster-admin", [rule(["*"], ["*"], ["*"]), urls(["*"], ["*"])]),
    clusterRole("system:discovery", [
      urls(
        ["get"],
        [
          "/api",
          "/api/*",
          "/apis",
          "/apis/*",
          "/healthz",
          "/livez",
          "/openapi",
          "/openapi/*",
          "/readyz",
          "/version",
          "/version/",
        ],
      ),
    ]),
    clusterRole("system:monitoring", [
      urls(
        ["get"],
        [
          "/healthz",
          "/healthz/*",
          "/livez",
          "/livez/*",
          "/metrics",
          "/metrics/slis",
          "/readyz",
          "/readyz/*",
        ],
      ),
    ]),
    clusterRole("system:basic-user", [
      rule(
        ["create"],
        ["authorization.k8s.io"],
        ["selfsubjectaccessreviews", "selfsubjectrulesreviews"],
      ),
      rule(["create"], ["authentication.k8s.io"], ["selfsubjectreviews"]),
    ]),
    clusterRole("system:public-info-viewer", [
      urls(["get"], ["/healthz", "/livez", "/readyz", "/version", "/version/"]),
    ]),
    aggregated("admin", "admin"),
    aggregated("edit", "edit", { [`${AGG}admin`]: "true" }),
    aggregated("view", "view", { [`${AGG}edit`]: "true" }),
    clusterRole(
      "system:aggregate-to-admin",
      [
        rule(["create"], ["authorization.k8s.io"], ["localsubjectaccessreviews"]),
        rule(ALL_RW, ["rbac.authorization.k8s.io"], ["rolebindings", "roles"]),
      ],
      { [`${AGG}admin`]: "true" },
    ),
    clusterRole(
      "system:aggregate-to-edit",
      [
        rule(
          READ,
          [""],
          [
            "pods/attach",
            "pods/exec",
            "pods/portforward",
            "pods/proxy",
            "secrets",
            "services/proxy",
          ],
        ),
        rule(["impersonate"], [""], ["serviceaccounts"]),
        rule(WRITE, [""], EDIT_CORE),
        rule(["create"], [""], ["serviceaccounts/token", "pods/eviction"]),
        rule(WRITE, ["apps"], EDIT_APPS),
        rule(WRITE, ["autoscaling"], ["horizontalpodautoscalers"]),
        rule(WRITE, ["batch"], ["cronjobs", "jobs"]),
        rule(WRITE, ["policy"], ["poddisruptionbudgets"]),
        rule(WRITE, ["networking.k8s.io"], ["ingresses", "networkpolicies"]),
        rule(WRITE, ["coordination.k8s.io"], ["leases"]),
      ],
      { [`${AGG}edit`]: "true" },
    ),
    clusterRole(
      "system:aggregate-to-view",
      [
        rule(READ, [""], VIEW_CORE),
        rule(READ, ["discovery.k8s.io"], ["endpointslices"]),
        rule(READ, ["apps"], VIEW_APPS),
        rule(
          READ,
          ["autoscaling"],
          ["horizontalpodautoscalers", "horizontalpodautoscalers/status"],
        ),
        rule(READ, ["batch"], ["cronjobs", "cronjobs/status", "jobs", "jobs/status"]),
        rule(READ, ["policy"], ["poddisruptionbudgets", "poddisruptionbudgets/status"]),
        rule(READ, ["networking.k8s.io"], ["ingresses", "ingresses/status", "networkpolicies"]),
        rule(READ, ["coordination.k8s.io"], ["leases"]),
      ],
      { [`${AGG}view`]: "true" },
    ),
    clusterRole("system:auth-delegator", [
      rule(["create"], ["authentication.k8s.io"], ["tokenreviews"]),
      rule(["create"], ["authorization.k8s.io"], ["subjectaccessreviews"]),
    ]),
    clusterRole("system:node", [
      rule(["create"], ["authentication.k8s.io"], ["tokenreviews"]),
      rule(
        ["create"],
        ["authorization.k8s.io"],
        ["localsubjectaccessreviews", "subjectaccessreviews"],
      ),
      rule(READ, [""], ["services", "nodes", "pods", "endpoints"]),
      rule(
        ["create", "get", "list", "watch", "update", "patch", "delete"],
        [""],
        ["nodes", "nodes/status"],
      ),
      rule(["create", "patch", "update"], [""], ["events"]),
      rule(["create", "patch", "update"], ["events.k8s.io"], ["events"]),
      rule(["create", "delete"], [""], ["pods"]),
      rule(["patch", "update"], [""], ["pods/status"]),
      rule(["create"], [""], ["pods/eviction", "serviceaccounts/token"]),
      rule(["get"], [""], ["configmaps", "secrets", "persistentvolumeclaims", "persistentvolumes"]),
      rule(["get", "update", "patch"], [""], ["persistentvolumeclaims/status"]),
      rule(
        ["create", "get", "list", "watch"],
        ["certificates.k8s.io"],
        ["certificatesigningrequests"],
      ),
      rule(["create", "delete", "get", "patch", "update"], ["coordination.k8s.io"], ["leases"]),
      rule(["get"], ["storage.k8s.io"], ["volumeattachments", "csidrivers"]),
      rule(READ, ["node.k8s.io"], ["runtimeclasses"]),
      rule(READ, ["storage.k8s.io"], ["csinodes"]),
    ]),
    clusterRole("system:node-proxier", [
      rule(["list", "watch"], [""], ["endpoints", "services"]),
      rule(READ, [""], ["nodes"]),
      rule(["create", "patch", "update"], ["", "events.k8s.io"], ["events"]),
      rule(["list", "watch"], ["discovery.k8s.io"], ["endpointslices"]),
    ]),
    clusterRole("system:node-bootstrapper", [
      rule(
        ["create", "get", "list", "watch"],
        ["certificates.k8s.io"],
        ["certificatesigningrequests"],
      ),
    ]),
    clusterRole("system:certificates.k8s.io:certificatesigningrequests:nodeclient", [
      rule(["create"], ["certificates.k8s.io"], ["certificatesigningrequests/nodeclient"]),
    ]),
    clusterRole("system:certificates.k8s.io:certificatesigningrequests:selfnodeclient", [
      rule(["create"], ["certificates.k8s.io"], ["certificatesigningrequests/selfnodeclient"]),
    ]),
    clusterRole("system:kube-scheduler", [
      rule(["create", "patch", "update"], ["", "events.k8s.io"], ["events"]),
      rule(["create"], ["coordination.k8s.io"], ["leases"]),
      rule(["get", "update"], ["coordination.k8s.io"], ["leases"]),
      rule(["create", "get", "update", "list", "watch"], [""], ["endpoints"]),
      rule(
        READ,
        [""],
        [
          "nodes",
          "namespaces",
          "persistentvolumeclaims",
          "persistentvolumes",
          "replicationcontrollers",
          "services",
          "configmaps",
        ],
      ),
      rule(["delete", "get", "list", "watch"], [""], ["pods"]),
      rule(["create"], [""], ["bindings", "pods/binding"]),
      rule(["patch", "update"], [""], ["pods/status"]),
      rule(READ, ["apps"], ["replicasets", "statefulsets"]),
      rule(READ, ["policy"], ["poddisruptionbudgets"]),
      rule(
        READ,
        ["storage.k8s.io"],
        ["storageclasses", "csinodes", "csidrivers", "csistoragecapacities", "volumeattachments"],
      ),
      rule(["create"], ["authentication.k8s.io"], ["tokenreviews"]),
      rule(["create"], ["authorization.k8s.io"], ["subjectaccessreviews"]),
      rule(READ, ["scheduling.k8s.io"], ["priorityclasses"]),
      rule(READ, ["resource.k8s.io"], ["*"]),
    ]),
    clusterRole("system:volume-scheduler", [
      rule(["get", "list", "patch", "update", "watch"], [""], ["persistentvolumes"]),
      rule(READ, ["storage.k8s.io"], ["storageclasses"]),
      rule(["get", "list", "patch", "update", "watch"], [""], ["persistentvolumeclaims"]),
    ]),
    clusterRole("system:kube-controller-manager", [rule(["*"], ["*"], ["*"])]),
    clusterRole("system:kube-dns", [rule(["list", "watch"], [""], ["endpoints", "services"])]),
    clusterRole("system:service-account-issuer-discovery", [
      urls(
        ["get"],
        [
          "/.well-known/openid-configuration",
          "/.well-known/openid-configuration/",
          "/openid/v1/jwks",
          "/openid/v1/jwks/",
        ],
      ),
    ]),
    clusterRole("system:certificates.k8s.io:kube-apiserver-client-approver", [
      {
        verbs: ["approve"],
        apiGroups: ["certificates.k8s.io"],
        resources: ["signers"],
        resourceNames: ["kubernetes.io/kube-apiserver-client"],
      },
    ]),
    clusterRole("system:certificates.k8s.io:kube-apiserver-client-kubelet-approver", [
      {
        verbs: ["approve"],
        apiGroups: ["certificates.k8s.io"],
        resources: ["signers"],
        resourceNames: ["kubernetes.io/kube-apiserver-client-kubelet"],
      },
    ]),
    clusterRole("system:certificates.k8s.io:kubelet-serving-approver", [
      {
        verbs: ["approve"],
        apiGroups: ["certificates.k8s.io"],
        resources: ["signers"],
        resourceNames: ["kubernetes.io/kubelet-serving"],
      },
    ]),
    clusterRole("system:certificates.k8s.io:legacy-unknown-approver", [
      {
        verbs: ["approve"],
        apiGroups: ["certificates.k8s.io"],
        resources: ["signers"],
        resourceNames: ["kubernetes.io/legacy-unknown"],
      },
    ]),
    ...controllerClusterRoles(),
  ];
}

function binding(
  name: string,
  role: string,
  subjects: { kind: string; name: string; namespace?: string }[],
): KObject {
  return {
    apiVersion: "rbac.authorization.k8s.io/v1",
    kind: "ClusterRoleBinding",
    metadata: meta(name),
    roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: role },
    subjects: subjects.map((s) =>
      s.kind === "ServiceAccount" ? s : { apiGroup: "rbac.authorization.k8s.io", ...s },
    ),
  };
}

/** Every default ClusterRoleBinding. */
export function bootstrapClusterRoleBindings(): KObject[] {
  const group = (name: string) => ({ kind: "Group", name });
  const user = (name: string) => ({ kind: "User", name });
  return [
    binding("cluster-admin", "cluster-admin", [group("system:masters")]),
    binding("system:basic-user", "system:basic-user", [group("system:authenticated")]),
    binding("system:discovery", "system:discovery", [group("system:authenticated")]),
    binding("system:monitoring", "system:monitoring", [group("system:monitoring")]),
    binding("system:public-info-viewer", "system:public-info-viewer", [
      group("system:authenticated"),
      group("system:unauthenticated"),
    ]),
    binding("system:node-proxier", "system:node-proxier", [user("system:kube-proxy")]),
    binding("system:kube-controller-manager", "system:kube-controller-manager", [
      user("system:kube-controller-manager"),
    ]),
    binding("system:kube-scheduler", "system:kube-scheduler", [user("system:kube-scheduler")]),
    binding("system:volume-scheduler", "system:volume-scheduler", [user("system:kube-scheduler")]),
    binding("system:kube-dns", "system:kube-dns", [
      { kind: "ServiceAccount", name: "kube-dns", namespace: "kube-system" },
    ]),
    binding("system:service-account-issuer-discovery", "system:service-account-issuer-discovery", [
      group("system:serviceaccounts"),
    ]),
    binding("system:node", "system:node", []),
    binding(
      "kubeadm:node-autoapprove-bootstrap",
      "system:certificates.k8s.io:certificatesigningrequests:nodeclient",
      [group("system:bootstrappers")],
    ),
    binding(
      "kubeadm:node-autoapprove-certificate-rotation",
      "system:certificates.k8s.io:certificatesigningrequests:selfnodeclient",
      [group("system:nodes")],
    ),
    binding("kubeadm:kubelet-bootstrap", "system:node-bootstrapper", [
      group("system:bootstrappers"),
    ]),
    ...controllerClusterRoleBindings(),
  ];
}
