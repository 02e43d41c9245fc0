/**
 * metrics.k8s.io/v1beta1 (NodeMetrics, PodMetrics): read-only resources
 * computed from the kubelets' resource usage on each request (see
 * src/metrics/metrics-api.ts), as metrics-server serves them. Only get and
 * list; nothing is stored.
 */
import type { ResourceDef } from "../types.ts";

/** Every metrics.k8s.io/v1beta1 resource definition. */
export function metricsResources(): ResourceDef[] {
  const base = { group: "metrics.k8s.io", version: "v1beta1", verbs: ["get", "list"] as const };
  return [
    {
      ...base,
      verbs: [...base.verbs],
      resource: "nodes",
      singular: "",
      kind: "NodeMetrics",
      namespaced: false,
      hasGeneration: false,
    },
    {
      ...base,
      verbs: [...base.verbs],
      resource: "pods",
      singular: "",
      kind: "PodMetrics",
      namespaced: true,
      hasGeneration: false,
    },
  ];
}
