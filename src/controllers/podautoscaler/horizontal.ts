/**
 * The horizontal pod autoscaler controller (upstream podautoscaler
 * HorizontalController, autoscaling/v2): every resync period (15 s) each
 * HPA reads its target's scale subresource, computes a replica count per
 * metric (Resource and ContainerResource metrics from metrics.k8s.io,
 * Utilization or AverageValue targets; Pods, Object and External metrics
 * from custom.metrics.k8s.io and external.metrics.k8s.io), takes the largest, normalizes it
 * (stabilization window, behavior policies or the legacy scale-up limit,
 * min/max), writes the scale when it changes, and records status
 * (currentReplicas, desiredReplicas, currentMetrics, lastScaleTime and the
 * AbleToScale, ScalingActive and ScalingLimited conditions) and events.
 */
import type {
  HorizontalPodAutoscaler,
  HorizontalPodAutoscalerCondition,
  MetricStatus,
} from "kubernetes-types/autoscaling/v2.d.ts";
import type { Pod } from "kubernetes-types/core/v1.d.ts";
import type { KObject } from "../../api/types.ts";
import { parseLabelSelector } from "../../api/selectors/label-selector.ts";
import type { EventRecorder } from "../../client/event-recorder.ts";
import type { SharedInformer } from "../../client/informer/shared-informer.ts";
import { objectKey } from "../../client/informer/store.ts";
import { hpaRef, podsRef } from "../../client/resources.ts";
import { resourcePath } from "../../client/rest-client.ts";
import { WorkQueue, runWorkers } from "../../client/workqueue/queue.ts";
import { ScaleNormalizer } from "./behavior.ts";
import { rfc3339, scaleTargetResource, setCondition } from "./hpa-status.ts";
import { ApiMetricsSource, type ResourceMetricsSource } from "./metrics-source.ts";
import { ApiCustomMetricsSource, type CustomMetricsSource } from "./custom-metrics-source.ts";
import { MetricError, metricReplicas, type MetricResult } from "./metric-replicas.ts";
import { defaultCalculatorOptions, type CalculatorOptions } from "./replica-calculator.ts";
import { waitForCacheSync } from "../../client/informer/shared-informer.ts";
import type { ControllerDeps } from "../queue-controller.ts";

type HPA = HorizontalPodAutoscaler & KObject;
type PodObj = Pod & KObject;

interface Scale {
  apiVersion?: string;
  kind?: string;
  metadata?: KObject["metadata"];
  spec?: { replicas?: number };
  status?: { replicas?: number; selector?: string };
}

export interface HorizontalControllerOptions extends ControllerDeps {
  recorder: EventRecorder;
  /** Default: metrics.k8s.io through the API. */
  metrics?: ResourceMetricsSource;
  /** Pods/Object/External metrics. Default: custom.metrics.k8s.io and external.metrics.k8s.io through the API. */
  customMetrics?: CustomMetricsSource;
  /** --horizontal-pod-autoscaler-sync-period (15 s). */
  resyncMs?: number;
  calculator?: CalculatorOptions;
}

export class HorizontalController {
  private readonly queue: WorkQueue;
  private readonly hpas: SharedInformer<HPA>;
  private readonly pods: SharedInformer<PodObj>;
  private readonly metrics: ResourceMetricsSource;
  private readonly customMetrics: CustomMetricsSource;
  private readonly normalizer = new ScaleNormalizer();
  private readonly resyncMs: number;

  constructor(private readonly o: HorizontalControllerOptions) {
    this.queue = new WorkQueue({
      clock: o.clock,
      name: "horizontalpodautoscaler",
      metrics: o.queueMetrics,
    });
    this.hpas = o.informers.informerFor<HPA>(hpaRef);
    this.pods = o.informers.informerFor<PodObj>(podsRef);
    this.metrics = o.metrics ?? new ApiMetricsSource(o.client);
    this.customMetrics = o.customMetrics ?? new ApiCustomMetricsSource(o.client);
    this.resyncMs = o.resyncMs ?? 15_000;
    const enqueue = (h: HPA) => this.queue.add(objectKey(h));
    this.hpas.addEventHandler({
      add: enqueue,
      update: (old, h) => {
        if (JSON.stringify(old.spec) !== JSON.stringify(h.spec)) enqueue(h);
      },
      delete: (h) => this.normalizer.forget(objectKey(h)),
    });
  }

  async run(workers: number, signal: AbortSignal): Promise<void> {
    signal.addEventListener("abort", () => this.queue.shutDown(), { once: true });
    if (!(await waitForCacheSync(signal, [this.hpas, this.pods]))) return;
    await runWorkers(this.queue, workers, async (key) => {
      try {
        await this.sync(key);
      } finally {
        if (this.hpas.indexer.get(key)) this.queue.addAfter(key, this.resyncMs);
      }
    });
  }

  private event(hpa: HPA, type: "Normal" | "Warning", reason: string, message: string): void {
    this.o.recorder.event(hpa, type, reason, message);
  }

  /** One reconcile of the HPA at key (upstream reconcileAutoscaler). */
  async sync(key: string): Promise<void> {
    const cached = this.hpas.indexer.get(key);
    if (!cached) return;
    const hpa = structuredClone(cached);
    const now = this.o.clock.now();
    const spec = hpa.spec!;
    const ns = hpa.metadata?.namespace ?? "default";
    const target = spec.scaleTargetRef;
    const reference = `${target.kind}/${target.name}`;
    const ref = scaleTargetResource(target.apiVersion ?? "v1", target.kind);
    let conds = hpa.status?.conditions ?? [];
    const before = JSON.stringify(hpa.status ?? {});

    let scale: Scale;
    try {
      scale = await this.o.client.request<Scale>(
        "GET",
        resourcePath(ref, ns, target.name, "scale"),
      );
    } catch (err) {
      const msg = err instanceof Error ? err.message : String(err);
      conds = setCondition(
        conds,
        "AbleToScale",
        "False",
        "FailedGetScale",
        `the HPA controller was unable to get the target's current scale: ${msg}`,
        now,
      );
      this.event(hpa, "Warning", "FailedGetScale", msg);
      await this.writeStatus(hpa, before, {
        ...hpa.status,
        desiredReplicas: hpa.status?.desiredReplicas ?? 0,
        conditions: conds,
      });
      return;
    }
    conds = setCondition(
      conds,
      "AbleToScale",
      "True",
      "SucceededGetScale",
      "the HPA controller was able to get the target's current scale",
      now,
    );
    const current = scale.spec?.replicas ?? 0;
    const min = spec.minReplicas ?? 1;
    const max = spec.maxReplicas;
    let desired: number;
    let rescaleReason = "";
    let metricStatuses: MetricStatus[] | undefined;

    if (current === 0 && min !== 0) {
      desired = 0;
      conds = setCondition(
        conds,
        "ScalingActive",
        "False",
        "ScalingDisabled",
        "scaling is disabled since the replica count of the target is zero",
        now,
      );
    } else if (current > max) {
      rescaleReason = "Current number of replicas above Spec.MaxReplicas";
      desired = max;
    } else if (current < min) {
      rescaleReason = "Current number of replicas below Spec.MinReplicas";
      desired = min;
    } else {
      const computed = await this.computeReplicasForMetrics(hpa, scale, current, now);
      metricStatuses = computed.statuses;
      if (computed.replicas === undefined) {
        conds = setCondition(
          conds,
          "ScalingActive",
          "False",
          computed.errorReason!,
          `the HPA was unable to compute the replica count: ${computed.errorDetail ?? computed.error}`,
          now,
        );
        this.event(hpa, "Warning", "FailedComputeMetricsReplicas", computed.error!);
        await this.writeStatus(hpa, before, {
          ...hpa.status,
          currentReplicas: current,
          desiredReplicas: hpa.status?.desiredReplicas ?? 0,
          currentMetrics: metricStatuses.length ? metricStatuses : undefined,
          conditions: conds,
        });
        return;
      }
      conds = setCondition(
        conds,
        "ScalingActive",
        "True",
        "ValidMetricFound",
        `the HPA was able to successfully calculate a replica count from ${computed.name}`,
        now,
      );
      const n = this.normalizer.normalize({
        key,
        current,
        proposed: computed.replicas,
        min,
        max,
        behavior: spec.behavior,
        now,
      });
      conds = setCondition(conds, "AbleToScale", "True", ...n.ableToScale, now);
      conds = setCondition(
        conds,
        "ScalingLimited",
        n.limited ? "True" : "False",
        ...n.scalingLimited,
        now,
      );
      desired = n.desired;
      if (desired > current) rescaleReason = `${computed.name} above target`;
      if (desired < current) rescaleReason = "All metrics below target";
    }

    let lastScaleTime = hpa.status?.lastScaleTime;
    if (desired !== current) {
      try {
        await this.o.client.update(
          ref,
          { ...scale, spec: { ...scale.spec, replicas: desired } } as KObject,
          { subresource: "scale" },
        );
      } catch (err) {
        const msg = err instanceof Error ? err.message : String(err);
        conds = setCondition(
          conds,
          "AbleToScale",
          "False",
          "FailedUpdateScale",
          `the HPA controller was unable to update the target scale: ${msg}`,
          now,
        );
        this.event(
          hpa,
          "Warning",
          "FailedRescale",
          `New size: ${desired}; reason: ${rescaleReason}; error: ${msg}`,
        );
        await this.writeStatus(hpa, before, {
          ...hpa.status,
          currentReplicas: current,
          desiredReplicas: hpa.status?.desiredReplicas ?? 0,
          conditions: conds,
        });
        return;
      }
      conds = setCondition(
        conds,
        "AbleToScale",
        "True",
        "SucceededRescale",
        `the HPA controller was able to update the target scale to ${desired}`,
        now,
      );
      this.event(
        hpa,
        "Normal",
        "SuccessfulRescale",
        `New size: ${desired}; reason: ${rescaleReason}`,
      );
      this.normalizer.recordScale(key, current, desired, now, spec.behavior);
      lastScaleTime = rfc3339(now);
      void reference;
    }
    await this.writeStatus(hpa, before, {
      currentReplicas: current,
      desiredReplicas: desired,
      lastScaleTime,
      currentMetrics: metricStatuses?.length ? metricStatuses : undefined,
      conditions: conds,
    });
  }

  private async writeStatus(hpa: HPA, before: string, status: HPA["status"]): Promise<void> {
    const clean = JSON.parse(JSON.stringify(status ?? {})) as HPA["status"];
    if (JSON.stringify(clean) === before) return;
    await this.o.client.update(hpaRef, { ...hpa, status: clean } as KObject, {
      subresource: "status",
    });
  }

  /** upstream computeReplicasForMetrics: the largest proposal over the valid metrics. */
  private async computeReplicasForMetrics(
    hpa: HPA,
    scale: Scale,
    current: number,
    now: number,
  ): Promise<{
    replicas?: number;
    name: string;
    statuses: MetricStatus[];
    error?: string;
    errorReason?: string;
    /** The first failed metric's own error (the ScalingActive message). */
    errorDetail?: string;
  }> {
    const specs = hpa.spec?.metrics?.length
      ? hpa.spec.metrics
      : [
          {
            type: "Resource",
            resource: { name: "cpu", target: { type: "Utilization", averageUtilization: 80 } },
          },
        ];
    const selector = scale.status?.selector ?? "";
    if (!selector) {
      const error = "selector is required";
      return { name: "", statuses: [], error, errorReason: "InvalidSelector" };
    }
    const parsed = parseLabelSelector(selector);
    if (!parsed.ok) {
      const error = `couldn't convert selector into a corresponding internal selector object: ${parsed.error.message}`;
      return { name: "", statuses: [], error, errorReason: "InvalidSelector" };
    }
    const ns = hpa.metadata?.namespace ?? "default";
    const pods = this.pods.indexer
      .byIndex("namespace", ns)
      .filter((p) => parsed.selector.matches(p.metadata?.labels ?? {}));
    let best: MetricResult | undefined;
    const statuses: MetricStatus[] = [];
    const errors: MetricError[] = [];
    for (const m of specs) {
      try {
        const r = await metricReplicas(
          {
            source: this.metrics,
            custom: this.customMetrics,
            calculator: this.o.calculator ?? defaultCalculatorOptions,
          },
          { metric: m, namespace: ns, selector, pods, current, now },
        );
        statuses.push(r.status);
        if (!best || r.replicas > best.replicas) best = r;
      } catch (err) {
        statuses.push({ type: "" } as MetricStatus);
        const e =
          err instanceof MetricError
            ? err
            : new MetricError("FailedGetResourceMetric", String(err));
        // As upstream getUnableComputeReplicaCountCondition: one warning per failed metric.
        this.event(hpa, "Warning", e.reason, e.detail);
        errors.push(e);
      }
    }
    // As upstream: fail when every metric failed, or when some failed and the rest would scale down.
    if (!best || (errors.length > 0 && best.replicas < current)) {
      const first = errors[0]!;
      const error = `invalid metrics (${errors.length} invalid out of ${specs.length}), first error is: ${first.message}`;
      return {
        name: "",
        statuses: statuses.filter((s) => s.type),
        error,
        errorReason: first.reason,
        errorDetail: first.detail,
      };
    }
    return { replicas: best.replicas, name: best.name, statuses: statuses.filter((s) => s.type) };
  }
}
