/**
 * Replica proposals and statuses of Pods, Object and External metrics
 * (upstream computeStatusForPodsMetric / ObjectMetric / ExternalMetric and
 * the ReplicaCalculator functions behind them). Pods metrics average the
 * per-pod values as AverageValue resource targets do (no CPU readiness
 * rules); Object and External metrics take a Value target (ratio times the
 * ready pods) or an AverageValue target (total divided by the target).
 */
import type { MetricSpec, MetricStatus } from "kubernetes-types/autoscaling/v2.d.ts";
import type { Pod } from "kubernetes-types/core/v1.d.ts";
import { formatLabelSelector } from "../../api/selectors/label-selector.ts";
import { quantityValue } from "../../kubelet/pod/qos.ts";
import type { CustomMetricsSource } from "./custom-metrics-source.ts";
import { milliQuantity } from "./hpa-status.ts";
import {
  rawResourceReplicas,
  ReplicaCalculationError,
  type CalculatorOptions,
} from "./replica-calculator.ts";

/** Replica proposal of one metric, its status and its name in messages. */
export interface CustomMetricResult {
  replicas: number;
  status: MetricStatus;
  name: string;
}

/** A metric that could not be computed: the condition reason and the error text. */
export class CustomMetricError extends Error {
  constructor(
    readonly reason: string,
    /** "failed to get pods metric value: <detail>" */
    readonly what: string,
    /** The inner error, as the condition and the event show it. */
    readonly detail: string,
  ) {
    super(`${what}: ${detail}`);
  }
}

const isReady = (p: Pod) =>
  p.status?.phase === "Running" &&
  (p.status.conditions ?? []).some((c) => c.type === "Ready" && c.status === "True");

/**
 * upstream getUsageRatioReplicaCount: within tolerance keeps current;
 * otherwise ratio × ready pods. At current 0 (scale to zero) ceil(ratio).
 */
export function usageRatioReplicas(
  current: number,
  ratio: number,
  tolerance: number,
  pods: Pod[],
): number {
  if (current === 0) return Math.ceil(ratio);
  if (Math.abs(1 - ratio) <= tolerance) return current;
  if (pods.length === 0)
    throw new ReplicaCalculationError(
      "unable to calculate ready pods: no pods returned by selector while calculating replica count",
    );
  return Math.ceil(ratio * pods.filter(isReady).length);
}

/**
 * upstream GetObjectPerPodMetricReplicas / GetExternalPerPodMetricReplicas:
 * total ÷ target when the per-pod ratio is outside tolerance; the status
 * shows the total spread over the current replicas.
 */
export function perPodReplicas(
  current: number,
  total: number,
  targetPerPod: number,
  tolerance: number,
): { replicas: number; average: number } {
  const ratio = total / (targetPerPod * current);
  const replicas =
    Math.abs(1 - ratio) > tolerance || current === 0 ? Math.ceil(total / targetPerPod) : current;
  return { replicas, average: current ? Math.ceil(total / current) : total };
}

const text = (err: unknown) => (err instanceof Error ? err.message : String(err));

/** The proposal of a Pods, Object or External metric; throws CustomMetricError. */
export async function customMetricReplicas(
  deps: { source: CustomMetricsSource; calculator: CalculatorOptions },
  a: {
    metric: MetricSpec;
    namespace: string;
    selector: string;
    pods: Pod[];
    current: number;
    now: number;
  },
): Promise<CustomMetricResult> {
  const { metric: m, namespace: ns, pods, current } = a;
  const tolerance = deps.calculator.tolerance;
  if (m.type === "Pods" && m.pods) {
    const { metric, target } = m.pods;
    const fail = (err: unknown) =>
      new CustomMetricError("FailedGetPodsMetric", "failed to get pods metric value", text(err));
    if (target.averageValue === undefined)
      throw fail("invalid pods metric source: an average value target must be set");
    const targetUsage = quantityValue(target.averageValue, true);
    let metrics;
    try {
      metrics = await deps.source.getRawMetric(
        metric.name,
        ns,
        a.selector,
        metric.selector ? formatLabelSelector(metric.selector).replace("<none>", "") : "",
      );
    } catch (err) {
      throw fail(`unable to get metric ${metric.name}: ${text(err)}`);
    }
    try {
      const r = rawResourceReplicas({
        currentReplicas: current,
        targetUsage,
        resource: "",
        pods,
        metrics,
        now: a.now,
        opts: deps.calculator,
      });
      return {
        replicas: r.replicas,
        name: `pods metric ${metric.name}`,
        status: {
          type: "Pods",
          pods: { metric, current: { averageValue: milliQuantity(r.usage) } },
        },
      };
    } catch (err) {
      throw fail(`unable to get metric ${metric.name}: ${text(err)}`);
    }
  }
  if (m.type === "Object" && m.object) {
    const { metric, target, describedObject: obj } = m.object;
    const fail = (err: unknown) =>
      new CustomMetricError(
        "FailedGetObjectMetric",
        "failed to get object metric value",
        text(err),
      );
    const metricSelector = metric.selector
      ? formatLabelSelector(metric.selector).replace("<none>", "")
      : "";
    const read = async () => {
      try {
        return await deps.source.getObjectMetric(metric.name, ns, obj, metricSelector);
      } catch (err) {
        throw fail(
          `unable to get metric ${metric.name}: ${obj.kind} on ${ns} ${obj.name}/${text(err)}`,
        );
      }
    };
    if (target.type === "Value" && target.value !== undefined) {
      const { value } = await read();
      try {
        const ratio = value / quantityValue(target.value, true);
        return {
          replicas: usageRatioReplicas(current, ratio, tolerance, pods),
          name: `${obj.kind} metric ${metric.name}`,
          status: {
            type: "Object",
            object: { describedObject: obj, metric, current: { value: milliQuantity(value) } },
          },
        };
      } catch (err) {
        throw fail(err);
      }
    }
    if (target.type === "AverageValue" && target.averageValue !== undefined) {
      const { value } = await read();
      const r = perPodReplicas(current, value, quantityValue(target.averageValue, true), tolerance);
      return {
        replicas: r.replicas,
        name: `${obj.kind} metric ${metric.name}`,
        status: {
          type: "Object",
          object: {
            describedObject: obj,
            metric,
            current: { averageValue: milliQuantity(r.average) },
          },
        },
      };
    }
    throw fail(
      "invalid object metric source: neither a value target nor an average value target was set",
    );
  }
  if (m.type === "External" && m.external) {
    const { metric, target } = m.external;
    const fail = (err: unknown) =>
      new CustomMetricError(
        "FailedGetExternalMetric",
        "failed to get external metric value",
        text(err),
      );
    const metricSelector = metric.selector
      ? formatLabelSelector(metric.selector).replace("<none>", "")
      : "";
    const read = async () => {
      try {
        const r = await deps.source.getExternalMetric(metric.name, ns, metricSelector);
        return r.values.reduce((s, v) => s + v, 0);
      } catch (err) {
        throw fail(
          `unable to get external metric ${ns}/${metric.name}/${JSON.stringify(metric.selector ?? null)}: ${text(err)}`,
        );
      }
    };
    const name = `external metric ${metric.name}(${JSON.stringify(metric.selector ?? null)})`;
    if (target.type === "Value" && target.value !== undefined) {
      const total = await read();
      try {
        const ratio = total / quantityValue(target.value, true);
        return {
          replicas: usageRatioReplicas(current, ratio, tolerance, pods),
          name,
          status: {
            type: "External",
            external: { metric, current: { value: milliQuantity(total) } },
          },
        };
      } catch (err) {
        throw fail(err);
      }
    }
    if (target.type === "AverageValue" && target.averageValue !== undefined) {
      const total = await read();
      const r = perPodReplicas(current, total, quantityValue(target.averageValue, true), tolerance);
      return {
        replicas: r.replicas,
        name,
        status: {
          type: "External",
          external: { metric, current: { averageValue: milliQuantity(r.average) } },
        },
      };
    }
    throw fail(
      "invalid external metric source: neither a value target nor an average value target was set",
    );
  }
  throw new CustomMetricError(
    "InvalidMetricSourceType",
    "invalid metric",
    `unknown metric source type "${m.type}"`,
  );
}
