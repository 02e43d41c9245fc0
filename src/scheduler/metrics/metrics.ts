/**
 * The scheduler's Prometheus metrics, with kube-scheduler v1.32's names,
 * labels and buckets: scheduling attempts and their latency by result and
 * profile, the algorithm's and each extension point's latency, the pod
 * scheduling SLI and attempts per scheduled pod, pending pods per sub-queue,
 * pods entering each sub-queue by event, unschedulable pods per plugin, the
 * cache's sizes, bind operations in flight, preemption attempts and victims.
 * One registry per scheduler instance; gauges read their sources at scrape.
 */
import { Counter, Gauge, Histogram, Registry } from "prom-client";
import { FastHistogram, type HistogramChild } from "./fast-histogram.ts";

export type AttemptResult = "scheduled" | "unschedulable" | "error";

/** Upstream's extension point label values. */
export type ExtensionPoint =
  | "PreFilter"
  | "PostFilter"
  | "PreScore"
  | "Score"
  | "Reserve"
  | "Unreserve"
  | "Permit"
  | "PreBind"
  | "Bind";

/** The sub-queue label of scheduler_queue_incoming_pods_total and scheduler_pending_pods. */
export type QueueName = "active" | "backoff" | "unschedulable";

/** What the gauges read when scraped. */
export interface MetricSources {
  queue(): { active: number; backoff: number; unschedulable: number; gated?: number };
  /** Pods in unschedulablePods per rejecting plugin and profile. */
  unschedulable?(): Iterable<{ plugin: string; profile: string; count: number }>;
  cache?(): { nodes: number; pods: number; assumedPods: number };
  /** Bind operations in flight (upstream's "binding" goroutines). */
  binding?(): number;
}

/** prometheus ExponentialBuckets(start, factor, count). */
export const exponentialBuckets = (start: number, factor: number, count: number): number[] =>
  Array.from({ length: count }, (_, i) => start * factor ** i);

/** The attempts label of the SLI histogram: "1".."14", then "15+" (upstream getAttemptsLabel). */
export const attemptsLabel = (attempts: number): string =>
  attempts >= 15 ? "15+" : String(Math.max(1, attempts));

export class SchedulerMetrics {
  readonly registry = new Registry();
  private readonly attempts: Counter<string>;
  private readonly attemptDuration: FastHistogram;
  private readonly algorithmDuration: HistogramChild;
  private readonly extensionPointDuration: FastHistogram;
  /** Children of the hot-path histograms by label values, looked up once each. */
  private readonly children = new Map<string, HistogramChild>();
  /** extensionPointDuration's children by profile, extension point, then status. */
  private readonly pointChildren = new Map<string, Map<string, Map<string, HistogramChild>>>();
  private readonly sliDuration: FastHistogram;
  private readonly podAttempts: HistogramChild;
  private readonly incomingPods: Counter<string>;
  private readonly preemptionAttempts: Counter<string>;
  private readonly preemptionVictims: Histogram<string>;
  private sources: MetricSources = { queue: () => ({ active: 0, backoff: 0, unschedulable: 0 }) };

  constructor() {
    const registers = [this.registry];
    const src = () => this.sources;
    this.attempts = new Counter({
      name: "scheduler_schedule_attempts_total",
      help: "Number of attempts to schedule pods, by the result. 'unschedulable' means a pod could not be scheduled, while 'error' means an internal scheduler problem.",
      labelNames: ["result", "profile"],
      registers,
    });
    this.attemptDuration = new FastHistogram(
      "scheduler_scheduling_attempt_duration_seconds",
      "Scheduling attempt latency in seconds (scheduling algorithm + binding)",
      ["result", "profile"],
      exponentialBuckets(0.001, 2, 15),
      this.registry,
    );
    this.algorithmDuration = new FastHistogram(
      "scheduler_scheduling_algorithm_duration_seconds",
      "Scheduling algorithm latency in seconds",
      [],
      exponentialBuckets(0.001, 2, 15),
      this.registry,
    ).child({});
    this.extensionPointDuration = new FastHistogram(
      "scheduler_framework_extension_point_duration_seconds",
      "Latency for running all plugins of a specific extension point.",
      ["extension_point", "status", "profile"],
      exponentialBuckets(0.0001, 2, 12),
      this.registry,
    );
    this.sliDuration = new FastHistogram(
      "scheduler_pod_scheduling_sli_duration_seconds",
      "E2e latency for a pod being scheduled, from the time the pod enters the scheduling queue and might involve multiple scheduling attempts.",
      ["attempts"],
      exponentialBuckets(0.01, 2, 20),
      this.registry,
    );
    this.podAttempts = new FastHistogram(
      "scheduler_pod_scheduling_attempts",
      "Number of attempts to successfully schedule a pod.",
      [],
      exponentialBuckets(1, 2, 5),
      this.registry,
    ).child({});
    this.incomingPods = new Counter({
      name: "scheduler_queue_incoming_pods_total",
      help: "Number of pods added to scheduling queues by event and queue type.",
      labelNames: ["queue", "event"],
      registers,
    });
    this.preemptionAttempts = new Counter({
      name: "scheduler_preemption_attempts_total",
      help: "Total preemption attempts in the cluster till now",
      registers,
    });
    this.preemptionVictims = new Histogram({
      name: "scheduler_preemption_victims",
      help: "Number of selected preemption victims",
      buckets: exponentialBuckets(1, 2, 7),
      registers,
    });
    new Gauge({
      name: "scheduler_pending_pods",
      help: "Number of pending pods, by the queue type. 'active' means number of pods in activeQ; 'backoff' means number of pods in backoffQ; 'unschedulable' means number of pods in unschedulablePods that the scheduler attempted to schedule and failed; 'gated' is the number of unschedulable pods that the scheduler never attempted to schedule because they are gated.",
      labelNames: ["queue"],
      registers,
      collect() {
        const s = src().queue();
        this.set({ queue: "active" }, s.active);
        this.set({ queue: "backoff" }, s.backoff);
        this.set({ queue: "unschedulable" }, s.unschedulable);
        this.set({ queue: "gated" }, s.gated ?? 0);
      },
    });
    new Gauge({
      name: "scheduler_unschedulable_pods",
      help: "The number of unschedulable pods broken down by plugin name. A pod will increment the gauge for all plugins that caused it to not schedule and so this metric have meaning only when broken down by plugin.",
      labelNames: ["plugin", "profile"],
      registers,
      collect() {
        this.reset();
        for (const u of src().unschedulable?.() ?? [])
          this.set({ plugin: u.plugin, profile: u.profile }, u.count);
      },
    });
    new Gauge({
      name: "scheduler_scheduler_cache_size",
      help: "Number of nodes, pods, and assumed (bound) pods in the scheduler cache.",
      labelNames: ["type"],
      registers,
      collect() {
        const c = src().cache?.() ?? { nodes: 0, pods: 0, assumedPods: 0 };
        this.set({ type: "nodes" }, c.nodes);
        this.set({ type: "pods" }, c.pods);
        this.set({ type: "assumed_pods" }, c.assumedPods);
      },
    });
    new Gauge({
      name: "scheduler_goroutines",
      help: "Number of running goroutines split by the work they do such as binding.",
      labelNames: ["operation"],
      registers,
      collect() {
        this.set({ operation: "binding" }, src().binding?.() ?? 0);
      },
    });
  }

  /** Where scheduler_pending_pods reads the queue sizes from (the running scheduler's queue). */
  setQueueSource(fn: MetricSources["queue"]): void {
    this.sources = { ...this.sources, queue: fn };
  }

  /** Where every gauge reads from (the running scheduler's queue and cache). */
  setSources(sources: MetricSources): void {
    this.sources = sources;
  }

  attempt(result: AttemptResult, profile: string, seconds: number): void {
    this.attempts.inc({ result, profile });
    const key = `a\0${result}\0${profile}`;
    let c = this.children.get(key);
    if (!c) this.children.set(key, (c = this.attemptDuration.child({ result, profile })));
    c.observe(seconds);
  }

  algorithm(seconds: number): void {
    this.algorithmDuration.observe(seconds);
  }

  extensionPoint(point: ExtensionPoint, status: string, profile: string, seconds: number): void {
    // Called about ten times per pod: nested maps over the (few, constant) label values, no key built.
    let byPoint = this.pointChildren.get(profile);
    if (!byPoint) this.pointChildren.set(profile, (byPoint = new Map()));
    let byStatus = byPoint.get(point);
    if (!byStatus) byPoint.set(point, (byStatus = new Map()));
    let c = byStatus.get(status);
    if (!c)
      byStatus.set(
        status,
        (c = this.extensionPointDuration.child({ extension_point: point, status, profile })),
      );
    c.observe(seconds);
  }

  /** A pod bound: its attempts and the time since its first attempt. */
  scheduled(attempts: number, seconds: number): void {
    this.sliDuration.observe({ attempts: attemptsLabel(attempts) }, seconds);
    this.podAttempts.observe(attempts);
  }

  /** A pod entered a sub-queue because of event (PodAdd, ScheduleAttemptFailure, NodeAdd, ...). */
  incoming(queue: QueueName, event: string): void {
    this.incomingPods.inc({ queue, event });
  }

  /** A preemption attempt (PostFilter run) and, when it chose a node, how many victims it evicts. */
  preemption(victims: number): void {
    this.preemptionAttempts.inc();
    if (victims > 0) this.preemptionVictims.observe(victims);
  }

  /** The exposition text for /metrics. */
  text(): Promise<string> {
    return this.registry.metrics();
  }
}
