/**
 * Pins protobuf field numbers of the API fields added in Kubernetes 1.27-1.32
 * (and a few long-standing ones kubectl sends), as published in k8s.io/api's
 * generated.proto files. These were once written from memory; each row below
 * was checked against generated.proto. A wrong number silently corrupts
 * protobuf request bodies, so a change here must be checked the same way.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { builtinSchemas } from "./builtin.ts";

const CORE = "io.k8s.api.core.v1";

/** [type, json field, number, inlineIn?] */
const facts: [string, string, number, number?][] = [
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
];

test("protobuf field numbers match k8s.io/api generated.proto", () => {
  const registry = builtinSchemas();
  for (const [type, field, number, inlineIn] of facts) {
    const spec = registry.field(type, field)?.spec;
    assert.ok(spec, `${type}.${field} is in the schema table`);
    assert.equal(spec[0], number, `${type}.${field}`);
    assert.equal(spec[2]?.inlineIn, inlineIn, `${type}.${field} inlineIn`);
  }
});
