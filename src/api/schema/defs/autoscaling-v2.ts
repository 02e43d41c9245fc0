/**
 * autoscaling/v2: HorizontalPodAutoscaler with multiple metrics and scaling behaviour.
 * Field names, protobuf numbers and list/patch markers follow k8s.io/api as
 * served by Kubernetes v1.32.
 */
import type { SchemaPackage } from "../types.ts";
import { withDocs } from "../with-docs.ts";

const META = "io.k8s.apimachinery.pkg.apis.meta.v1";

/** Descriptions, keyed "Type" or "Type.field". */
const docs: Record<string, string> = {
  ContainerResourceMetricSource: "Scales on a resource metric of one container in each target pod.",
  "ContainerResourceMetricSource.name": "Resource name, e.g. cpu.",
  "ContainerResourceMetricSource.target": "Target value of the metric.",
  "ContainerResourceMetricSource.container": "Container whose usage is measured.",
  ContainerResourceMetricStatus: "Current value of a per-container resource metric.",
  "ContainerResourceMetricStatus.name": "Resource name, e.g. cpu.",
  "ContainerResourceMetricStatus.current": "Current value of the metric.",
  "ContainerResourceMetricStatus.container": "Container whose usage is measured.",
  CrossVersionObjectReference: "Identifies an object in any API version.",
  "CrossVersionObjectReference.kind": "Kind of the referent.",
  "CrossVersionObjectReference.name": "Name of the referent.",
  "CrossVersionObjectReference.apiVersion": "API version of the referent.",
  ExternalMetricSource: "Scales on a metric from outside the cluster.",
  "ExternalMetricSource.metric": "Which metric to read.",
  "ExternalMetricSource.target": "Target value of the metric.",
  ExternalMetricStatus: "Current value of an external metric.",
  "ExternalMetricStatus.metric": "Which metric was read.",
  "ExternalMetricStatus.current": "Current value of the metric.",
  HPAScalingPolicy: "A limit on how much scaling may happen within a period.",
  "HPAScalingPolicy.type": "Pods or Percent.",
  "HPAScalingPolicy.value": "Amount of change allowed per period.",
  "HPAScalingPolicy.periodSeconds": "Length of the window the limit applies to.",
  HPAScalingRules: "Scaling limits for one direction.",
  "HPAScalingRules.stabilizationWindowSeconds":
    "Seconds of past recommendations considered before scaling.",
  "HPAScalingRules.selectPolicy": "Max (default), Min or Disabled.",
  "HPAScalingRules.policies": "Candidate policies.",
  HorizontalPodAutoscaler: "Scales a workload between bounds from observed metrics.",
  "HorizontalPodAutoscaler.metadata": "Standard object metadata.",
  "HorizontalPodAutoscaler.spec": "Desired behaviour of the autoscaler.",
  "HorizontalPodAutoscaler.status": "Observed state of the autoscaler.",
  HorizontalPodAutoscalerBehavior: "Scaling limits for scaling up and down.",
  "HorizontalPodAutoscalerBehavior.scaleUp": "Limits when adding replicas.",
  "HorizontalPodAutoscalerBehavior.scaleDown": "Limits when removing replicas.",
  HorizontalPodAutoscalerCondition: "One observed condition of an autoscaler.",
  "HorizontalPodAutoscalerCondition.type": "AbleToScale, ScalingActive or ScalingLimited.",
  "HorizontalPodAutoscalerCondition.status": "True, False or Unknown.",
  "HorizontalPodAutoscalerCondition.lastTransitionTime": "When the status last flipped.",
  "HorizontalPodAutoscalerCondition.reason": "Machine-readable cause of the last transition.",
  "HorizontalPodAutoscalerCondition.message": "Human-readable details of the last transition.",
  HorizontalPodAutoscalerList: "A list of horizontal pod autoscalers.",
  "HorizontalPodAutoscalerList.metadata": "Standard list metadata.",
  "HorizontalPodAutoscalerList.items": "The horizontal pod autoscalers.",
  HorizontalPodAutoscalerSpec: "Desired state of an autoscaler.",
  "HorizontalPodAutoscalerSpec.scaleTargetRef": "Workload scaled through its scale subresource.",
  "HorizontalPodAutoscalerSpec.minReplicas": "Lower replica bound (default 1).",
  "HorizontalPodAutoscalerSpec.maxReplicas": "Upper replica bound.",
  "HorizontalPodAutoscalerSpec.metrics": "Metrics used; the largest proposed replica count wins.",
  "HorizontalPodAutoscalerSpec.behavior": "Scaling speed limits in each direction.",
  HorizontalPodAutoscalerStatus: "Observed state of an autoscaler.",
  "HorizontalPodAutoscalerStatus.observedGeneration": "Last generation the autoscaler acted on.",
  "HorizontalPodAutoscalerStatus.lastScaleTime": "When the replica count was last changed.",
  "HorizontalPodAutoscalerStatus.currentReplicas": "Replicas currently running.",
  "HorizontalPodAutoscalerStatus.desiredReplicas": "Replicas the autoscaler wants.",
  "HorizontalPodAutoscalerStatus.currentMetrics": "Last read values of the metrics.",
  "HorizontalPodAutoscalerStatus.conditions": "Whether the autoscaler can scale and why.",
  MetricIdentifier: "Names a metric and optionally narrows it by labels.",
  "MetricIdentifier.name": "Metric name.",
  "MetricIdentifier.selector": "Labels narrowing the metric series.",
  MetricSpec: "One metric to scale on; set type and the matching field.",
  "MetricSpec.type": "ContainerResource, External, Object, Pods or Resource.",
  "MetricSpec.object": "A metric of one Kubernetes object.",
  "MetricSpec.pods": "A metric averaged over the target's pods.",
  "MetricSpec.resource": "A resource metric of the target's pods.",
  "MetricSpec.containerResource": "A resource metric of one container per pod.",
  "MetricSpec.external": "A metric from outside the cluster.",
  MetricStatus: "Last read state of one metric.",
  "MetricStatus.type": "ContainerResource, External, Object, Pods or Resource.",
  "MetricStatus.object": "A metric of one Kubernetes object.",
  "MetricStatus.pods": "A metric averaged over the target's pods.",
  "MetricStatus.resource": "A resource metric of the target's pods.",
  "MetricStatus.containerResource": "A resource metric of one container per pod.",
  "MetricStatus.external": "A metric from outside the cluster.",
  MetricTarget: "Target of a metric: a value, an average value or an average utilization.",
  "MetricTarget.type": "Utilization, Value or AverageValue.",
  "MetricTarget.value": "Target value.",
  "MetricTarget.averageValue": "Target value averaged over pods.",
  "MetricTarget.averageUtilization":
    "Target usage as a percentage of requests (resource metrics only).",
  MetricValueStatus: "Current value of a metric.",
  "MetricValueStatus.value": "Current value.",
  "MetricValueStatus.averageValue": "Current value averaged over pods.",
  "MetricValueStatus.averageUtilization": "Current usage as a percentage of requests.",
  ObjectMetricSource: "Scales on a metric of one Kubernetes object.",
  "ObjectMetricSource.describedObject": "The object the metric describes.",
  "ObjectMetricSource.target": "Target value of the metric.",
  "ObjectMetricSource.metric": "Which metric to read.",
  ObjectMetricStatus: "Current value of an object metric.",
  "ObjectMetricStatus.metric": "Which metric was read.",
  "ObjectMetricStatus.current": "Current value of the metric.",
  "ObjectMetricStatus.describedObject": "The object the metric describes.",
  PodsMetricSource: "Scales on a metric averaged over the target's pods.",
  "PodsMetricSource.metric": "Which metric to read.",
  "PodsMetricSource.target": "Target value of the metric.",
  PodsMetricStatus: "Current value of a pods metric.",
  "PodsMetricStatus.metric": "Which metric was read.",
  "PodsMetricStatus.current": "Current value of the metric.",
  ResourceMetricSource: "Scales on a resource metric (cpu, memory) of the target's pods.",
  "ResourceMetricSource.name": "Resource name, e.g. cpu.",
  "ResourceMetricSource.target": "Target value of the metric.",
  ResourceMetricStatus: "Current value of a resource metric.",
  "ResourceMetricStatus.name": "Resource name, e.g. cpu.",
  "ResourceMetricStatus.current": "Current value of the metric.",
};

export const autoscalingV2: SchemaPackage = withDocs(
  {
    name: "io.k8s.api.autoscaling.v2",
    types: {
      ContainerResourceMetricSource: {
        fields: {
          name: [1, "string", { required: true, pointer: true }],
          target: [2, "MetricTarget", { required: true }],
          container: [3, "string", { required: true, pointer: true }],
        },
      },
      ContainerResourceMetricStatus: {
        fields: {
          name: [1, "string", { required: true, pointer: true }],
          current: [2, "MetricValueStatus", { required: true }],
          container: [3, "string", { required: true, pointer: true }],
        },
      },
      CrossVersionObjectReference: {
        fields: {
          kind: [1, "string", { required: true, pointer: true }],
          name: [2, "string", { required: true, pointer: true }],
          apiVersion: [3, "string"],
        },
      },
      ExternalMetricSource: {
        fields: {
          metric: [1, "MetricIdentifier", { required: true }],
          target: [2, "MetricTarget", { required: true }],
        },
      },
      ExternalMetricStatus: {
        fields: {
          metric: [1, "MetricIdentifier", { required: true }],
          current: [2, "MetricValueStatus", { required: true }],
        },
      },
      HPAScalingPolicy: {
        fields: {
          type: [1, "string", { required: true, pointer: true, enum: ["Percent", "Pods"] }],
          value: [2, "int32", { required: true, pointer: true }],
          periodSeconds: [3, "int32", { required: true, pointer: true }],
        },
      },
      HPAScalingRules: {
        fields: {
          stabilizationWindowSeconds: [3, "int32", { pointer: true }],
          selectPolicy: [1, "string", { pointer: true, enum: ["Disabled", "Max", "Min"] }],
          policies: [2, "[]HPAScalingPolicy", { listType: "atomic" }],
        },
      },
      HorizontalPodAutoscaler: {
        gvk: [{ group: "autoscaling", version: "v2", kind: "HorizontalPodAutoscaler" }],
        fields: {
          metadata: [1, `${META}.ObjectMeta`],
          spec: [2, "HorizontalPodAutoscalerSpec"],
          status: [3, "HorizontalPodAutoscalerStatus"],
        },
      },
      HorizontalPodAutoscalerBehavior: {
        fields: {
          scaleUp: [1, "HPAScalingRules"],
          scaleDown: [2, "HPAScalingRules"],
        },
      },
      HorizontalPodAutoscalerCondition: {
        fields: {
          type: [1, "string", { required: true, pointer: true }],
          status: [2, "string", { required: true, pointer: true }],
          lastTransitionTime: [3, "Time"],
          reason: [4, "string"],
          message: [5, "string"],
        },
      },
      HorizontalPodAutoscalerList: {
        gvk: [{ group: "autoscaling", version: "v2", kind: "HorizontalPodAutoscalerList" }],
        fields: {
          metadata: [1, `${META}.ListMeta`],
          items: [2, "[]HorizontalPodAutoscaler", { required: true }],
        },
      },
      HorizontalPodAutoscalerSpec: {
        fields: {
          scaleTargetRef: [1, "CrossVersionObjectReference", { required: true }],
          minReplicas: [2, "int32", { pointer: true }],
          maxReplicas: [3, "int32", { required: true, pointer: true }],
          metrics: [4, "[]MetricSpec", { listType: "atomic" }],
          behavior: [5, "HorizontalPodAutoscalerBehavior"],
        },
      },
      HorizontalPodAutoscalerStatus: {
        fields: {
          observedGeneration: [1, "int64", { pointer: true }],
          lastScaleTime: [2, "Time"],
          currentReplicas: [3, "int32"],
          desiredReplicas: [4, "int32", { required: true, pointer: true }],
          currentMetrics: [5, "[]MetricStatus", { listType: "atomic" }],
          conditions: [
            6,
            "[]HorizontalPodAutoscalerCondition",
            {
              patchStrategy: "merge",
              patchMergeKey: "type",
              listType: "map",
              listMapKeys: ["type"],
            },
          ],
        },
      },
      MetricIdentifier: {
        fields: {
          name: [1, "string", { required: true, pointer: true }],
          selector: [2, `${META}.LabelSelector`],
        },
      },
      MetricSpec: {
        fields: {
          type: [
            1,
            "string",
            {
              required: true,
              pointer: true,
              enum: ["ContainerResource", "External", "Object", "Pods", "Resource"],
            },
          ],
          object: [2, "ObjectMetricSource"],
          pods: [3, "PodsMetricSource"],
          resource: [4, "ResourceMetricSource"],
          containerResource: [7, "ContainerResourceMetricSource"],
          external: [5, "ExternalMetricSource"],
        },
      },
      MetricStatus: {
        fields: {
          type: [
            1,
            "string",
            {
              required: true,
              pointer: true,
              enum: ["ContainerResource", "External", "Object", "Pods", "Resource"],
            },
          ],
          object: [2, "ObjectMetricStatus"],
          pods: [3, "PodsMetricStatus"],
          resource: [4, "ResourceMetricStatus"],
          containerResource: [7, "ContainerResourceMetricStatus"],
          external: [5, "ExternalMetricStatus"],
        },
      },
      MetricTarget: {
        fields: {
          type: [
            1,
            "string",
            { required: true, pointer: true, enum: ["AverageValue", "Utilization", "Value"] },
          ],
          value: [2, "Quantity"],
          averageValue: [3, "Quantity"],
          averageUtilization: [4, "int32", { pointer: true }],
        },
      },
      MetricValueStatus: {
        fields: {
          value: [1, "Quantity"],
          averageValue: [2, "Quantity"],
          averageUtilization: [3, "int32", { pointer: true }],
        },
      },
      ObjectMetricSource: {
        fields: {
          describedObject: [1, "CrossVersionObjectReference", { required: true }],
          target: [2, "MetricTarget", { required: true }],
          metric: [3, "MetricIdentifier", { required: true }],
        },
      },
      ObjectMetricStatus: {
        fields: {
          metric: [1, "MetricIdentifier", { required: true }],
          current: [2, "MetricValueStatus", { required: true }],
          describedObject: [3, "CrossVersionObjectReference", { required: true }],
        },
      },
      PodsMetricSource: {
        fields: {
          metric: [1, "MetricIdentifier", { required: true }],
          target: [2, "MetricTarget", { required: true }],
        },
      },
      PodsMetricStatus: {
        fields: {
          metric: [1, "MetricIdentifier", { required: true }],
          current: [2, "MetricValueStatus", { required: true }],
        },
      },
      ResourceMetricSource: {
        fields: {
          name: [1, "string", { required: true, pointer: true }],
          target: [2, "MetricTarget", { required: true }],
        },
      },
      ResourceMetricStatus: {
        fields: {
          name: [1, "string", { required: true, pointer: true }],
          current: [2, "MetricValueStatus", { required: true }],
        },
      },
    },
  },
  docs,
);
