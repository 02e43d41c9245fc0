/**
 * policy/v1: PodDisruptionBudget and Eviction.
 * Field names, protobuf numbers and list/patch markers follow k8s.io/api as
 * served by Kubernetes v1.32.
 */
import type { SchemaPackage } from "../types.ts";
import { withDocs } from "../with-docs.ts";

const META = "io.k8s.apimachinery.pkg.apis.meta.v1";

/** Descriptions, keyed "Type" or "Type.field". */
const docs: Record<string, string> = {
  Eviction:
    "A request to evict a pod, honouring disruption budgets; posted to pods/<name>/eviction.",
  "Eviction.metadata": "Names the pod to evict.",
  "Eviction.deleteOptions": "Options for the pod deletion.",
  PodDisruptionBudget: "Limits how many pods of a set may be voluntarily disrupted at once.",
  "PodDisruptionBudget.metadata": "Standard object metadata.",
  "PodDisruptionBudget.spec": "Desired disruption limits.",
  "PodDisruptionBudget.status": "Observed disruption state.",
  PodDisruptionBudgetList: "A list of pod disruption budgets.",
  "PodDisruptionBudgetList.metadata": "Standard list metadata.",
  "PodDisruptionBudgetList.items": "The pod disruption budgets.",
  PodDisruptionBudgetSpec: "Disruption limits for a set of pods.",
  "PodDisruptionBudgetSpec.minAvailable":
    "Pods (count or percentage) that must stay available after an eviction.",
  "PodDisruptionBudgetSpec.selector":
    "Pods covered by the budget; empty selects all in the namespace.",
  "PodDisruptionBudgetSpec.maxUnavailable":
    "Pods (count or percentage) that may be unavailable after an eviction.",
  "PodDisruptionBudgetSpec.unhealthyPodEvictionPolicy":
    "IfHealthyBudget (default) or AlwaysAllow for evicting unready pods.",
  PodDisruptionBudgetStatus: "Observed state of a disruption budget.",
  "PodDisruptionBudgetStatus.observedGeneration": "Last generation the controller acted on.",
  "PodDisruptionBudgetStatus.disruptedPods":
    "Pods whose eviction was accepted but not yet observed, with the time.",
  "PodDisruptionBudgetStatus.disruptionsAllowed": "Disruptions currently allowed.",
  "PodDisruptionBudgetStatus.currentHealthy": "Pods currently healthy.",
  "PodDisruptionBudgetStatus.desiredHealthy": "Healthy pods the budget requires.",
  "PodDisruptionBudgetStatus.expectedPods": "Pods counted by the budget.",
  "PodDisruptionBudgetStatus.conditions": "Conditions such as DisruptionAllowed.",
};

export const policyV1: SchemaPackage = withDocs(
  {
    name: "io.k8s.api.policy.v1",
    types: {
      Eviction: {
        gvk: [{ group: "policy", version: "v1", kind: "Eviction" }],
        fields: {
          metadata: [1, `${META}.ObjectMeta`],
          deleteOptions: [2, `${META}.DeleteOptions`],
        },
      },
      PodDisruptionBudget: {
        gvk: [{ group: "policy", version: "v1", kind: "PodDisruptionBudget" }],
        fields: {
          metadata: [1, `${META}.ObjectMeta`],
          spec: [2, "PodDisruptionBudgetSpec"],
          status: [3, "PodDisruptionBudgetStatus"],
        },
      },
      PodDisruptionBudgetList: {
        gvk: [{ group: "policy", version: "v1", kind: "PodDisruptionBudgetList" }],
        fields: {
          metadata: [1, `${META}.ListMeta`],
          items: [2, "[]PodDisruptionBudget", { required: true }],
        },
      },
      PodDisruptionBudgetSpec: {
        fields: {
          minAvailable: [1, "IntOrString"],
          selector: [2, `${META}.LabelSelector`, { patchStrategy: "replace" }],
          maxUnavailable: [3, "IntOrString"],
          unhealthyPodEvictionPolicy: [
            4,
            "string",
            { pointer: true, enum: ["AlwaysAllow", "IfHealthyBudget"] },
          ],
        },
      },
      PodDisruptionBudgetStatus: {
        fields: {
          observedGeneration: [1, "int64"],
          disruptedPods: [2, "map[Time]"],
          disruptionsAllowed: [3, "int32", { required: true, pointer: true }],
          currentHealthy: [4, "int32", { required: true, pointer: true }],
          desiredHealthy: [5, "int32", { required: true, pointer: true }],
          expectedPods: [6, "int32", { required: true, pointer: true }],
          conditions: [
            7,
            `[]${META}.Condition`,
            {
              patchStrategy: "merge",
              patchMergeKey: "type",
              listType: "map",
              listMapKeys: ["type"],
            },
          ],
        },
      },
    },
  },
  docs,
);
