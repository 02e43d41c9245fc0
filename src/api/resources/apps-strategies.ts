/**
 * Write strategies of the apps/v1 resources, keyed by resource name. Same
 * contract as core-strategies.ts: validate covers ObjectMeta too.
 */
import type { Strategy } from "../types.ts";
import {
  defaultDaemonSet,
  defaultDeployment,
  defaultReplicaSet,
  defaultStatefulSet,
} from "../defaults/workloads.ts";
import { statusSplit } from "../defaults/status.ts";
import {
  validateControllerRevision,
  validateControllerRevisionUpdate,
  validateDaemonSet,
  validateDeployment,
  validateReplicaSet,
  validateStatefulSet,
  validateStatefulSetUpdate,
  validateWorkloadUpdate,
} from "../validation/workloads.ts";
import { validateMetaUpdate } from "../validation/cluster.ts";

/** Strategies of apps/v1 resources by resource name. */
export function appsStrategies(): Record<string, Strategy> {
  const split = statusSplit({ statusOnCreate: () => ({}) });
  return {
    controllerrevisions: {
      validate: validateControllerRevision,
      validateUpdate: validateControllerRevisionUpdate,
    },
    daemonsets: {
      defaults: defaultDaemonSet,
      validate: validateDaemonSet,
      validateUpdate: validateWorkloadUpdate,
      ...statusSplit({
        statusOnCreate: () => ({
          currentNumberScheduled: 0,
          numberMisscheduled: 0,
          desiredNumberScheduled: 0,
          numberReady: 0,
        }),
      }),
      validateStatusUpdate: validateMetaUpdate,
    },
    deployments: {
      defaults: defaultDeployment,
      validate: validateDeployment,
      validateUpdate: validateWorkloadUpdate,
      ...split,
      validateStatusUpdate: validateMetaUpdate,
    },
    replicasets: {
      defaults: defaultReplicaSet,
      validate: validateReplicaSet,
      validateUpdate: validateWorkloadUpdate,
      ...statusSplit({ statusOnCreate: () => ({ replicas: 0 }) }),
      validateStatusUpdate: validateMetaUpdate,
    },
    statefulsets: {
      defaults: defaultStatefulSet,
      validate: validateStatefulSet,
      validateUpdate: validateStatefulSetUpdate,
      ...statusSplit({ statusOnCreate: () => ({ replicas: 0, availableReplicas: 0 }) }),
      validateStatusUpdate: validateMetaUpdate,
    },
  };
}
