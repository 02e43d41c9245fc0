/**
 * The horizontalpodautoscalers table (NAME REFERENCE TARGETS MINPODS MAXPODS
 * REPLICAS AGE) for autoscaling/v1 and v2 objects. v1 objects are read as
 * upstream's conversion does: targetCPUUtilizationPercentage becomes a cpu
 * Resource metric with an average utilization.
 */
import type {
  HorizontalPodAutoscaler,
  MetricSpec,
  MetricStatus,
} from "kubernetes-types/autoscaling/v2.d.ts";
import type { HorizontalPodAutoscaler as HPAv1 } from "kubernetes-types/autoscaling/v1.d.ts";
import type { KObject } from "../types.ts";
import { quantityFromJSON } from "../quantity.ts";
import { ageColumn, ageOf, column, int, nameColumn, nameOf, type RowPrinter } from "./format.ts";

/** Quantity.String() of a *Quantity: "<nil>" when absent. */
function q(value: unknown): string {
  if (value === undefined || value === null) return "<nil>";
  const r = quantityFromJSON(value);
  return r.ok ? r.quantity.toString() : String(value);
}

const percent = (n: number | undefined | null) =>
  n === undefined || n === null ? undefined : `${n}%`;

/** Metrics of an HPA of either version, in autoscaling/v2 shape. */
export function hpaMetrics(obj: KObject): { specs: MetricSpec[]; statuses: MetricStatus[] } {
  const v1 = obj as HPAv1;
  const isV1 =
    obj.apiVersion === "autoscaling/v1" ||
    (v1.spec !== undefined && "targetCPUUtilizationPercentage" in v1.spec);
  if (!isV1) {
    const v2 = obj as HorizontalPodAutoscaler;
    return { specs: v2.spec?.metrics ?? [], statuses: v2.status?.currentMetrics ?? [] };
  }
  const target = v1.spec?.targetCPUUtilizationPercentage;
  const current = v1.status?.currentCPUUtilizationPercentage;
  const specs: MetricSpec[] =
    target === undefined || target === null
      ? []
      : [
          {
            type: "Resource",
            resource: { name: "cpu", target: { type: "Utilization", averageUtilization: target } },
          },
        ];
  const statuses: MetricStatus[] =
    current === undefined || current === null
      ? []
      : [
          {
            type: "Resource",
            resource: { name: "cpu", current: { averageUtilization: current } },
          },
        ];
  return { specs, statuses };
}

function formatMetric(spec: MetricSpec, status: MetricStatus | undefined): string {
  switch (spec.type) {
    case "External":
    case "Object": {
      const target = spec.type === "External" ? spec.external?.target : spec.object?.target;
      const cur = spec.type === "External" ? status?.external?.current : status?.object?.current;
      const hasStatus = spec.type === "External" ? !!status?.external : !!status?.object;
      if (target?.averageValue !== undefined && target.averageValue !== null) {
        const current = hasStatus && cur?.averageValue != null ? q(cur.averageValue) : "<unknown>";
        return `${current}/${q(target.averageValue)} (avg)`;
      }
      const current = hasStatus ? q(cur?.value) : "<unknown>";
      return `${current}/${q(target?.value)}`;
    }
    case "Pods": {
      const current = status?.pods ? q(status.pods.current?.averageValue) : "<unknown>";
      return `${current}/${q(spec.pods?.target?.averageValue)}`;
    }
    case "Resource":
    case "ContainerResource": {
      const source = spec.type === "Resource" ? spec.resource : spec.containerResource;
      const cur = spec.type === "Resource" ? status?.resource : status?.containerResource;
      const name = source?.name ?? "";
      if (source?.target?.averageValue !== undefined && source.target.averageValue !== null) {
        const current = cur ? q(cur.current?.averageValue) : "<unknown>";
        return `${name}: ${current}/${q(source.target.averageValue)}`;
      }
      const current = percent(cur?.current?.averageUtilization) ?? "<unknown>";
      const target = percent(source?.target?.averageUtilization) ?? "<auto>";
      return `${name}: ${current}/${target}`;
    }
    default:
      return "<unknown type>";
  }
}

/** Upstream formatHPAMetrics: the first two targets, then "+ N more...". */
export function formatHPAMetrics(specs: MetricSpec[], statuses: MetricStatus[]): string {
  if (specs.length === 0) return "<none>";
  const list = specs.map((spec, i) => formatMetric(spec, statuses[i]));
  const max = 2;
  if (list.length > max) return `${list.slice(0, max).join(", ")} + ${list.length - max} more...`;
  return list.join(", ");
}

export const horizontalPodAutoscalerPrinter: RowPrinter = {
  columns: [
    nameColumn(),
    column("Reference", "string", "scaleTargetRef points to the target resource to scale."),
    column(
      "Targets",
      "string",
      "metrics contains the specifications for which to use to calculate the desired replica count.",
    ),
    column(
      "MinPods",
      "string",
      "minReplicas is the lower limit for the number of replicas to which the autoscaler can scale down.",
    ),
    column(
      "MaxPods",
      "string",
      "maxReplicas is the upper limit for the number of replicas to which the autoscaler can scale up.",
    ),
    column(
      "Replicas",
      "string",
      "currentReplicas is current number of replicas of pods managed by this autoscaler.",
    ),
    ageColumn(),
  ],
  row(obj: KObject, now: Date) {
    const hpa = obj as HorizontalPodAutoscaler;
    const { specs, statuses } = hpaMetrics(obj);
    const min = hpa.spec?.minReplicas;
    return [
      nameOf(obj),
      `${hpa.spec?.scaleTargetRef?.kind ?? ""}/${hpa.spec?.scaleTargetRef?.name ?? ""}`,
      formatHPAMetrics(specs, statuses),
      min === undefined || min === null ? "<unset>" : String(min),
      int(hpa.spec?.maxReplicas),
      int(hpa.status?.currentReplicas),
      ageOf(obj, now),
    ];
  },
};
