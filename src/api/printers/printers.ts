/**
 * printerFor: the table printer upstream v1.32 registers for a resource,
 * keyed by group and resource (versions of one resource share a printer:
 * autoscaling v1 and v2 HPAs, core and events.k8s.io events each have one),
 * or upstream's default table convertor (NAME, CREATED AT) for resources
 * with no printer of their own (roles, clusterroles, limitranges, ...).
 */
import type { KObject, TablePrinter } from "../types.ts";
import { parseTimestamp } from "../duration.ts";
import {
  certificateSigningRequestPrinter,
  clusterRoleBindingPrinter,
  leasePrinter,
  podDisruptionBudgetPrinter,
  priorityClassPrinter,
  roleBindingPrinter,
  runtimeClassPrinter,
} from "./cluster-printers.ts";
import {
  componentStatusPrinter,
  configMapPrinter,
  endpointsPrinter,
  namespacePrinter,
  nodePrinter,
  secretPrinter,
  serviceAccountPrinter,
  servicePrinter,
} from "./core-printers.ts";
import { eventPrinter } from "./event-printer.ts";
import {
  csiDriverPrinter,
  csiNodePrinter,
  csiStorageCapacityPrinter,
  mutatingWebhookConfigurationPrinter,
  scalePrinter,
  validatingAdmissionPolicyBindingPrinter,
  validatingAdmissionPolicyPrinter,
  validatingWebhookConfigurationPrinter,
  volumeAttachmentPrinter,
} from "./extra-printers.ts";
import { CREATED_DESCRIPTION, column, nameColumn, nameOf, type RowPrinter } from "./format.ts";
import { horizontalPodAutoscalerPrinter } from "./hpa-printer.ts";
import {
  endpointSlicePrinter,
  ingressClassPrinter,
  ingressPrinter,
  networkPolicyPrinter,
} from "./network-printers.ts";
import { podPrinter } from "./pod-printer.ts";
import { apiServicePrinter } from "../resources/apiregistration.ts";
import {
  persistentVolumeClaimPrinter,
  persistentVolumePrinter,
  resourceQuotaPrinter,
  storageClassPrinter,
} from "./storage-printers.ts";
import {
  controllerRevisionPrinter,
  cronJobPrinter,
  daemonSetPrinter,
  deploymentPrinter,
  jobPrinter,
  podTemplatePrinter,
  replicaSetPrinter,
  replicationControllerPrinter,
  statefulSetPrinter,
} from "./workload-printers.ts";

/** Go's time.RFC3339 of the creation time in UTC ("0001-01-01T00:00:00Z" when unset). */
function createdAt(obj: KObject): string {
  const ms = parseTimestamp(obj.metadata?.creationTimestamp);
  if (ms === undefined) return "0001-01-01T00:00:00Z";
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace(".000Z", "Z");
}

/** Upstream's DefaultTableConvertor: Name and Created At (type "date"). */
export const defaultPrinter: RowPrinter = {
  columns: [nameColumn(), column("Created At", "date", CREATED_DESCRIPTION)],
  row(obj: KObject) {
    return [nameOf(obj), createdAt(obj)];
  },
};

/** The printers table, "group/resource" → printer. A registry: built once, never mutated. */
const PRINTERS: ReadonlyMap<string, RowPrinter> = new Map<string, RowPrinter>([
  ["/pods", podPrinter],
  ["/podtemplates", podTemplatePrinter],
  ["/replicationcontrollers", replicationControllerPrinter],
  ["/services", servicePrinter],
  ["/endpoints", endpointsPrinter],
  ["/namespaces", namespacePrinter],
  ["/nodes", nodePrinter],
  ["/events", eventPrinter],
  ["/secrets", secretPrinter],
  ["/configmaps", configMapPrinter],
  ["/serviceaccounts", serviceAccountPrinter],
  ["/persistentvolumes", persistentVolumePrinter],
  ["/persistentvolumeclaims", persistentVolumeClaimPrinter],
  ["/resourcequotas", resourceQuotaPrinter],
  ["/componentstatuses", componentStatusPrinter],
  ["apps/replicasets", replicaSetPrinter],
  ["apps/deployments", deploymentPrinter],
  ["apps/statefulsets", statefulSetPrinter],
  ["apps/daemonsets", daemonSetPrinter],
  ["apps/controllerrevisions", controllerRevisionPrinter],
  ["batch/jobs", jobPrinter],
  ["batch/cronjobs", cronJobPrinter],
  ["autoscaling/horizontalpodautoscalers", horizontalPodAutoscalerPrinter],
  ["policy/poddisruptionbudgets", podDisruptionBudgetPrinter],
  ["coordination.k8s.io/leases", leasePrinter],
  ["discovery.k8s.io/endpointslices", endpointSlicePrinter],
  ["networking.k8s.io/ingresses", ingressPrinter],
  ["networking.k8s.io/ingressclasses", ingressClassPrinter],
  ["networking.k8s.io/networkpolicies", networkPolicyPrinter],
  ["storage.k8s.io/storageclasses", storageClassPrinter],
  ["scheduling.k8s.io/priorityclasses", priorityClassPrinter],
  ["events.k8s.io/events", eventPrinter],
  ["node.k8s.io/runtimeclasses", runtimeClassPrinter],
  ["rbac.authorization.k8s.io/rolebindings", roleBindingPrinter],
  ["rbac.authorization.k8s.io/clusterrolebindings", clusterRoleBindingPrinter],
  ["certificates.k8s.io/certificatesigningrequests", certificateSigningRequestPrinter],
  [
    "admissionregistration.k8s.io/mutatingwebhookconfigurations",
    mutatingWebhookConfigurationPrinter,
  ],
  [
    "admissionregistration.k8s.io/validatingwebhookconfigurations",
    validatingWebhookConfigurationPrinter,
  ],
  ["admissionregistration.k8s.io/validatingadmissionpolicies", validatingAdmissionPolicyPrinter],
  [
    "admissionregistration.k8s.io/validatingadmissionpolicybindings",
    validatingAdmissionPolicyBindingPrinter,
  ],
  ["storage.k8s.io/volumeattachments", volumeAttachmentPrinter],
  ["apiregistration.k8s.io/apiservices", apiServicePrinter],
  ["storage.k8s.io/csidrivers", csiDriverPrinter],
  ["storage.k8s.io/csinodes", csiNodePrinter],
  ["storage.k8s.io/csistoragecapacities", csiStorageCapacityPrinter],
]);

/**
 * The printer for a resource ("" is the core group). Never fails: unknown
 * resources get the default convertor, as upstream's generic registry does.
 * A subresource may be named as "deployments/scale" (the Scale table) or
 * "pods/status" (the main resource's table).
 */
export function printerFor(group: string, resource: string): TablePrinter {
  const [main, sub] = resource.split("/", 2);
  if (sub === "scale") return scalePrinter;
  return PRINTERS.get(`${group}/${main}`) ?? defaultPrinter;
}

/** True when the resource has a printer of its own (not the default convertor). */
export function hasOwnPrinter(group: string, resource: string): boolean {
  return PRINTERS.has(`${group}/${resource}`);
}
