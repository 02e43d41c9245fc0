/**
 * core/v1 scheduling types: affinity, node selectors, taints, tolerations and
 * topology spread constraints. Field names and protobuf numbers follow
 * k8s.io/api core/v1 (v1.32).
 */
import type { TypeSpec } from "../types.ts";
import { ATOMIC, f, LABEL_SELECTOR, p, r } from "./spec-builders.ts";

const TAINT_EFFECTS = ["NoSchedule", "PreferNoSchedule", "NoExecute"];

const podAffinityLike = (what: string): TypeSpec => ({
  description: `Inter-pod ${what} rules.`,
  fields: {
    requiredDuringSchedulingIgnoredDuringExecution: f(
      1,
      "[]PodAffinityTerm",
      `Hard ${what} terms; all must hold at scheduling time.`,
      ATOMIC,
    ),
    preferredDuringSchedulingIgnoredDuringExecution: f(
      2,
      "[]WeightedPodAffinityTerm",
      `Soft ${what} terms, summed by weight per node.`,
      ATOMIC,
    ),
  },
});

export const coreV1SchedulingTypes: Record<string, TypeSpec> = {
  Affinity: {
    description: "Node affinity, pod affinity and pod anti-affinity rules.",
    fields: {
      nodeAffinity: p(1, "NodeAffinity", "Rules about the node's labels."),
      podAffinity: p(2, "PodAffinity", "Rules to co-locate with other pods."),
      podAntiAffinity: p(3, "PodAntiAffinity", "Rules to stay apart from other pods."),
    },
  },
  NodeAffinity: {
    description: "Node affinity rules.",
    fields: {
      requiredDuringSchedulingIgnoredDuringExecution: p(
        1,
        "NodeSelector",
        "Hard requirement on the node at scheduling time.",
      ),
      preferredDuringSchedulingIgnoredDuringExecution: f(
        2,
        "[]PreferredSchedulingTerm",
        "Soft preferences, summed by weight per node.",
        ATOMIC,
      ),
    },
  },
  PodAffinity: podAffinityLike("affinity"),
  PodAntiAffinity: podAffinityLike("anti-affinity"),
  PodAffinityTerm: {
    description: "A set of pods, and the topology key that defines being co-located with them.",
    fields: {
      labelSelector: p(1, LABEL_SELECTOR, "Label query over the pods."),
      namespaces: f(2, "[]string", "Namespaces to look in; empty means the pod's own.", ATOMIC),
      topologyKey: r(3, "string", "Node label whose equal values mean co-located."),
      namespaceSelector: p(4, LABEL_SELECTOR, "Label query over namespaces to look in."),
      matchLabelKeys: f(
        5,
        "[]string",
        "Pod label keys whose values are added to the selector (In).",
        ATOMIC,
      ),
      mismatchLabelKeys: f(
        6,
        "[]string",
        "Pod label keys whose values are added to the selector (NotIn).",
        ATOMIC,
      ),
    },
  },
  WeightedPodAffinityTerm: {
    description: "A pod affinity term with a weight.",
    fields: {
      weight: r(1, "int32", "Weight, 1-100."),
      podAffinityTerm: r(2, "PodAffinityTerm", "The term."),
    },
  },
  PreferredSchedulingTerm: {
    description: "A node selector term with a weight.",
    fields: {
      weight: r(1, "int32", "Weight, 1-100."),
      preference: r(2, "NodeSelectorTerm", "The term."),
    },
  },
  NodeSelector: {
    description: "A union (OR) of node selector terms.",
    fields: {
      nodeSelectorTerms: r(
        1,
        "[]NodeSelectorTerm",
        "Terms; a node matching any one matches.",
        ATOMIC,
      ),
    },
  },
  NodeSelectorTerm: {
    description: "Requirements on a node, ANDed.",
    fields: {
      matchExpressions: f(1, "[]NodeSelectorRequirement", "Requirements on node labels.", ATOMIC),
      matchFields: f(2, "[]NodeSelectorRequirement", "Requirements on node fields.", ATOMIC),
    },
  },
  NodeSelectorRequirement: {
    description: "A key, an operator and values, matched against a node.",
    fields: {
      key: r(1, "string", "Label key or field name."),
      operator: r(2, "string", "How the key relates to the values.", {
        enum: ["In", "NotIn", "Exists", "DoesNotExist", "Gt", "Lt"],
      }),
      values: f(
        3,
        "[]string",
        "Values; one integer for Gt/Lt, none for Exists/DoesNotExist.",
        ATOMIC,
      ),
    },
  },
  TopologySelectorTerm: {
    description: "Requirements on topology labels, ANDed.",
    fields: {
      matchLabelExpressions: f(
        1,
        "[]TopologySelectorLabelRequirement",
        "Label requirements.",
        ATOMIC,
      ),
    },
  },
  TopologySelectorLabelRequirement: {
    description: "A label key and the values it may take.",
    fields: {
      key: r(1, "string", "Label key."),
      values: r(2, "[]string", "Accepted values, ORed.", ATOMIC),
    },
  },
  Taint: {
    description: "A mark on a node that repels pods not tolerating it.",
    fields: {
      key: r(1, "string", "Taint key."),
      value: f(2, "string", "Taint value."),
      effect: r(3, "string", "What happens to pods that do not tolerate it.", {
        enum: TAINT_EFFECTS,
      }),
      timeAdded: p(4, "Time", "When a NoExecute taint was added."),
    },
  },
  Toleration: {
    description: "Lets a pod tolerate matching taints.",
    fields: {
      key: f(1, "string", "Taint key to match; empty with Exists matches all."),
      operator: f(2, "string", "Exists or Equal (default).", { enum: ["Exists", "Equal"] }),
      value: f(3, "string", "Taint value to match, for Equal."),
      effect: f(4, "string", "Effect to match; empty matches all.", { enum: TAINT_EFFECTS }),
      tolerationSeconds: p(5, "int64", "How long a NoExecute taint is tolerated."),
    },
  },
  TopologySpreadConstraint: {
    description: "How matching pods must spread across a topology.",
    fields: {
      maxSkew: r(1, "int32", "Allowed difference in matching pods between domains."),
      topologyKey: r(2, "string", "Node label defining the domains."),
      whenUnsatisfiable: r(3, "string", "What to do when the constraint cannot be met.", {
        enum: ["DoNotSchedule", "ScheduleAnyway"],
      }),
      labelSelector: p(4, LABEL_SELECTOR, "Pods counted in each domain."),
      minDomains: p(5, "int32", "Minimum number of eligible domains."),
      nodeAffinityPolicy: p(6, "string", "Whether node affinity limits the domains.", {
        enum: ["Honor", "Ignore"],
      }),
      nodeTaintsPolicy: p(7, "string", "Whether node taints limit the domains.", {
        enum: ["Honor", "Ignore"],
      }),
      matchLabelKeys: f(8, "[]string", "Pod label keys ANDed into the selector.", ATOMIC),
    },
  },
};
