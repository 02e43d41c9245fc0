/**
 * apps/v1: Deployment, ReplicaSet, StatefulSet, DaemonSet, ControllerRevision.
 * Field names, protobuf numbers and list/patch markers follow k8s.io/api
 * apps/v1 as served by Kubernetes v1.32. Their scale subresource is served as
 * autoscaling/v1 Scale (autoscaling-v1.ts).
 */
import type { SchemaPackage } from "../types.ts";
import { withDocs } from "../with-docs.ts";

const META = "io.k8s.apimachinery.pkg.apis.meta.v1";
const CORE = "io.k8s.api.core.v1";

/** Descriptions, keyed "Type" or "Type.field". */
const docs: Record<string, string> = {
  ControllerRevision:
    "An immutable snapshot of a controller's state data, used by DaemonSets and StatefulSets for history and rollback.",
  "ControllerRevision.metadata": "Standard object metadata.",
  "ControllerRevision.data": "The serialized state this revision captures.",
  "ControllerRevision.revision": "Revision number of the captured state.",
  ControllerRevisionList: "A list of ControllerRevision objects.",
  "ControllerRevisionList.metadata": "Standard list metadata.",
  "ControllerRevisionList.items": "The ControllerRevision objects.",
  DaemonSet: "Runs one copy of a pod on every (selected) node.",
  "DaemonSet.metadata": "Standard object metadata.",
  "DaemonSet.spec": "Desired behaviour of the daemon set.",
  "DaemonSet.status": "Observed state, written by the controller.",
  DaemonSetCondition: "One observed condition of a daemon set.",
  "DaemonSetCondition.type": "Kind of daemon set condition.",
  "DaemonSetCondition.status": "True, False or Unknown.",
  "DaemonSetCondition.lastTransitionTime": "When the status last flipped.",
  "DaemonSetCondition.reason": "Machine-readable cause of the last transition.",
  "DaemonSetCondition.message": "Human-readable details of the last transition.",
  DaemonSetList: "A list of DaemonSet objects.",
  "DaemonSetList.metadata": "Standard list metadata.",
  "DaemonSetList.items": "The DaemonSet objects.",
  DaemonSetSpec: "Desired state of a daemon set.",
  "DaemonSetSpec.selector":
    "Selects the pods this daemon set owns; must match the template labels.",
  "DaemonSetSpec.template": "Pod created on each eligible node.",
  "DaemonSetSpec.updateStrategy": "How old pods are replaced by new ones.",
  "DaemonSetSpec.minReadySeconds":
    "Seconds a new pod must stay ready before it counts as available.",
  "DaemonSetSpec.revisionHistoryLimit": "Old revisions kept for rollback (default 10).",
  DaemonSetStatus: "Observed state of a daemon set.",
  "DaemonSetStatus.currentNumberScheduled": "Nodes running the daemon pod that should run it.",
  "DaemonSetStatus.numberMisscheduled": "Nodes running the daemon pod that should not run it.",
  "DaemonSetStatus.desiredNumberScheduled": "Nodes that should run the daemon pod.",
  "DaemonSetStatus.numberReady": "Nodes whose daemon pod is ready.",
  "DaemonSetStatus.observedGeneration": "Last generation the controller acted on.",
  "DaemonSetStatus.updatedNumberScheduled": "Nodes running the current pod template.",
  "DaemonSetStatus.numberAvailable": "Nodes whose daemon pod has been ready for minReadySeconds.",
  "DaemonSetStatus.numberUnavailable": "Nodes that should run an available daemon pod but do not.",
  "DaemonSetStatus.collisionCount": "Hash collision counter for naming revisions.",
  "DaemonSetStatus.conditions": "Latest observations of the object's state.",
  DaemonSetUpdateStrategy: "How a daemon set replaces its pods.",
  "DaemonSetUpdateStrategy.type": "RollingUpdate (default) or OnDelete.",
  "DaemonSetUpdateStrategy.rollingUpdate": "Parameters when type is RollingUpdate.",
  Deployment: "Declarative rollout of pods through ReplicaSets.",
  "Deployment.metadata": "Standard object metadata.",
  "Deployment.spec": "Desired behaviour of the deployment.",
  "Deployment.status": "Most recently observed state.",
  DeploymentCondition: "One observed condition of a deployment.",
  "DeploymentCondition.type": "Kind of deployment condition.",
  "DeploymentCondition.status": "True, False or Unknown.",
  "DeploymentCondition.lastTransitionTime": "When the status last flipped.",
  "DeploymentCondition.reason": "Machine-readable cause of the last transition.",
  "DeploymentCondition.message": "Human-readable details of the last transition.",
  "DeploymentCondition.lastUpdateTime": "When this condition was last updated.",
  DeploymentList: "A list of Deployment objects.",
  "DeploymentList.metadata": "Standard list metadata.",
  "DeploymentList.items": "The Deployment objects.",
  DeploymentSpec: "Desired state of a deployment.",
  "DeploymentSpec.replicas": "Desired number of pods (default 1).",
  "DeploymentSpec.selector":
    "Selects the pods this deployment manages; must match the template labels.",
  "DeploymentSpec.template": "Pod template stamped out by the ReplicaSets.",
  "DeploymentSpec.strategy": "How old pods are replaced by new ones.",
  "DeploymentSpec.minReadySeconds":
    "Seconds a new pod must stay ready before it counts as available.",
  "DeploymentSpec.revisionHistoryLimit": "Old ReplicaSets kept for rollback (default 10).",
  "DeploymentSpec.paused": "When true the controller does not roll out template changes.",
  "DeploymentSpec.progressDeadlineSeconds":
    "Seconds without progress before the rollout is reported failed (default 600).",
  DeploymentStatus: "Observed state of a deployment.",
  "DeploymentStatus.observedGeneration": "Last generation the controller acted on.",
  "DeploymentStatus.replicas": "Pods targeted by this deployment.",
  "DeploymentStatus.updatedReplicas": "Targeted pods running the current template.",
  "DeploymentStatus.readyReplicas": "Targeted pods that are ready.",
  "DeploymentStatus.availableReplicas": "Targeted pods ready for at least minReadySeconds.",
  "DeploymentStatus.unavailableReplicas": "Pods still missing for full availability.",
  "DeploymentStatus.conditions": "Latest observations of the object's state.",
  "DeploymentStatus.collisionCount": "Hash collision counter for naming ReplicaSets.",
  DeploymentStrategy: "How a deployment replaces its pods.",
  "DeploymentStrategy.type": "RollingUpdate (default) or Recreate.",
  "DeploymentStrategy.rollingUpdate": "Parameters when type is RollingUpdate.",
  ReplicaSet: "Keeps a given number of identical pods running.",
  "ReplicaSet.metadata": "Standard object metadata.",
  "ReplicaSet.spec": "Desired behaviour of the replica set.",
  "ReplicaSet.status": "Most recently observed state.",
  ReplicaSetCondition: "One observed condition of a replica set.",
  "ReplicaSetCondition.type": "Kind of replica set condition.",
  "ReplicaSetCondition.status": "True, False or Unknown.",
  "ReplicaSetCondition.lastTransitionTime": "When the status last flipped.",
  "ReplicaSetCondition.reason": "Machine-readable cause of the last transition.",
  "ReplicaSetCondition.message": "Human-readable details of the last transition.",
  ReplicaSetList: "A list of ReplicaSet objects.",
  "ReplicaSetList.metadata": "Standard list metadata.",
  "ReplicaSetList.items": "The ReplicaSet objects.",
  ReplicaSetSpec: "Desired state of a replica set.",
  "ReplicaSetSpec.replicas": "Desired number of pods (default 1).",
  "ReplicaSetSpec.minReadySeconds":
    "Seconds a new pod must stay ready before it counts as available.",
  "ReplicaSetSpec.selector": "Selects the pods counted against replicas.",
  "ReplicaSetSpec.template": "Pod created when too few replicas exist.",
  ReplicaSetStatus: "Observed state of a replica set.",
  "ReplicaSetStatus.replicas": "Most recently observed number of pods.",
  "ReplicaSetStatus.fullyLabeledReplicas": "Pods whose labels match the template labels.",
  "ReplicaSetStatus.readyReplicas": "Pods that are ready.",
  "ReplicaSetStatus.availableReplicas": "Pods ready for at least minReadySeconds.",
  "ReplicaSetStatus.observedGeneration": "Last generation the controller acted on.",
  "ReplicaSetStatus.conditions": "Latest observations of the object's state.",
  RollingUpdateDaemonSet: "Rolling update limits for a daemon set.",
  "RollingUpdateDaemonSet.maxUnavailable":
    "Pods (count or percentage) that may be down during the update (default 1).",
  "RollingUpdateDaemonSet.maxSurge":
    "Nodes (count or percentage) that may run an old and a new pod at once (default 0).",
  RollingUpdateDeployment: "Rolling update limits for a deployment.",
  "RollingUpdateDeployment.maxUnavailable":
    "Pods (count or percentage) that may be unavailable during the update (default 25%).",
  "RollingUpdateDeployment.maxSurge":
    "Pods (count or percentage) allowed above the desired count (default 25%).",
  RollingUpdateStatefulSetStrategy: "Rolling update parameters for a stateful set.",
  "RollingUpdateStatefulSetStrategy.partition": "Only ordinals at or above this are updated.",
  "RollingUpdateStatefulSetStrategy.maxUnavailable":
    "Pods (count or percentage) that may be unavailable during the update.",
  StatefulSet: "A set of pods with stable network identities and storage.",
  "StatefulSet.metadata": "Standard object metadata.",
  "StatefulSet.spec": "Desired identities of the pods in this set.",
  "StatefulSet.status": "Current state of the pods in this set.",
  StatefulSetCondition: "One observed condition of a stateful set.",
  "StatefulSetCondition.type": "Kind of stateful set condition.",
  "StatefulSetCondition.status": "True, False or Unknown.",
  "StatefulSetCondition.lastTransitionTime": "When the status last flipped.",
  "StatefulSetCondition.reason": "Machine-readable cause of the last transition.",
  "StatefulSetCondition.message": "Human-readable details of the last transition.",
  StatefulSetList: "A list of StatefulSet objects.",
  "StatefulSetList.metadata": "Standard list metadata.",
  "StatefulSetList.items": "The StatefulSet objects.",
  StatefulSetOrdinals: "How replica ordinals are numbered.",
  "StatefulSetOrdinals.start": "Index of the first replica (default 0).",
  StatefulSetPersistentVolumeClaimRetentionPolicy:
    "What happens to claims made from volumeClaimTemplates.",
  "StatefulSetPersistentVolumeClaimRetentionPolicy.whenDeleted":
    "Retain (default) or Delete when the set is deleted.",
  "StatefulSetPersistentVolumeClaimRetentionPolicy.whenScaled":
    "Retain (default) or Delete when the set scales down.",
  StatefulSetSpec: "Desired state of a stateful set.",
  "StatefulSetSpec.replicas": "Desired number of pods (default 1).",
  "StatefulSetSpec.selector": "Selects the pods counted against replicas.",
  "StatefulSetSpec.template": "Pod template; each pod is named <set>-<ordinal>.",
  "StatefulSetSpec.volumeClaimTemplates": "Claims created per pod and mounted by name.",
  "StatefulSetSpec.serviceName": "Headless service that gives the pods their DNS names.",
  "StatefulSetSpec.podManagementPolicy": "OrderedReady (default) or Parallel.",
  "StatefulSetSpec.updateStrategy": "How pods are updated when the template changes.",
  "StatefulSetSpec.revisionHistoryLimit": "Old revisions kept (default 10).",
  "StatefulSetSpec.minReadySeconds":
    "Seconds a new pod must stay ready before it counts as available.",
  "StatefulSetSpec.persistentVolumeClaimRetentionPolicy":
    "Lifecycle of claims made from volumeClaimTemplates.",
  "StatefulSetSpec.ordinals": "Numbering of replica indices.",
  StatefulSetStatus: "Observed state of a stateful set.",
  "StatefulSetStatus.observedGeneration": "Last generation the controller acted on.",
  "StatefulSetStatus.replicas": "Pods created by the controller.",
  "StatefulSetStatus.readyReplicas": "Pods that are ready.",
  "StatefulSetStatus.currentReplicas": "Pods at currentRevision.",
  "StatefulSetStatus.updatedReplicas": "Pods at updateRevision.",
  "StatefulSetStatus.currentRevision": "Revision of the pods in [0, currentReplicas).",
  "StatefulSetStatus.updateRevision": "Revision being rolled out.",
  "StatefulSetStatus.collisionCount": "Hash collision counter for naming revisions.",
  "StatefulSetStatus.conditions": "Latest observations of the object's state.",
  "StatefulSetStatus.availableReplicas": "Pods ready for at least minReadySeconds.",
  StatefulSetUpdateStrategy: "How a stateful set updates its pods.",
  "StatefulSetUpdateStrategy.type": "RollingUpdate (default) or OnDelete.",
  "StatefulSetUpdateStrategy.rollingUpdate": "Parameters when type is RollingUpdate.",
};

export const appsV1: SchemaPackage = withDocs(
  {
    name: "io.k8s.api.apps.v1",
    types: {
      ControllerRevision: {
        gvk: [{ group: "apps", version: "v1", kind: "ControllerRevision" }],
        fields: {
          metadata: [1, `${META}.ObjectMeta`],
          data: [2, "RawExtension"],
          revision: [3, "int64", { pointer: true, required: true }],
        },
      },
      ControllerRevisionList: {
        gvk: [{ group: "apps", version: "v1", kind: "ControllerRevisionList" }],
        fields: {
          metadata: [1, `${META}.ListMeta`],
          items: [2, "[]ControllerRevision", { required: true }],
        },
      },
      DaemonSet: {
        gvk: [{ group: "apps", version: "v1", kind: "DaemonSet" }],
        fields: {
          metadata: [1, `${META}.ObjectMeta`],
          spec: [2, "DaemonSetSpec"],
          status: [3, "DaemonSetStatus"],
        },
      },
      DaemonSetCondition: {
        fields: {
          type: [1, "string", { required: true }],
          status: [2, "string", { required: true }],
          lastTransitionTime: [3, "Time"],
          reason: [4, "string"],
          message: [5, "string"],
        },
      },
      DaemonSetList: {
        gvk: [{ group: "apps", version: "v1", kind: "DaemonSetList" }],
        fields: {
          metadata: [1, `${META}.ListMeta`],
          items: [2, "[]DaemonSet", { required: true }],
        },
      },
      DaemonSetSpec: {
        fields: {
          selector: [1, `${META}.LabelSelector`, { required: true }],
          template: [2, `${CORE}.PodTemplateSpec`, { required: true }],
          updateStrategy: [3, "DaemonSetUpdateStrategy"],
          minReadySeconds: [4, "int32"],
          revisionHistoryLimit: [6, "int32", { pointer: true }],
        },
      },
      DaemonSetStatus: {
        fields: {
          currentNumberScheduled: [1, "int32", { pointer: true, required: true }],
          numberMisscheduled: [2, "int32", { pointer: true, required: true }],
          desiredNumberScheduled: [3, "int32", { pointer: true, required: true }],
          numberReady: [4, "int32", { pointer: true, required: true }],
          observedGeneration: [5, "int64"],
          updatedNumberScheduled: [6, "int32"],
          numberAvailable: [7, "int32"],
          numberUnavailable: [8, "int32"],
          collisionCount: [9, "int32", { pointer: true }],
          conditions: [
            10,
            "[]DaemonSetCondition",
            {
              patchStrategy: "merge",
              patchMergeKey: "type",
              listType: "map",
              listMapKeys: ["type"],
            },
          ],
        },
      },
      DaemonSetUpdateStrategy: {
        fields: {
          type: [1, "string", { enum: ["OnDelete", "RollingUpdate"] }],
          rollingUpdate: [2, "RollingUpdateDaemonSet"],
        },
      },
      Deployment: {
        gvk: [{ group: "apps", version: "v1", kind: "Deployment" }],
        fields: {
          metadata: [1, `${META}.ObjectMeta`],
          spec: [2, "DeploymentSpec"],
          status: [3, "DeploymentStatus"],
        },
      },
      DeploymentCondition: {
        fields: {
          type: [1, "string", { required: true }],
          status: [2, "string", { required: true }],
          lastTransitionTime: [7, "Time"],
          reason: [4, "string"],
          message: [5, "string"],
          lastUpdateTime: [6, "Time"],
        },
      },
      DeploymentList: {
        gvk: [{ group: "apps", version: "v1", kind: "DeploymentList" }],
        fields: {
          metadata: [1, `${META}.ListMeta`],
          items: [2, "[]Deployment", { required: true }],
        },
      },
      DeploymentSpec: {
        fields: {
          replicas: [1, "int32", { pointer: true }],
          selector: [2, `${META}.LabelSelector`, { required: true }],
          template: [3, `${CORE}.PodTemplateSpec`, { required: true }],
          strategy: [4, "DeploymentStrategy", { patchStrategy: "retainKeys" }],
          minReadySeconds: [5, "int32"],
          revisionHistoryLimit: [6, "int32", { pointer: true }],
          paused: [7, "bool"],
          progressDeadlineSeconds: [9, "int32", { pointer: true }],
        },
      },
      DeploymentStatus: {
        fields: {
          observedGeneration: [1, "int64"],
          replicas: [2, "int32"],
          updatedReplicas: [3, "int32"],
          readyReplicas: [7, "int32"],
          availableReplicas: [4, "int32"],
          unavailableReplicas: [5, "int32"],
          conditions: [
            6,
            "[]DeploymentCondition",
            {
              patchStrategy: "merge",
              patchMergeKey: "type",
              listType: "map",
              listMapKeys: ["type"],
            },
          ],
          collisionCount: [8, "int32", { pointer: true }],
        },
      },
      DeploymentStrategy: {
        fields: {
          type: [1, "string", { enum: ["Recreate", "RollingUpdate"] }],
          rollingUpdate: [2, "RollingUpdateDeployment"],
        },
      },
      ReplicaSet: {
        gvk: [{ group: "apps", version: "v1", kind: "ReplicaSet" }],
        fields: {
          metadata: [1, `${META}.ObjectMeta`],
          spec: [2, "ReplicaSetSpec"],
          status: [3, "ReplicaSetStatus"],
        },
      },
      ReplicaSetCondition: {
        fields: {
          type: [1, "string", { required: true }],
          status: [2, "string", { required: true }],
          lastTransitionTime: [3, "Time"],
          reason: [4, "string"],
          message: [5, "string"],
        },
      },
      ReplicaSetList: {
        gvk: [{ group: "apps", version: "v1", kind: "ReplicaSetList" }],
        fields: {
          metadata: [1, `${META}.ListMeta`],
          items: [2, "[]ReplicaSet", { required: true }],
        },
      },
      ReplicaSetSpec: {
        fields: {
          replicas: [1, "int32", { pointer: true }],
          minReadySeconds: [4, "int32"],
          selector: [2, `${META}.LabelSelector`, { required: true }],
          template: [3, `${CORE}.PodTemplateSpec`],
        },
      },
      ReplicaSetStatus: {
        fields: {
          replicas: [1, "int32", { pointer: true, required: true }],
          fullyLabeledReplicas: [2, "int32"],
          readyReplicas: [4, "int32"],
          availableReplicas: [5, "int32"],
          observedGeneration: [3, "int64"],
          conditions: [
            6,
            "[]ReplicaSetCondition",
            {
              patchStrategy: "merge",
              patchMergeKey: "type",
              listType: "map",
              listMapKeys: ["type"],
            },
          ],
        },
      },
      RollingUpdateDaemonSet: {
        fields: {
          maxUnavailable: [1, "IntOrString"],
          maxSurge: [2, "IntOrString"],
        },
      },
      RollingUpdateDeployment: {
        fields: {
          maxUnavailable: [1, "IntOrString"],
          maxSurge: [2, "IntOrString"],
        },
      },
      RollingUpdateStatefulSetStrategy: {
        fields: {
          partition: [1, "int32", { pointer: true }],
          maxUnavailable: [2, "IntOrString"],
        },
      },
      StatefulSet: {
        gvk: [{ group: "apps", version: "v1", kind: "StatefulSet" }],
        fields: {
          metadata: [1, `${META}.ObjectMeta`],
          spec: [2, "StatefulSetSpec"],
          status: [3, "StatefulSetStatus"],
        },
      },
      StatefulSetCondition: {
        fields: {
          type: [1, "string", { required: true }],
          status: [2, "string", { required: true }],
          lastTransitionTime: [3, "Time"],
          reason: [4, "string"],
          message: [5, "string"],
        },
      },
      StatefulSetList: {
        gvk: [{ group: "apps", version: "v1", kind: "StatefulSetList" }],
        fields: {
          metadata: [1, `${META}.ListMeta`],
          items: [2, "[]StatefulSet", { required: true }],
        },
      },
      StatefulSetOrdinals: {
        fields: {
          start: [1, "int32", { pointer: true }],
        },
      },
      StatefulSetPersistentVolumeClaimRetentionPolicy: {
        fields: {
          whenDeleted: [1, "string"],
          whenScaled: [2, "string"],
        },
      },
      StatefulSetSpec: {
        fields: {
          replicas: [1, "int32", { pointer: true }],
          selector: [2, `${META}.LabelSelector`, { required: true }],
          template: [3, `${CORE}.PodTemplateSpec`, { required: true }],
          volumeClaimTemplates: [4, `[]${CORE}.PersistentVolumeClaim`, { listType: "atomic" }],
          serviceName: [5, "string"],
          podManagementPolicy: [6, "string", { enum: ["OrderedReady", "Parallel"] }],
          updateStrategy: [7, "StatefulSetUpdateStrategy"],
          revisionHistoryLimit: [8, "int32", { pointer: true }],
          minReadySeconds: [9, "int32"],
          persistentVolumeClaimRetentionPolicy: [
            10,
            "StatefulSetPersistentVolumeClaimRetentionPolicy",
          ],
          ordinals: [11, "StatefulSetOrdinals"],
        },
      },
      StatefulSetStatus: {
        fields: {
          observedGeneration: [1, "int64"],
          replicas: [2, "int32", { pointer: true, required: true }],
          readyReplicas: [3, "int32"],
          currentReplicas: [4, "int32"],
          updatedReplicas: [5, "int32"],
          currentRevision: [6, "string"],
          updateRevision: [7, "string"],
          collisionCount: [9, "int32", { pointer: true }],
          conditions: [
            10,
            "[]StatefulSetCondition",
            {
              patchStrategy: "merge",
              patchMergeKey: "type",
              listType: "map",
              listMapKeys: ["type"],
            },
          ],
          availableReplicas: [11, "int32", { pointer: true }],
        },
      },
      StatefulSetUpdateStrategy: {
        fields: {
          type: [1, "string", { enum: ["OnDelete", "RollingUpdate"] }],
          rollingUpdate: [2, "RollingUpdateStatefulSetStrategy"],
        },
      },
    },
  },
  docs,
);
