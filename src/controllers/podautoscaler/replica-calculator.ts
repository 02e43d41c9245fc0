/**
 * The replica arithmetic of upstream's ReplicaCalculator for resource
 * metrics: pods are grouped into ready, unready (Pending, or not Ready
 * within the CPU initialization period), missing (no metric) and ignored
 * (deleted or Failed); a usage ratio within the tolerance keeps the current
 * count; missing and unready pods are filled in conservatively so they
 * never flip the scale direction. Pure functions: no I/O, `now` is passed.
 */
import type { Pod } from "kubernetes-types/core/v1.d.ts";
import { quantityValue } from "../../kubelet/pod/qos.ts";

/** One pod's metric in milli-units (CPU millicores, memory milli-bytes), as upstream's PodMetric. */
export interface PodMetric {
  value: number;
  /** When the sample was taken (ms since epoch) and over which window (ms). */
  timestamp: number;
  windowMs: number;
}

export type PodMetrics = Map<string, PodMetric>;

export interface CalculatorOptions {
  /** --horizontal-pod-autoscaler-tolerance (0.1). */
  tolerance: number;
  /** --horizontal-pod-autoscaler-cpu-initialization-period (5 min). */
  cpuInitializationPeriodMs: number;
  /** --horizontal-pod-autoscaler-initial-readiness-delay (30 s). */
  delayOfInitialReadinessStatusMs: number;
}

export const defaultCalculatorOptions: CalculatorOptions = {
  tolerance: 0.1,
  cpuInitializationPeriodMs: 5 * 60_000,
  delayOfInitialReadinessStatusMs: 30_000,
};

/** A replica count that could not be computed, with upstream's message. */
export class ReplicaCalculationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ReplicaCalculationError";
  }
}

export interface PodGroups {
  readyPodCount: number;
  unready: Set<string>;
  missing: Set<string>;
  ignored: Set<string>;
}

const ms = (t?: string) => (t ? Date.parse(t) : NaN);

/** upstream groupPods. */
export function groupPods(
  pods: Pod[],
  metrics: PodMetrics,
  resource: string,
  opts: CalculatorOptions,
  now: number,
): PodGroups {
  const g: PodGroups = {
    readyPodCount: 0,
    unready: new Set(),
    missing: new Set(),
    ignored: new Set(),
  };
  for (const pod of pods) {
    const name = pod.metadata?.name ?? "";
    if (pod.metadata?.deletionTimestamp || pod.status?.phase === "Failed") {
      g.ignored.add(name);
      continue;
    }
    if (pod.status?.phase === "Pending") {
      g.unready.add(name);
      continue;
    }
    const metric = metrics.get(name);
    if (!metric) {
      g.missing.add(name);
      continue;
    }
    if (resource === "cpu") {
      const cond = pod.status?.conditions?.find((c) => c.type === "Ready");
      const start = ms(pod.status?.startTime);
      let unready: boolean;
      if (!cond || Number.isNaN(start)) unready = true;
      else {
        const transition = ms(cond.lastTransitionTime);
        if (start + opts.cpuInitializationPeriodMs > now)
          unready = cond.status === "False" || metric.timestamp < transition + metric.windowMs;
        else
          unready =
            cond.status === "False" && start + opts.delayOfInitialReadinessStatusMs > transition;
      }
      if (unready) {
        g.unready.add(name);
        continue;
      }
    }
    g.readyPodCount++;
  }
  return g;
}

/** Sum of the pods' requests for resource (milli-units), per pod; throws when a container has none. */
export function podRequests(
  pods: Pod[],
  resource: string,
  container?: string,
): Map<string, number> {
  const out = new Map<string, number>();
  for (const pod of pods) {
    let sum = 0;
    for (const c of pod.spec?.containers ?? []) {
      if (container && c.name !== container) continue;
      const q = c.resources?.requests?.[resource];
      if (q === undefined)
        throw new ReplicaCalculationError(
          `missing request for ${resource} in container ${c.name} of Pod ${pod.metadata?.name}`,
        );
      sum += quantityValue(q, true);
    }
    out.set(pod.metadata?.name ?? "", sum);
  }
  return out;
}

/** upstream GetResourceUtilizationRatio. */
export function utilizationRatio(
  metrics: PodMetrics,
  requests: Map<string, number>,
  targetUtilization: number,
): { ratio: number; utilization: number; rawAverage: number } {
  let metricsTotal = 0;
  let requestsTotal = 0;
  let n = 0;
  for (const [name, m] of metrics) {
    const r = requests.get(name);
    if (r === undefined) continue;
    metricsTotal += m.value;
    requestsTotal += r;
    n++;
  }
  if (requestsTotal === 0)
    throw new ReplicaCalculationError("no metrics returned matched known pods");
  const utilization = Math.trunc((metricsTotal * 100) / requestsTotal);
  return {
    ratio: utilization / targetUtilization,
    utilization,
    rawAverage: Math.trunc(metricsTotal / n),
  };
}

function withoutPods(metrics: PodMetrics, names: Set<string>): PodMetrics {
  const out: PodMetrics = new Map(metrics);
  for (const n of names) out.delete(n);
  return out;
}

function commonChecks(pods: Pod[], metrics: PodMetrics, groups: PodGroups): PodMetrics {
  if (pods.length === 0)
    throw new ReplicaCalculationError(
      "no pods returned by selector while calculating replica count",
    );
  const m = withoutPods(withoutPods(metrics, groups.ignored), groups.unready);
  if (m.size === 0)
    throw new ReplicaCalculationError(
      "did not receive metrics for targeted pods (pods might be unready)",
    );
  return m;
}

/** The proposal when the first ratio needs no fill-in, else after filling in missing/unready pods. */
function propose(
  currentReplicas: number,
  groups: PodGroups,
  metrics: PodMetrics,
  tolerance: number,
  ratioOf: (m: PodMetrics) => number,
  /** The value a missing pod is assumed to use, given the first ratio (undefined: leave it out). */
  fillMissing: (name: string, ratio: number) => number | undefined,
): number {
  const ratio = ratioOf(metrics);
  const scaleUpWithUnready = groups.unready.size > 0 && ratio > 1;
  if (!scaleUpWithUnready && groups.missing.size === 0) {
    if (Math.abs(1 - ratio) <= tolerance) return currentReplicas;
    return Math.ceil(ratio * groups.readyPodCount);
  }
  const filled: PodMetrics = new Map(metrics);
  for (const name of groups.missing) {
    const value = fillMissing(name, ratio);
    if (value !== undefined) filled.set(name, { value, timestamp: 0, windowMs: 0 });
  }
  if (scaleUpWithUnready)
    for (const name of groups.unready) filled.set(name, { value: 0, timestamp: 0, windowMs: 0 });
  const newRatio = ratioOf(filled);
  if (
    Math.abs(1 - newRatio) <= tolerance ||
    (ratio < 1 && newRatio > 1) ||
    (ratio > 1 && newRatio < 1)
  )
    return currentReplicas;
  const next = Math.ceil(newRatio * filled.size);
  if ((newRatio < 1 && next > currentReplicas) || (newRatio > 1 && next < currentReplicas))
    return currentReplicas;
  return next;
}

/** upstream GetResourceReplicas (target type Utilization). */
export function resourceReplicas(args: {
  currentReplicas: number;
  targetUtilization: number;
  resource: string;
  container?: string;
  pods: Pod[];
  metrics: PodMetrics;
  now: number;
  opts?: CalculatorOptions;
}): { replicas: number; utilization: number; rawAverage: number } {
  const opts = args.opts ?? defaultCalculatorOptions;
  const groups = groupPods(args.pods, args.metrics, args.resource, opts, args.now);
  const metrics = commonChecks(args.pods, args.metrics, groups);
  const requests = podRequests(args.pods, args.resource, args.container);
  const first = utilizationRatio(metrics, requests, args.targetUtilization);
  const replicas = propose(
    args.currentReplicas,
    groups,
    metrics,
    opts.tolerance,
    (m) => utilizationRatio(m, requests, args.targetUtilization).ratio,
    (name, ratio) => {
      // Scale-down: a missing pod uses all of its request (or the target if above 100%);
      // scale-up: none of it.
      if (ratio < 1)
        return Math.trunc(
          ((requests.get(name) ?? 0) * Math.max(100, args.targetUtilization)) / 100,
        );
      return ratio > 1 ? 0 : undefined;
    },
  );
  return { replicas, utilization: first.utilization, rawAverage: first.rawAverage };
}

/** upstream GetMetricUsageRatio: average usage over the pods with metrics, against the target. */
export function usageRatio(
  metrics: PodMetrics,
  targetUsage: number,
): { ratio: number; usage: number } {
  let total = 0;
  for (const m of metrics.values()) total += m.value;
  const usage = Math.trunc(total / metrics.size);
  return { ratio: usage / targetUsage, usage };
}

/** upstream GetRawResourceReplicas (target type AverageValue, milli-units). */
export function rawResourceReplicas(args: {
  currentReplicas: number;
  targetUsage: number;
  resource: string;
  pods: Pod[];
  metrics: PodMetrics;
  now: number;
  opts?: CalculatorOptions;
}): { replicas: number; usage: number } {
  const opts = args.opts ?? defaultCalculatorOptions;
  const groups = groupPods(args.pods, args.metrics, args.resource, opts, args.now);
  const metrics = commonChecks(args.pods, args.metrics, groups);
  const first = usageRatio(metrics, args.targetUsage);
  const replicas = propose(
    args.currentReplicas,
    groups,
    metrics,
    opts.tolerance,
    (m) => usageRatio(m, args.targetUsage).ratio,
    (_name, ratio) => (ratio < 1 ? args.targetUsage : ratio > 1 ? 0 : undefined),
  );
  return { replicas, usage: first.usage };
}
