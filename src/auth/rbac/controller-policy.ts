/**
 * Upstream's controller roles (bootstrappolicy controller_policy): one
 * ClusterRole `system:controller:<service account>` per controller, bound to
 * the service account `kube-system/<service account>` the controller uses
 * when the controller manager runs with --use-service-account-credentials.
 * Controllers not listed here keep the controller manager's own identity.
 */
import type { KObject } from "../../api/types.ts";
import type { PolicyRule } from "../types.ts";

const READ = ["get", "list", "watch"];
const r = (verbs: string[], apiGroups: string[], resources: string[]): PolicyRule => ({
  verbs,
  apiGroups,
  resources,
});
const EVENTS = r(["create", "update", "patch"], ["", "events.k8s.io"], ["events"]);

/** Controller name (as in --controllers) → the service account it runs as in kube-system. */
export const CONTROLLER_SERVICE_ACCOUNTS: Record<string, string> = {
  replicaset: "replicaset-controller",
  replicationcontroller: "replication-controller",
  deployment: "deployment-controller",
  job: "job-controller",
  cronjob: "cronjob-controller",
  statefulset: "statefulset-controller",
  daemonset: "daemon-set-controller",
  "ttl-after-finished": "ttl-after-finished-controller",
  namespace: "namespace-controller",
  nodelifecycle: "node-controller",
  // Upstream builds nodeipam's client as node-controller too.
  nodeipam: "node-controller",
  podgc: "pod-garbage-collector",
  disruption: "disruption-controller",
  endpoint: "endpoint-controller",
  endpointslice: "endpointslice-controller",
  serviceaccount: "service-account-controller",
  resourcequota: "resourcequota-controller",
  horizontalpodautoscaling: "horizontal-pod-autoscaler",
  garbagecollector: "generic-garbage-collector",
  "pvc-protection": "pvc-protection-controller",
  "pv-protection": "pv-protection-controller",
  "persistentvolume-binder": "persistent-volume-binder",
};

/** The rules of each controller's role, by service account name. */
function controllerRules(): Record<string, PolicyRule[]> {
  const podsWrite = r(
    ["list", "watch", "get", "create", "delete", "patch", "update"],
    [""],
    ["pods"],
  );
  return {
    "replicaset-controller": [
      r(["get", "list", "watch", "update"], ["apps", "extensions"], ["replicasets"]),
      r(["update"], ["apps", "extensions"], ["replicasets/status", "replicasets/finalizers"]),
      podsWrite,
    ],
    "replication-controller": [
      r(["get", "list", "watch", "update"], [""], ["replicationcontrollers"]),
      r(["update"], [""], ["replicationcontrollers/status", "replicationcontrollers/finalizers"]),
      podsWrite,
    ],
    "deployment-controller": [
      r(["get", "list", "watch", "update"], ["apps", "extensions"], ["deployments"]),
      r(["update"], ["apps", "extensions"], ["deployments/status", "deployments/finalizers"]),
      r([...READ, "create", "update", "patch", "delete"], ["apps", "extensions"], ["replicasets"]),
      r(["get", "list", "watch", "update"], [""], ["pods"]),
    ],
    "job-controller": [
      r(["get", "list", "watch", "update", "patch"], ["batch"], ["jobs"]),
      r(["update", "patch"], ["batch"], ["jobs/status", "jobs/finalizers"]),
      podsWrite,
    ],
    "cronjob-controller": [
      r(["get", "list", "watch", "update"], ["batch"], ["cronjobs"]),
      r([...READ, "create", "update", "delete", "patch"], ["batch"], ["jobs"]),
      r(["update"], ["batch"], ["cronjobs/status", "cronjobs/finalizers"]),
      r(["list", "delete"], [""], ["pods"]),
    ],
    "statefulset-controller": [
      podsWrite,
      r(["get", "list", "watch", "update"], ["apps"], ["statefulsets"]),
      r(["update"], ["apps"], ["statefulsets/status", "statefulsets/finalizers"]),
      r(["get", "create", "update", "patch", "delete"], [""], ["persistentvolumeclaims"]),
      r([...READ, "create", "update", "patch", "delete"], ["apps"], ["controllerrevisions"]),
    ],
    "daemon-set-controller": [
      r(["get", "list", "watch", "update"], ["apps", "extensions"], ["daemonsets"]),
      r(["update"], ["apps", "extensions"], ["daemonsets/status", "daemonsets/finalizers"]),
      r(READ, [""], ["nodes"]),
      podsWrite,
      r(["create"], [""], ["pods/binding"]),
      r([...READ, "create", "update", "patch", "delete"], ["apps"], ["controllerrevisions"]),
    ],
    "ttl-after-finished-controller": [r(["get", "list", "watch", "delete"], ["batch"], ["jobs"])],
    "namespace-controller": [
      r(["get", "list", "watch", "delete"], [""], ["namespaces"]),
      r(["update"], [""], ["namespaces/finalize", "namespaces/status"]),
      r(["get", "list", "delete", "deletecollection"], ["*"], ["*"]),
    ],
    "node-controller": [
      r(["get", "list", "watch", "update", "delete", "patch"], [""], ["nodes"]),
      r(["patch", "update"], [""], ["nodes/status", "pods/status"]),
      r(["list", "watch", "get", "delete"], [""], ["pods"]),
    ],
    "pod-garbage-collector": [
      r(["list", "watch", "get", "delete"], [""], ["pods"]),
      r(READ, [""], ["nodes"]),
      r(["patch"], [""], ["pods/status"]),
    ],
    "disruption-controller": [
      r(READ, ["apps", "extensions"], ["deployments", "replicasets", "statefulsets"]),
      r(READ, [""], ["replicationcontrollers", "pods"]),
      r(READ, ["policy"], ["poddisruptionbudgets"]),
      r(["update"], ["policy"], ["poddisruptionbudgets/status"]),
      r(["get"], ["*"], ["*/scale"]),
      r(["patch", "update"], [""], ["pods/status"]),
    ],
    "endpoint-controller": [
      r(READ, [""], ["services", "pods"]),
      r([...READ, "create", "update", "delete"], [""], ["endpoints"]),
      r(["create"], [""], ["endpoints/restricted"]),
    ],
    "endpointslice-controller": [
      r(READ, [""], ["services", "pods", "nodes"]),
      r([...READ, "create", "update", "delete"], ["discovery.k8s.io"], ["endpointslices"]),
    ],
    // Also publishes kube-root-ca.crt (upstream's root-ca-cert-publisher).
    "service-account-controller": [
      r(["create", "get", "list", "watch"], [""], ["serviceaccounts"]),
      r(["create", "update", "get", "list", "watch"], [""], ["configmaps"]),
    ],
    "resourcequota-controller": [
      r(["list", "watch"], ["*"], ["*"]),
      r(["update"], [""], ["resourcequotas/status"]),
    ],
    "horizontal-pod-autoscaler": [
      r(READ, ["autoscaling"], ["horizontalpodautoscalers"]),
      r(["update"], ["autoscaling"], ["horizontalpodautoscalers/status"]),
      r(["get", "update"], ["*"], ["*/scale"]),
      r(["list"], [""], ["pods"]),
      r(["list", "get"], ["metrics.k8s.io"], ["pods"]),
      r(["get", "list"], ["custom.metrics.k8s.io", "external.metrics.k8s.io"], ["*"]),
    ],
    "generic-garbage-collector": [
      r(["get", "list", "watch", "patch", "update", "delete"], ["*"], ["*"]),
    ],
    "pvc-protection-controller": [
      r(["get", "list", "watch", "update"], [""], ["persistentvolumeclaims"]),
      r(["list", "watch", "get"], [""], ["pods"]),
    ],
    "pv-protection-controller": [
      r(["get", "list", "watch", "update"], [""], ["persistentvolumes"]),
    ],
    "persistent-volume-binder": [
      r(["list", "watch", "get", "update", "create", "delete"], [""], ["persistentvolumes"]),
      r(["update"], [""], ["persistentvolumes/status"]),
      r(["list", "watch", "get", "update"], [""], ["persistentvolumeclaims"]),
      r(["update"], [""], ["persistentvolumeclaims/status"]),
      r(["list", "watch", "get", "create", "delete"], [""], ["pods"]),
      r(["list", "watch", "get"], ["storage.k8s.io"], ["storageclasses"]),
      r(["get", "list", "watch"], [""], ["nodes"]),
    ],
  };
}

const meta = (name: string) => ({
  name,
  labels: { "kubernetes.io/bootstrapping": "rbac-defaults" },
  annotations: { "rbac.authorization.kubernetes.io/autoupdate": "true" },
});

/** ClusterRoles system:controller:<sa>. */
export function controllerClusterRoles(): KObject[] {
  return Object.entries(controllerRules()).map(([sa, rules]) => ({
    apiVersion: "rbac.authorization.k8s.io/v1",
    kind: "ClusterRole",
    metadata: meta(`system:controller:${sa}`),
    rules: [...rules, EVENTS],
  }));
}

/** ClusterRoleBindings system:controller:<sa> → ServiceAccount kube-system/<sa>. */
export function controllerClusterRoleBindings(): KObject[] {
  return Object.keys(controllerRules()).map((sa) => ({
    apiVersion: "rbac.authorization.k8s.io/v1",
    kind: "ClusterRoleBinding",
    metadata: meta(`system:controller:${sa}`),
    roleRef: {
      apiGroup: "rbac.authorization.k8s.io",
      kind: "ClusterRole",
      name: `system:controller:${sa}`,
    },
    subjects: [{ kind: "ServiceAccount", name: sa, namespace: "kube-system" }],
  }));
}
