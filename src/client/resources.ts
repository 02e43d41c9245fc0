/** Where the built-in resources that components use live in the API. */
import type { ResourceRef } from "./rest-client.ts";

const ref = (group: string, version: string, resource: string, namespaced = true): ResourceRef => ({
  group,
  version,
  resource,
  namespaced,
});

export const podsRef = ref("", "v1", "pods");
export const nodesRef = ref("", "v1", "nodes", false);
export const namespacesRef = ref("", "v1", "namespaces", false);
export const servicesRef = ref("", "v1", "services");
export const endpointsRef = ref("", "v1", "endpoints");
export const serviceAccountsRef = ref("", "v1", "serviceaccounts");
export const configMapsRef = ref("", "v1", "configmaps");
export const secretsRef = ref("", "v1", "secrets");
export const replicationControllersRef = ref("", "v1", "replicationcontrollers");
export const resourceQuotasRef = ref("", "v1", "resourcequotas");
export const persistentVolumeClaimsRef = ref("", "v1", "persistentvolumeclaims");
export const persistentVolumesRef = ref("", "v1", "persistentvolumes", false);
export const replicaSetsRef = ref("apps", "v1", "replicasets");
export const deploymentsRef = ref("apps", "v1", "deployments");
export const daemonSetsRef = ref("apps", "v1", "daemonsets");
export const statefulSetsRef = ref("apps", "v1", "statefulsets");
export const controllerRevisionsRef = ref("apps", "v1", "controllerrevisions");
export const jobsRef = ref("batch", "v1", "jobs");
export const cronJobsRef = ref("batch", "v1", "cronjobs");
export const hpaRef = ref("autoscaling", "v2", "horizontalpodautoscalers");
export const pdbRef = ref("policy", "v1", "poddisruptionbudgets");
export const endpointSlicesRef = ref("discovery.k8s.io", "v1", "endpointslices");
export const leasesRef = ref("coordination.k8s.io", "v1", "leases");
