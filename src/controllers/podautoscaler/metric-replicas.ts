/**
 * One metric's replica proposal and status (upstream computeStatusForResourceMetric
 * and friends): reads the metric through the source, runs the replica
 * calculator for Utilization or AverageValue targets, and says what failed.
 */
import type { MetricSpec, MetricStatus } from "kubernetes-types/autoscaling/v2.d.ts";
import type { Pod } from "kubernetes-types/core/v1.d.ts";
import { quantityValue } from "../../kubelet/pod/qos.ts";
import { milliQuantity } from "./hpa-status.ts";
import type { CustomMetricsSource } from "./custom-metrics-source.ts";
import { CustomMetricError, customMetricReplicas } from "./custom-metric-replicas.ts";
import type { ResourceMetricsSource } from "./metrics-source.ts";
import {
  rawResourceReplicas,
  resourceReplicas,
  type CalculatorOptions,
} from "./replica-calculator.ts";

export interface MetricResult {
  replicas: number;
  status: MetricStatus;
  /** Name used in messages ("cpu resource utilization (percentage of request)"). */
  name: string;
}

/** A metric that could not be computed: the condition reason and message detail. */
export class MetricError extends Error {
  /** What the ScalingActive condition and the per-metric event say (upstream's inner error). */
  readonly detail: string;
  constructor(
    readonly reason: string,
    message: string,
    detail?: string,
  ) {
    super(message);
    this.detail = detail ?? message;
  }
}

/** The replica count metric m proposes, with its status; throws MetricError. */
export async function metricReplicas(
  deps: {
    source: ResourceMetricsSource;
    /** Pods, Object and External metrics; without it those metric types fail. */
    custom?: CustomMetricsSource;
    calculator: CalculatorOptions;
  },
  a: {
    metric: MetricSpec;
    namespace: string;
    selector: string;
    pods: Pod[];
    current: number;
    now: number;
  },
): Promise<MetricResult> {
  const { metric: m, namespace: ns, selector, pods, current, now } = a;
  if ((m.type === "Pods" || m.type === "Object" || m.type === "External") && deps.custom) {
    try {
      return await customMetricReplicas({ source: deps.custom, calculator: deps.calculator }, a);
    } catch (err) {
      if (err instanceof CustomMetricError)
        throw new MetricError(err.reason, err.message, err.detail);
      throw err;
    }
  }
  const src =
    m.type === "Resource"
      ? m.resource
      : m.type === "ContainerResource"
        ? m.containerResource
        : undefined;
  if (!src)
    throw new MetricError("InvalidMetricSourceType", `unknown metric source type "${m.type}"`);
  const container = m.type === "ContainerResource" ? m.containerResource!.container : undefined;
  const reasonPrefix =
    m.type === "Resource" ? "FailedGetResourceMetric" : "FailedGetContainerResourceMetric";
  const what = `${src.name} ${container ? "container resource" : "resource"}`;
  let metrics;
  try {
    metrics = await deps.source.getResourceMetric(src.name, ns, selector, container);
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err);
    throw new MetricError(
      reasonPrefix,
      `failed to get ${src.name} resource metric value: unable to get metrics for resource ${src.name}: ${msg}`,
    );
  }
  const opts = deps.calculator;
  const statusOf = (current: NonNullable<MetricStatus["resource"]>["current"]): MetricStatus =>
    m.type === "Resource"
      ? { type: "Resource", resource: { name: src.name, current } }
      : {
          type: "ContainerResource",
          containerResource: { name: src.name, container: container!, current },
        };
  try {
    if (src.target.type === "Utilization" || src.target.averageUtilization !== undefined) {
      const target = src.target.averageUtilization ?? 80;
      const r = resourceReplicas({
        currentReplicas: current,
        targetUtilization: target,
        resource: src.name,
        container,
        pods,
        metrics,
        now,
        opts,
      });
      return {
        replicas: r.replicas,
        name: `${what} utilization (percentage of request)`,
        status: statusOf({
          averageUtilization: r.utilization,
          averageValue: milliQuantity(r.rawAverage),
        }),
      };
    }
    if (src.target.averageValue === undefined)
      throw new Error(`invalid ${src.name} target: set averageUtilization or averageValue`);
    const r = rawResourceReplicas({
      currentReplicas: current,
      targetUsage: quantityValue(src.target.averageValue, true),
      resource: src.name,
      pods,
      metrics,
      now,
      opts,
    });
    return {
      replicas: r.replicas,
      name: what,
      status: statusOf({ averageValue: milliQuantity(r.usage) }),
    };
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err);
    throw new MetricError(reasonPrefix, `failed to get ${src.name} utilization: ${msg}`);
  }
}
