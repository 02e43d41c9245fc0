/**
 * scheduling.k8s.io/v1: PriorityClass.
 * Field names, protobuf numbers and list/patch markers follow k8s.io/api as
 * served by Kubernetes v1.32.
 */
import type { SchemaPackage } from "../types.ts";
import { withDocs } from "../with-docs.ts";

const META = "io.k8s.apimachinery.pkg.apis.meta.v1";

/** Descriptions, keyed "Type" or "Type.field". */
const docs: Record<string, string> = {
  PriorityClass: "Maps a priority class name to an integer pod priority.",
  "PriorityClass.metadata": "Standard object metadata.",
  "PriorityClass.value": "Priority of pods using this class; higher is more important.",
  "PriorityClass.globalDefault": "Use this class for pods naming no class; at most one may be set.",
  "PriorityClass.description": "When this class should be used.",
  "PriorityClass.preemptionPolicy": "PreemptLowerPriority (default) or Never.",
  PriorityClassList: "A list of priority classes.",
  "PriorityClassList.metadata": "Standard list metadata.",
  "PriorityClassList.items": "The priority classes.",
};

export const schedulingV1: SchemaPackage = withDocs(
  {
    name: "io.k8s.api.scheduling.v1",
    types: {
      PriorityClass: {
        gvk: [{ group: "scheduling.k8s.io", version: "v1", kind: "PriorityClass" }],
        fields: {
          metadata: [1, `${META}.ObjectMeta`],
          value: [2, "int32", { required: true, pointer: true }],
          globalDefault: [3, "bool"],
          description: [4, "string"],
          preemptionPolicy: [
            5,
            "string",
            { pointer: true, enum: ["Never", "PreemptLowerPriority"] },
          ],
        },
      },
      PriorityClassList: {
        gvk: [{ group: "scheduling.k8s.io", version: "v1", kind: "PriorityClassList" }],
        fields: {
          metadata: [1, `${META}.ListMeta`],
          items: [2, "[]PriorityClass", { required: true }],
        },
      },
    },
  },
  docs,
);
