/**
 * Write strategies (defaulting, validation, create/update preparation) of the
 * core resources, keyed by resource name.
 *
 * Contract for every strategy in this folder: `validate` covers ObjectMeta
 * (name rule, namespace, labels, annotations, owner references) as well as
 * the kind's own fields; `validateUpdate` adds only update rules (immutable
 * fields) and is called in addition to `validate`.
 */
import type { Strategy } from "../types.ts";
import { defaultPod, preparePodForCreate } from "../defaults/pod.ts";
import { defaultService, patchAllocatedValues } from "../defaults/service.ts";
import { defaultReplicationController } from "../defaults/workloads.ts";
import {
  defaultEndpoints,
  defaultLimitRange,
  defaultNamespace,
  defaultNode,
  defaultPersistentVolume,
  defaultPersistentVolumeClaim,
  defaultSecret,
  prepareNamespaceForCreate,
  prepareNamespaceForUpdate,
} from "../defaults/core.ts";
import { chain, keepOld, resetObjectMetaForStatus, statusSplit } from "../defaults/status.ts";
import { defaultPodTemplate } from "../defaults/pod.ts";
import { validatePod, validatePodUpdate } from "../validation/pod.ts";
import { validateEvent } from "../validation/event.ts";
import {
  prepareEphemeralContainersUpdate,
  validateEphemeralContainersUpdate,
} from "../validation/ephemeral.ts";
import { validateService, validateServiceUpdate } from "../validation/service.ts";
import { validateReplicationController, validateWorkloadUpdate } from "../validation/workloads.ts";
import {
  validateConfigMap,
  validateConfigMapUpdate,
  validateSecret,
  validateSecretUpdate,
  validateServiceAccount,
} from "../validation/config.ts";
import {
  validateBinding,
  validateClusterMeta,
  validateEndpoints,
  validateMetaUpdate,
  validateNamespace,
  validateNamespacedMeta,
  validateNode,
  validateNodeUpdate,
  validatePersistentVolume,
  validatePersistentVolumeClaim,
  validatePersistentVolumeClaimUpdate,
  validatePodTemplate,
} from "../validation/cluster.ts";

/** Strategies of core/v1 resources by resource name. */
export function coreStrategies(): Record<string, Strategy> {
  const podSplit = statusSplit();
  return {
    bindings: { validate: validateBinding },
    configmaps: { validate: validateConfigMap, validateUpdate: validateConfigMapUpdate },
    endpoints: {
      defaults: defaultEndpoints,
      validate: validateEndpoints,
      validateUpdate: validateMetaUpdate,
    },
    events: { validate: validateEvent, validateUpdate: validateMetaUpdate },
    limitranges: {
      defaults: defaultLimitRange,
      validate: validateNamespacedMeta,
      validateUpdate: validateMetaUpdate,
    },
    namespaces: {
      defaults: defaultNamespace,
      validate: validateNamespace,
      validateUpdate: validateMetaUpdate,
      prepareForCreate: prepareNamespaceForCreate,
      prepareForUpdate: prepareNamespaceForUpdate,
      prepareForStatusUpdate(obj, old) {
        keepOld(obj, old, "spec");
        resetObjectMetaForStatus(obj, old);
      },
    },
    nodes: {
      defaults: defaultNode,
      validate: validateNode,
      validateUpdate: validateNodeUpdate,
      // Nodes may set status on create (the kubelet registers with status).
      prepareForUpdate: statusSplit().prepareForUpdate,
      prepareForStatusUpdate: statusSplit().prepareForStatusUpdate,
    },
    persistentvolumeclaims: {
      defaults: defaultPersistentVolumeClaim,
      validate: validatePersistentVolumeClaim,
      validateUpdate: validatePersistentVolumeClaimUpdate,
      ...statusSplit({ statusOnCreate: () => ({ phase: "Pending" }) }),
    },
    persistentvolumes: {
      defaults: defaultPersistentVolume,
      validate: validatePersistentVolume,
      validateUpdate: validateMetaUpdate,
      ...statusSplit({ statusOnCreate: () => ({ phase: "Pending" }) }),
    },
    pods: {
      defaults: defaultPod,
      validate: validatePod,
      validateUpdate: validatePodUpdate,
      prepareForCreate: preparePodForCreate,
      prepareForUpdate: podSplit.prepareForUpdate,
      prepareForStatusUpdate: podSplit.prepareForStatusUpdate,
      validateStatusUpdate: validateMetaUpdate,
      subresources: {
        ephemeralcontainers: {
          prepareForUpdate: prepareEphemeralContainersUpdate,
          validateUpdate: validateEphemeralContainersUpdate,
        },
      },
    },
    podtemplates: {
      defaults: (o) => defaultPodTemplate(o.template),
      validate: validatePodTemplate,
      validateUpdate: validateMetaUpdate,
    },
    replicationcontrollers: {
      defaults: defaultReplicationController,
      validate: validateReplicationController,
      validateUpdate: validateWorkloadUpdate,
      ...statusSplit({ statusOnCreate: () => ({ replicas: 0 }) }),
      validateStatusUpdate: validateMetaUpdate,
    },
    resourcequotas: {
      validate: validateNamespacedMeta,
      validateUpdate: validateMetaUpdate,
      ...statusSplit({ statusOnCreate: () => ({}) }),
    },
    secrets: {
      defaults: defaultSecret,
      validate: validateSecret,
      validateUpdate: validateSecretUpdate,
    },
    serviceaccounts: { validate: validateServiceAccount, validateUpdate: validateMetaUpdate },
    services: {
      defaults: defaultService,
      validate: validateService,
      validateUpdate: validateServiceUpdate,
      prepareForCreate(obj) {
        obj.status = { loadBalancer: {} };
      },
      prepareForUpdate: chain(patchAllocatedValues, statusSplit().prepareForUpdate),
      prepareForStatusUpdate: statusSplit().prepareForStatusUpdate,
      validateStatusUpdate: validateMetaUpdate,
    },
    componentstatuses: { validate: validateClusterMeta },
  };
}
