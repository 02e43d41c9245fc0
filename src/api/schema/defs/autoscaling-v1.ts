/**
 * autoscaling/v1: HorizontalPodAutoscaler and the Scale subresource type.
 * Field names, protobuf numbers and list/patch markers follow k8s.io/api as
 * served by Kubernetes v1.32.
 */
import type { SchemaPackage } from "../types.ts";
import { withDocs } from "../with-docs.ts";

const META = "io.k8s.apimachinery.pkg.apis.meta.v1";

/** Descriptions, keyed "Type" or "Type.field". */
const docs: Record<string, string> = {
  CrossVersionObjectReference: "Identifies an object in any API version.",
  "CrossVersionObjectReference.kind": "Kind of the referent.",
  "CrossVersionObjectReference.name": "Name of the referent.",
  "CrossVersionObjectReference.apiVersion": "API version of the referent.",
  HorizontalPodAutoscaler: "Scales a workload between bounds to hold a CPU utilization target.",
  "HorizontalPodAutoscaler.metadata": "Standard object metadata.",
  "HorizontalPodAutoscaler.spec": "Desired behaviour of the autoscaler.",
  "HorizontalPodAutoscaler.status": "Observed state of the autoscaler.",
  HorizontalPodAutoscalerList: "A list of horizontal pod autoscalers.",
  "HorizontalPodAutoscalerList.metadata": "Standard list metadata.",
  "HorizontalPodAutoscalerList.items": "The horizontal pod autoscalers.",
  HorizontalPodAutoscalerSpec: "Desired state of an autoscaler.",
  "HorizontalPodAutoscalerSpec.scaleTargetRef": "Workload scaled through its scale subresource.",
  "HorizontalPodAutoscalerSpec.minReplicas": "Lower replica bound (default 1).",
  "HorizontalPodAutoscalerSpec.maxReplicas": "Upper replica bound.",
  "HorizontalPodAutoscalerSpec.targetCPUUtilizationPercentage":
    "Average CPU use, as a percentage of requests, to aim for.",
  HorizontalPodAutoscalerStatus: "Observed state of an autoscaler.",
  "HorizontalPodAutoscalerStatus.observedGeneration": "Last generation the autoscaler acted on.",
  "HorizontalPodAutoscalerStatus.lastScaleTime": "When the replica count was last changed.",
  "HorizontalPodAutoscalerStatus.currentReplicas": "Replicas currently running.",
  "HorizontalPodAutoscalerStatus.desiredReplicas": "Replicas the autoscaler wants.",
  "HorizontalPodAutoscalerStatus.currentCPUUtilizationPercentage":
    "Current average CPU use as a percentage of requests.",
  Scale: "The scale subresource of a scalable workload.",
  "Scale.metadata": "Standard object metadata.",
  "Scale.spec": "Desired replica count.",
  "Scale.status": "Observed replica count and selector.",
  ScaleSpec: "Desired scale of a workload.",
  "ScaleSpec.replicas": "Desired number of replicas.",
  ScaleStatus: "Observed scale of a workload.",
  "ScaleStatus.replicas": "Observed number of replicas.",
  "ScaleStatus.selector": "Label selector of the pods, in query-string form.",
};

export const autoscalingV1: SchemaPackage = withDocs(
  {
    name: "io.k8s.api.autoscaling.v1",
    types: {
      CrossVersionObjectReference: {
        fields: {
          kind: [1, "string", { required: true, pointer: true }],
          name: [2, "string", { required: true, pointer: true }],
          apiVersion: [3, "string"],
        },
      },
      HorizontalPodAutoscaler: {
        gvk: [{ group: "autoscaling", version: "v1", kind: "HorizontalPodAutoscaler" }],
        fields: {
          metadata: [1, `${META}.ObjectMeta`],
          spec: [2, "HorizontalPodAutoscalerSpec"],
          status: [3, "HorizontalPodAutoscalerStatus"],
        },
      },
      HorizontalPodAutoscalerList: {
        gvk: [{ group: "autoscaling", version: "v1", kind: "HorizontalPodAutoscalerList" }],
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
          targetCPUUtilizationPercentage: [4, "int32", { pointer: true }],
        },
      },
      HorizontalPodAutoscalerStatus: {
        fields: {
          observedGeneration: [1, "int64", { pointer: true }],
          lastScaleTime: [2, "Time"],
          currentReplicas: [3, "int32", { required: true, pointer: true }],
          desiredReplicas: [4, "int32", { required: true, pointer: true }],
          currentCPUUtilizationPercentage: [5, "int32", { pointer: true }],
        },
      },
      Scale: {
        gvk: [{ group: "autoscaling", version: "v1", kind: "Scale" }],
        fields: {
          metadata: [1, `${META}.ObjectMeta`],
          spec: [2, "ScaleSpec"],
          status: [3, "ScaleStatus"],
        },
      },
      ScaleSpec: {
        fields: {
          replicas: [1, "int32"],
        },
      },
      ScaleStatus: {
        fields: {
          replicas: [1, "int32", { required: true, pointer: true }],
          selector: [2, "string"],
        },
      },
    },
  },
  docs,
);
