/**
 * Pins protobuf field numbers of the API fields added in Kubernetes 1.27-1.32
 * (and a few long-standing ones kubectl sends), plus a sample of every other
 * served group, as published in k8s.io/api's (and apiextensions-apiserver's)
 * generated.proto files. These were once written from memory; each row below
 * was checked against generated.proto. A wrong number silently corrupts
 * protobuf request bodies, so a change here must be checked the same way.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { builtinSchemas } from "./builtin.ts";

const CORE = "io.k8s.api.core.v1";

const ADM = "io.k8s.api.admissionregistration.v1";
const APPS = "io.k8s.api.apps.v1";
const CRD = "io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1";

/** [type, json field, number, inlineIn?] */
const facts: [string, string, number, (number | number[])?][] = [
  // core/v1 Pod
  [`${CORE}.PodSpec`, "hostUsers", 37],
  [`${CORE}.PodSpec`, "schedulingGates", 38],
  [`${CORE}.PodSpec`, "resourceClaims", 39],
  [`${CORE}.PodSpec`, "resources", 40],
  [`${CORE}.PodSpec`, "initContainers", 20],
  [`${CORE}.PodSpec`, "ephemeralContainers", 34],
  [`${CORE}.PodStatus`, "resize", 14],
  [`${CORE}.PodStatus`, "resourceClaimStatuses", 15],
  [`${CORE}.PodStatus`, "hostIPs", 16],
  [`${CORE}.PodSecurityContext`, "appArmorProfile", 11],
  [`${CORE}.PodSecurityContext`, "supplementalGroupsPolicy", 12],
  [`${CORE}.PodSecurityContext`, "seLinuxChangePolicy", 13],
  [`${CORE}.SecurityContext`, "appArmorProfile", 12],
  [`${CORE}.PodResourceClaim`, "resourceClaimName", 3],
  [`${CORE}.PodResourceClaim`, "resourceClaimTemplateName", 4],
  [`${CORE}.PodResourceClaimStatus`, "resourceClaimName", 2],
  [`${CORE}.PodAffinityTerm`, "matchLabelKeys", 5],
  [`${CORE}.PodAffinityTerm`, "mismatchLabelKeys", 6],
  [`${CORE}.TopologySpreadConstraint`, "matchLabelKeys", 8],
  // containers
  [`${CORE}.Container`, "resizePolicy", 23],
  [`${CORE}.Container`, "restartPolicy", 24],
  [`${CORE}.Container`, "envFrom", 19],
  [`${CORE}.EphemeralContainer`, "targetContainerName", 2],
  [`${CORE}.EphemeralContainer`, "restartPolicy", 24, 1],
  [`${CORE}.ContainerStatus`, "allocatedResources", 10],
  [`${CORE}.ContainerStatus`, "resources", 11],
  [`${CORE}.ContainerStatus`, "volumeMounts", 12],
  [`${CORE}.ContainerStatus`, "user", 13],
  [`${CORE}.ContainerStatus`, "allocatedResourcesStatus", 14],
  [`${CORE}.LinuxContainerUser`, "supplementalGroups", 3],
  [`${CORE}.ResourceClaim`, "request", 2],
  [`${CORE}.ResourceHealth`, "health", 2],
  [`${CORE}.ResourceStatus`, "resources", 2],
  [`${CORE}.LifecycleHandler`, "sleep", 4],
  [`${CORE}.Probe`, "terminationGracePeriodSeconds", 7],
  [`${CORE}.Probe`, "grpc", 4, 1],
  [`${CORE}.VolumeMount`, "recursiveReadOnly", 7],
  [`${CORE}.VolumeMount`, "mountPath", 3],
  [`${CORE}.VolumeMountStatus`, "recursiveReadOnly", 4],
  // volumes
  [`${CORE}.Volume`, "image", 30, 2],
  [`${CORE}.Volume`, "projected", 26, 2],
  [`${CORE}.Volume`, "ephemeral", 29, 2],
  [`${CORE}.ImageVolumeSource`, "pullPolicy", 2],
  [`${CORE}.VolumeProjection`, "clusterTrustBundle", 5],
  [`${CORE}.ClusterTrustBundleProjection`, "optional", 5],
  [`${CORE}.ClusterTrustBundleProjection`, "path", 4],
  [`${CORE}.ConfigMap`, "immutable", 4],
  [`${CORE}.Secret`, "immutable", 5],
  [`${CORE}.Secret`, "stringData", 4],
  [`${CORE}.Secret`, "type", 3],
  // storage
  [`${CORE}.PersistentVolumeClaimSpec`, "volumeAttributesClassName", 9],
  [`${CORE}.PersistentVolumeClaimSpec`, "selector", 4],
  [`${CORE}.PersistentVolumeClaimStatus`, "allocatedResourceStatuses", 7],
  [`${CORE}.PersistentVolumeClaimStatus`, "currentVolumeAttributesClassName", 8],
  [`${CORE}.PersistentVolumeClaimStatus`, "modifyVolumeStatus", 9],
  [`${CORE}.PersistentVolumeSpec`, "volumeAttributesClassName", 10],
  [`${CORE}.PersistentVolumeSpec`, "csi", 22, 2],
  [`${CORE}.PersistentVolumeStatus`, "lastPhaseTransitionTime", 4],
  // nodes and services
  [`${CORE}.NodeStatus`, "runtimeHandlers", 12],
  [`${CORE}.NodeStatus`, "features", 13],
  [`${CORE}.NodeSystemInfo`, "swap", 11],
  [`${CORE}.NodeRuntimeHandlerFeatures`, "userNamespaces", 2],
  [`${CORE}.NodeSpec`, "podCIDRs", 7],
  [`${CORE}.LoadBalancerIngress`, "ipMode", 3],
  [`${CORE}.LoadBalancerIngress`, "ports", 4],
  [`${CORE}.ServiceSpec`, "trafficDistribution", 23],
  [`${CORE}.ServiceSpec`, "internalTrafficPolicy", 22],
  [`${CORE}.ServiceSpec`, "ipFamilyPolicy", 17],
  [`${CORE}.ServiceSpec`, "clusterIPs", 18],
  [`${CORE}.ServiceSpec`, "sessionAffinity", 7],
  [`${CORE}.ServicePort`, "appProtocol", 6],
  [`${CORE}.NamespaceCondition`, "lastTransitionTime", 4],
  // batch/v1
  ["io.k8s.api.batch.v1.JobSpec", "podReplacementPolicy", 14],
  ["io.k8s.api.batch.v1.JobSpec", "managedBy", 15],
  ["io.k8s.api.batch.v1.JobSpec", "successPolicy", 16],
  ["io.k8s.api.batch.v1.JobSpec", "backoffLimitPerIndex", 12],
  ["io.k8s.api.batch.v1.JobSpec", "maxFailedIndexes", 13],
  ["io.k8s.api.batch.v1.JobStatus", "terminating", 11],
  ["io.k8s.api.batch.v1.JobStatus", "failedIndexes", 10],
  ["io.k8s.api.batch.v1.JobStatus", "ready", 9],
  ["io.k8s.api.batch.v1.CronJobSpec", "timeZone", 8],
  ["io.k8s.api.batch.v1.CronJobStatus", "lastSuccessfulTime", 5],
  // authorization/v1
  ["io.k8s.api.authorization.v1.ResourceAttributes", "fieldSelector", 8],
  ["io.k8s.api.authorization.v1.ResourceAttributes", "labelSelector", 9],
  ["io.k8s.api.authorization.v1.SubjectAccessReviewStatus", "denied", 4],
  ["io.k8s.api.authorization.v1.SubjectAccessReviewSpec", "uid", 6],
  // apps/v1
  [`${APPS}.DeploymentSpec`, "progressDeadlineSeconds", 9],
  [`${APPS}.DeploymentStatus`, "readyReplicas", 7],
  [`${APPS}.DeploymentStatus`, "collisionCount", 8],
  [`${APPS}.DeploymentCondition`, "lastUpdateTime", 6],
  [`${APPS}.DeploymentCondition`, "lastTransitionTime", 7],
  [`${APPS}.DaemonSetSpec`, "revisionHistoryLimit", 6],
  [`${APPS}.ReplicaSetSpec`, "minReadySeconds", 4],
  [`${APPS}.ReplicaSetStatus`, "observedGeneration", 3],
  [`${APPS}.StatefulSetSpec`, "persistentVolumeClaimRetentionPolicy", 10],
  [`${APPS}.StatefulSetSpec`, "ordinals", 11],
  [`${APPS}.StatefulSetStatus`, "collisionCount", 9],
  [`${APPS}.StatefulSetStatus`, "availableReplicas", 11],
  [`${APPS}.RollingUpdateStatefulSetStrategy`, "maxUnavailable", 2],
  // networking/v1
  ["io.k8s.api.networking.v1.IngressSpec", "ingressClassName", 4],
  ["io.k8s.api.networking.v1.IngressSpec", "defaultBackend", 1],
  ["io.k8s.api.networking.v1.IngressBackend", "service", 4],
  ["io.k8s.api.networking.v1.HTTPIngressPath", "pathType", 3],
  ["io.k8s.api.networking.v1.IngressRule", "http", 1, 2],
  ["io.k8s.api.networking.v1.IngressLoadBalancerIngress", "ports", 4],
  ["io.k8s.api.networking.v1.NetworkPolicyPort", "endPort", 3],
  // policy/v1, rbac/v1, discovery/v1, coordination/v1
  ["io.k8s.api.policy.v1.PodDisruptionBudgetSpec", "unhealthyPodEvictionPolicy", 4],
  ["io.k8s.api.policy.v1.PodDisruptionBudgetStatus", "conditions", 7],
  ["io.k8s.api.policy.v1.Eviction", "deleteOptions", 2],
  ["io.k8s.api.rbac.v1.ClusterRole", "aggregationRule", 3],
  ["io.k8s.api.rbac.v1.PolicyRule", "nonResourceURLs", 5],
  ["io.k8s.api.rbac.v1.Subject", "apiGroup", 2],
  ["io.k8s.api.discovery.v1.EndpointSlice", "addressType", 4],
  ["io.k8s.api.discovery.v1.Endpoint", "hints", 8],
  ["io.k8s.api.discovery.v1.Endpoint", "zone", 7],
  ["io.k8s.api.discovery.v1.EndpointPort", "appProtocol", 4],
  ["io.k8s.api.coordination.v1.LeaseSpec", "strategy", 6],
  ["io.k8s.api.coordination.v1.LeaseSpec", "preferredHolder", 7],
  // admissionregistration/v1: NamedRuleWithOperations embeds RuleWithOperations (2), which embeds Rule (2)
  [`${ADM}.NamedRuleWithOperations`, "resourceNames", 1],
  [`${ADM}.NamedRuleWithOperations`, "operations", 1, 2],
  [`${ADM}.NamedRuleWithOperations`, "apiGroups", 1, [2, 2]],
  [`${ADM}.NamedRuleWithOperations`, "scope", 4, [2, 2]],
  [`${ADM}.RuleWithOperations`, "resources", 3, 2],
  [`${ADM}.MatchResources`, "matchPolicy", 7],
  [`${ADM}.ValidatingWebhook`, "objectSelector", 10],
  [`${ADM}.ValidatingWebhook`, "matchConditions", 11],
  [`${ADM}.MutatingWebhook`, "objectSelector", 11],
  [`${ADM}.MutatingWebhook`, "reinvocationPolicy", 10],
  [`${ADM}.MutatingWebhook`, "matchConditions", 12],
  [`${ADM}.WebhookClientConfig`, "url", 3],
  [`${ADM}.ValidatingAdmissionPolicySpec`, "variables", 7],
  [`${ADM}.ExpressionWarning`, "fieldRef", 2],
  // apiextensions.k8s.io/v1
  [`${CRD}.CustomResourceDefinitionSpec`, "conversion", 9],
  [`${CRD}.CustomResourceDefinitionSpec`, "preserveUnknownFields", 10],
  [`${CRD}.CustomResourceDefinitionVersion`, "deprecated", 7],
  [`${CRD}.CustomResourceDefinitionVersion`, "selectableFields", 9],
  [`${CRD}.JSONSchemaProps`, "items", 24],
  [`${CRD}.JSONSchemaProps`, "x-kubernetes-validations", 44],
  [`${CRD}.ValidationRule`, "optionalOldSelf", 6],
  [`${CRD}.WebhookConversion`, "clientConfig", 2],
  // autoscaling/v2
  ["io.k8s.api.autoscaling.v2.MetricSpec", "containerResource", 7],
  ["io.k8s.api.autoscaling.v2.MetricSpec", "external", 5],
  ["io.k8s.api.autoscaling.v2.HPAScalingRules", "stabilizationWindowSeconds", 3],
  ["io.k8s.api.autoscaling.v2.HPAScalingRules", "selectPolicy", 1],
  ["io.k8s.api.autoscaling.v2.ObjectMetricStatus", "describedObject", 3],
  ["io.k8s.api.autoscaling.v2.CrossVersionObjectReference", "apiVersion", 3],
  // storage/v1, scheduling/v1, node/v1, certificates/v1, events/v1
  ["io.k8s.api.storage.v1.StorageClass", "volumeBindingMode", 7],
  ["io.k8s.api.storage.v1.StorageClass", "allowedTopologies", 8],
  ["io.k8s.api.scheduling.v1.PriorityClass", "preemptionPolicy", 5],
  ["io.k8s.api.node.v1.RuntimeClass", "scheduling", 4],
  ["io.k8s.api.certificates.v1.CertificateSigningRequestSpec", "signerName", 7],
  ["io.k8s.api.certificates.v1.CertificateSigningRequestSpec", "expirationSeconds", 8],
  ["io.k8s.api.certificates.v1.CertificateSigningRequestCondition", "status", 6],
  ["io.k8s.api.events.v1.Event", "deprecatedCount", 15],
  ["io.k8s.api.events.v1.Event", "regarding", 8],
];

/** apiextensions' JSON union fields and the wire message each uses. */
const unions: [string, string, string][] = [
  [`${CRD}.JSONSchemaProps`, "items", "JSONSchemaPropsOrArray"],
  [`${CRD}.JSONSchemaProps`, "additionalProperties", "JSONSchemaPropsOrBool"],
  [`${CRD}.JSONSchemaProps`, "additionalItems", "JSONSchemaPropsOrBool"],
  [`${CRD}.JSONSchemaProps`, "dependencies", "JSONSchemaPropsOrStringArray"],
];

test("protobuf field numbers match k8s.io/api generated.proto", () => {
  const registry = builtinSchemas();
  for (const [type, field, number, inlineIn] of facts) {
    const spec = registry.field(type, field)?.spec;
    assert.ok(spec, `${type}.${field} is in the schema table`);
    assert.equal(spec[0], number, `${type}.${field}`);
    assert.deepEqual(spec[2]?.inlineIn, inlineIn, `${type}.${field} inlineIn`);
  }
  for (const [type, field, union] of unions) {
    assert.equal(registry.field(type, field)?.spec[2]?.union, union, `${type}.${field} union`);
  }
});
