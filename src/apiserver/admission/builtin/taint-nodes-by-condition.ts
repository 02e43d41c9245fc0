/**
 * TaintNodesByCondition admission, as upstream: a Node being created gets
 * the node.kubernetes.io/not-ready:NoSchedule taint, which the node lifecycle
 * controller removes once the node reports Ready.
 */
import type { AdmissionPlugin } from "../../pipeline.ts";

type Taint = { key?: string; value?: string; effect?: string };

export function taintNodesByConditionPlugin(): AdmissionPlugin {
  return {
    name: "TaintNodesByCondition",
    admit(attrs) {
      if (attrs.operation !== "CREATE" || attrs.subresource !== "" || !attrs.object) return;
      if (attrs.def.group !== "" || attrs.def.resource !== "nodes") return;
      const spec = (attrs.object.spec ??= {}) as { taints?: Taint[] };
      const taints = spec.taints ?? [];
      const key = "node.kubernetes.io/not-ready";
      if (taints.some((t) => t.key === key && t.effect === "NoSchedule")) return;
      spec.taints = [...taints, { key, effect: "NoSchedule" }];
    },
  };
}
