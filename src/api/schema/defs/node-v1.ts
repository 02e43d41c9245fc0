/**
 * node.k8s.io/v1: RuntimeClass.
 * Field names, protobuf numbers and list/patch markers follow k8s.io/api as
 * served by Kubernetes v1.32.
 */
import type { SchemaPackage } from "../types.ts";
import { withDocs } from "../with-docs.ts";

const META = "io.k8s.apimachinery.pkg.apis.meta.v1";
const CORE = "io.k8s.api.core.v1";

/** Descriptions, keyed "Type" or "Type.field". */
const docs: Record<string, string> = {
  Overhead: "Resources a runtime class adds to each pod.",
  "Overhead.podFixed": "Fixed per-pod resource overhead.",
  RuntimeClass: "A container runtime configuration pods may select.",
  "RuntimeClass.metadata": "Standard object metadata.",
  "RuntimeClass.handler": "CRI handler name; immutable.",
  "RuntimeClass.overhead": "Resources added to each pod of this class.",
  "RuntimeClass.scheduling": "Constraints placing pods on nodes that support this class.",
  RuntimeClassList: "A list of runtime classes.",
  "RuntimeClassList.metadata": "Standard list metadata.",
  "RuntimeClassList.items": "The runtime classes.",
  Scheduling: "Node constraints for pods of a runtime class.",
  "Scheduling.nodeSelector": "Labels nodes must carry; merged into the pod's nodeSelector.",
  "Scheduling.tolerations": "Tolerations added to the pod.",
};

export const nodeV1: SchemaPackage = withDocs(
  {
    name: "io.k8s.api.node.v1",
    types: {
      Overhead: {
        fields: {
          podFixed: [1, "map[Quantity]"],
        },
      },
      RuntimeClass: {
        gvk: [{ group: "node.k8s.io", version: "v1", kind: "RuntimeClass" }],
        fields: {
          metadata: [1, `${META}.ObjectMeta`],
          handler: [2, "string", { required: true, pointer: true }],
          overhead: [3, "Overhead"],
          scheduling: [4, "Scheduling"],
        },
      },
      RuntimeClassList: {
        gvk: [{ group: "node.k8s.io", version: "v1", kind: "RuntimeClassList" }],
        fields: {
          metadata: [1, `${META}.ListMeta`],
          items: [2, "[]RuntimeClass", { required: true }],
        },
      },
      Scheduling: {
        fields: {
          nodeSelector: [1, "map[string]", { mapType: "atomic" }],
          tolerations: [2, `[]${CORE}.Toleration`, { listType: "atomic" }],
        },
      },
    },
  },
  docs,
);
