/**
 * Defaulting of the smaller API groups as upstream: NetworkPolicy,
 * EndpointSlice, StorageClass, PriorityClass, RBAC subjects/roleRefs and
 * HorizontalPodAutoscaler (v1 and v2). Mutates in place; idempotent.
 */
import type { KObject } from "../types.ts";
import { isObject, objects } from "../validation/field.ts";
import { setDefault } from "./workloads.ts";

type Obj = Record<string, unknown>;

/** policyTypes: Ingress, plus Egress when egress rules exist; rule ports default to TCP. */
export function defaultNetworkPolicy(o: KObject): void {
  const spec = setDefault<Obj>(o as Obj, "spec", {});
  setDefault(spec, "podSelector", {});
  if (!Array.isArray(spec.policyTypes) || spec.policyTypes.length === 0) {
    spec.policyTypes = objects(spec.egress).length > 0 ? ["Ingress", "Egress"] : ["Ingress"];
  }
  for (const key of ["ingress", "egress"]) {
    for (const rule of objects(spec[key]))
      for (const p of objects(rule.ports)) setDefault(p, "protocol", "TCP");
  }
}

/** EndpointSlice ports: name "" and protocol TCP. */
export function defaultEndpointSlice(o: KObject): void {
  for (const p of objects(o.ports)) {
    setDefault(p, "name", "");
    setDefault(p, "protocol", "TCP");
  }
}

/** StorageClass: reclaimPolicy Delete, volumeBindingMode Immediate. */
export function defaultStorageClass(o: KObject): void {
  setDefault(o as Obj, "reclaimPolicy", "Delete");
  setDefault(o as Obj, "volumeBindingMode", "Immediate");
}

/** PriorityClass: preemptionPolicy PreemptLowerPriority. */
export function defaultPriorityClass(o: KObject): void {
  setDefault(o as Obj, "preemptionPolicy", "PreemptLowerPriority");
}

const RBAC_GROUP = "rbac.authorization.k8s.io";

/** RoleBinding / ClusterRoleBinding: roleRef.apiGroup and subjects' apiGroup. */
export function defaultRoleBinding(o: KObject): void {
  if (isObject(o.roleRef)) setDefault(o.roleRef, "apiGroup", RBAC_GROUP);
  for (const s of objects(o.subjects)) {
    if (s.apiGroup !== undefined) continue;
    if (s.kind === "ServiceAccount") s.apiGroup = "";
    else if (s.kind === "User" || s.kind === "Group") s.apiGroup = RBAC_GROUP;
  }
}

/** autoscaling/v1 HPA: minReplicas 1. */
export function defaultHPAv1(o: KObject): void {
  const spec = setDefault<Obj>(o as Obj, "spec", {});
  setDefault(spec, "minReplicas", 1);
}

/** autoscaling/v2 HPA: minReplicas 1, CPU 80% when no metrics, behavior rules when behavior is set. */
export function defaultHPAv2(o: KObject): void {
  const spec = setDefault<Obj>(o as Obj, "spec", {});
  setDefault(spec, "minReplicas", 1);
  if (!Array.isArray(spec.metrics) || spec.metrics.length === 0) {
    spec.metrics = [
      {
        type: "Resource",
        resource: { name: "cpu", target: { type: "Utilization", averageUtilization: 80 } },
      },
    ];
  }
  if (!isObject(spec.behavior)) return;
  const up = setDefault<Obj>(spec.behavior, "scaleUp", {});
  setDefault(up, "stabilizationWindowSeconds", 0);
  setDefault(up, "selectPolicy", "Max");
  setDefault(up, "policies", [
    { type: "Pods", value: 4, periodSeconds: 15 },
    { type: "Percent", value: 100, periodSeconds: 15 },
  ]);
  const down = setDefault<Obj>(spec.behavior, "scaleDown", {});
  setDefault(down, "selectPolicy", "Max");
  setDefault(down, "policies", [{ type: "Percent", value: 100, periodSeconds: 15 }]);
}
